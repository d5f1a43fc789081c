"""Working-time arithmetic for every module: deadlines in working days or hours, office time.

The only thing other apps import from ``worktime``. Inputs are timezone-aware datetimes (a
naive one raises ``InvalidInput`` with code ``worktime.naive_datetime``; so do negative
amounts and instants outside 1990–2100). Results are in the calendar's time zone
(Asia/Shanghai for ``CN``) and carry ``warnings`` when the computation touched a year without
holiday data, where Monday–Friday was assumed. Semantics: ``docs/modules/worktime.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext

from yiwang.core.errors import InvalidInput
from yiwang.worktime.engine import Deadline, DeadlineRequest, WorkingTime
from yiwang.worktime.registry import STATE, get_engine

__all__ = [
    "NATIONAL",
    "Deadline",
    "DeadlineRequest",
    "WorkingTime",
    "add_working_days",
    "add_working_hours",
    "compute_deadlines",
    "covered_years",
    "is_working_day",
    "working_minutes_between",
]

NATIONAL = "CN"
MAX_BATCH_ERRORS = 100

_engines = STATE.engines


def add_working_days(start: dt.datetime, days: int, calendar: str = NATIONAL) -> Deadline:
    """Close of office hours (17:30) on the ``days``-th working day after the day of ``start``.

    The day of ``start`` never counts, whatever the hour. ``days=0`` is same-day processing:
    the close of the first working day whose office hours have not yet closed at ``start``.
    """
    # registry.get_engine inlined: this is the platform's hottest call
    engine = _engines.get(calendar)
    if engine is None or STATE.due:
        engine = get_engine(calendar)
    return engine.add_days(start, days)


def add_working_hours(
    start: dt.datetime, hours: int | float | Decimal, calendar: str = NATIONAL
) -> Deadline:
    """The instant when ``hours`` of office time have elapsed after ``start``.

    Outside office hours counting starts with the next office period; an amount that runs out
    exactly at the end of a period ends there (11:00 + 1 h = 12:00).
    """
    return get_engine(calendar).add_hours(start, hours)


def working_minutes_between(
    start: dt.datetime,
    end: dt.datetime,
    pauses: Iterable[tuple[dt.datetime, dt.datetime]] = (),
    calendar: str = NATIONAL,
) -> WorkingTime:
    """Office time from ``start`` to ``end``, excluding ``pauses`` (may overlap each other).

    ``result.minutes`` is rounded down; ``result.seconds`` is exact to the second.
    """
    return get_engine(calendar).between(start, end, tuple(pauses))


def is_working_day(day: dt.date, calendar: str = NATIONAL) -> bool:
    """Whether a calendar date is a working day (Monday–Friday for years without data)."""
    return get_engine(calendar).is_working_day(day)


def covered_years(calendar: str = NATIONAL) -> list[int]:
    """Years whose holiday data is complete in ``calendar``."""
    return sorted(get_engine(calendar).covered_years)


def compute_deadlines(requests: Sequence[DeadlineRequest]) -> list[Deadline]:
    """Deadlines for many requests, in the same order.

    Every item is checked; ``InvalidInput`` lists the errors of all bad items with fields such
    as ``"3.working_days"`` (item index first), and nothing is returned then.
    """
    if not requests:
        return []
    # One vectorised pass does the common case; the items it leaves pending go the careful way.
    try:
        results, pending = get_engine(requests[0].calendar).days_batch(requests)
    except InvalidInput:
        results, pending = [None] * len(requests), range(len(requests))
    if not pending:
        return results  # type: ignore[return-value]
    errors: list[dict] = []
    code = add_days = add_hours = None
    for index in pending:
        request = requests[index]
        try:
            if request.calendar != code:  # engines are looked up once per run of a calendar
                engine = get_engine(request.calendar)
                code, add_days, add_hours = request.calendar, engine.add_days, engine.add_hours
            days, hours = request.working_days, request.working_hours
            if hours is None and days is not None:
                results[index] = add_days(request.start, days)
            elif days is None and hours is not None:
                results[index] = add_hours(request.start, hours)
            else:
                message = gettext("Give exactly one of working_days and working_hours.")
                raise InvalidInput(
                    "worktime.amount_required",
                    message,
                    errors=[
                        {
                            "field": "working_days",
                            "code": "worktime.amount_required",
                            "message": message,
                        }
                    ],
                )
        except InvalidInput as exc:
            for err in exc.errors or [{"field": None, "code": exc.code, "message": exc.message}]:
                field = f"{index}.{err['field']}" if err.get("field") else str(index)
                errors.append({**err, "field": field})
            if len(errors) >= MAX_BATCH_ERRORS:
                break
    if errors:
        bad_items = len({e["field"].split(".")[0] for e in errors})
        raise InvalidInput(
            errors[0]["code"],
            gettext("%(count)s item(s) are invalid; see errors.") % {"count": bad_items},
            errors=errors,
        )
    return results  # type: ignore[return-value]
