"""The legal clock of a case (domain.md §3), all day arithmetic through ``worktime``.

* A time limit of N **working days** ends at the close of office hours of the N-th working day
  after the day the complete materials were received (``worktime.add_working_days``: the day
  of receipt never counts). After 补正 the counting restarts from the day after the corrected
  materials arrive (the case's ``received_at`` moves).
* N **natural days** end at the close of office hours of the N-th calendar day after receipt,
  or of the next working day when that day is a holiday (民法典 §203).
* Days of a 特别程序 (hearing, testing, expert review …, 行政许可法 §45) are added back: a pause
  from day A to day B excludes the days after A up to and including B (working days, or
  calendar days for natural-day limits); an extension (§42) adds its days.
* Warning (电子监察): yellow once at most ``yellow_working_days`` working days are left after
  today (1 by default: the working day before the deadline and the deadline day), red from the
  deadline on (overdue).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yiwang.cases.choices import WarningLevel
from yiwang.worktime import facade as worktime

WORKING_DAY = "working_day"
NATURAL_DAY = "natural_day"
_SCAN_LIMIT = 400  # days a backwards scan may look at (holiday runs are never that long)


def local_date(instant: dt.datetime) -> dt.date:
    return timezone.localtime(instant).date()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def limit_deadline(start: dt.datetime, days: int, unit: str) -> dt.datetime:
    """The end of a limit of ``days`` in ``unit`` counted from the day after ``start``."""
    if unit == NATURAL_DAY:
        last = local_date(start) + dt.timedelta(days=days)
        return worktime.add_working_days(local_midnight(last), 0).deadline
    return worktime.add_working_days(start, days).deadline


def days_excluded(start: dt.datetime, end: dt.datetime, unit: str) -> int:
    """Days of a pause from ``start`` to ``end`` that the limit does not count: the days after
    the start's day up to and including the end's day (working days for a working-day limit)."""
    first, last = local_date(start), local_date(end)
    if last <= first:
        return 0
    if unit == NATURAL_DAY:
        return (last - first).days
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += worktime.is_working_day(day)
    return count


def working_days_left(today: dt.date, deadline_day: dt.date, cap: int) -> int:
    """Working days after ``today`` up to and including ``deadline_day`` (stops above ``cap``)."""
    count, day = 0, today
    while day < deadline_day and count <= cap:
        day += dt.timedelta(days=1)
        count += worktime.is_working_day(day)
    return count


def level_at(deadline: dt.datetime | None, now: dt.datetime, yellow_days: int) -> str:
    if deadline is None:
        return WarningLevel.NORMAL
    if now >= deadline:
        return WarningLevel.RED
    left = working_days_left(local_date(now), local_date(deadline), yellow_days)
    return WarningLevel.YELLOW if left <= yellow_days else WarningLevel.NORMAL


def yellow_from(deadline: dt.datetime, yellow_days: int) -> dt.datetime:
    """The first instant at which :func:`level_at` says yellow for ``deadline``."""
    deadline_day = local_date(deadline)
    day = deadline_day
    for _ in range(_SCAN_LIMIT):
        before = day - dt.timedelta(days=1)
        if working_days_left(before, deadline_day, yellow_days) > yellow_days:
            break
        day = before
    return min(local_midnight(day), deadline)


def next_level_change(deadline: dt.datetime | None, now: dt.datetime, yellow_days: int):
    """When the level of a running clock next changes (``None`` once it is red)."""
    if deadline is None or now >= deadline:
        return None
    yellow = yellow_from(deadline, yellow_days)
    return yellow if yellow > now else deadline
