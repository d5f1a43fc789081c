"""Small helpers shared by the worktime tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def naive_deadline(start: dt.datetime, days: int) -> dt.datetime:
    """The reference: walk day by day with chinese_calendar.is_workday (2004–2026 only)."""
    import chinese_calendar

    day = start.astimezone(SH).date()
    found = 0
    while found < days:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            found += 1
    return dt.datetime.combine(day, dt.time(17, 30), SH)
