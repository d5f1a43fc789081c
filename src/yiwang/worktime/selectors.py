"""Reads of calendar data.

Calendars are public data (the holiday schedule is published by the State Council), so these
selectors take no actor; writes are guarded in :mod:`yiwang.worktime.services`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.core.errors import NotFound
from yiwang.worktime.choices import DayKind
from yiwang.worktime.engine import CalendarData
from yiwang.worktime.models import Calendar, CalendarDay, CalendarYear


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.order_by("code")


def calendar_get(*, code: str) -> Calendar:
    try:
        return Calendar.objects.get(code=code)
    except Calendar.DoesNotExist:
        raise NotFound("calendar") from None


def calendar_versions() -> dict[str, int]:
    """``{code: version}`` of every calendar: one cheap query, used to spot stale engines."""
    return dict(Calendar.objects.values_list("code", "version"))


def calendar_year_list(*, calendar: Calendar) -> QuerySet[CalendarYear]:
    return CalendarYear.objects.filter(calendar=calendar).order_by("year")


def calendar_day_list(*, calendar: Calendar, year: int | None = None) -> QuerySet[CalendarDay]:
    qs = CalendarDay.objects.filter(calendar=calendar)
    if year is not None:
        qs = qs.filter(date__year=year)
    return qs.order_by("date")


def calendar_data(*, code: str) -> CalendarData | None:
    """Snapshot of one calendar for :class:`~yiwang.worktime.engine.CalendarEngine`."""
    calendar = Calendar.objects.filter(code=code).first()
    if calendar is None:
        return None
    holidays: set = set()
    workdays: set = set()
    for day, kind in CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"):
        (workdays if kind == DayKind.WORKDAY else holidays).add(day)
    years = CalendarYear.objects.filter(calendar=calendar).values_list("year", flat=True)
    return CalendarData(
        code=calendar.code,
        time_zone=calendar.time_zone,
        periods=(
            (calendar.morning_start, calendar.morning_end),
            (calendar.afternoon_start, calendar.afternoon_end),
        ),
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        covered_years=frozenset(years),
        version=calendar.version,
    )
