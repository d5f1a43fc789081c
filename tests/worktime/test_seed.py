"""The data migration seeds the national calendar from chinese-calendar for every year it covers."""

from __future__ import annotations

import datetime as dt
import random

import chinese_calendar
import pytest

from tests.worktime.helpers import SH, naive_deadline
from yiwang.worktime import facade
from yiwang.worktime.choices import DayKind, YearSource
from yiwang.worktime.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

PACKAGE_YEARS = sorted({d.year for d in chinese_calendar.holidays})


def test_national_calendar_covers_every_year_of_the_package(national):
    records = CalendarYear.objects.filter(calendar=national).order_by("year")
    years = list(records.values_list("year", flat=True))
    assert years == PACKAGE_YEARS
    assert years[0] == 2004 and years[-1] == 2026
    assert set(CalendarYear.objects.filter(calendar=national).values_list("source", flat=True)) == {
        YearSource.SEED
    }
    assert facade.covered_years() == PACKAGE_YEARS


def test_every_holiday_and_make_up_day_is_stored(national):
    stored = dict(CalendarDay.objects.filter(calendar=national).values_list("date", "kind"))
    expected = {d: DayKind.HOLIDAY for d in chinese_calendar.holidays} | {
        d: DayKind.WORKDAY for d in chinese_calendar.workdays
    }
    assert stored == expected
    assert CalendarDay.objects.get(calendar=national, date=dt.date(2024, 2, 4)).note == (
        "Spring Festival"
    )


def test_national_office_hours_default(national):
    assert (national.time_zone, national.morning_start, national.morning_end) == (
        "Asia/Shanghai",
        dt.time(8, 30),
        dt.time(12, 0),
    )
    assert (national.afternoon_start, national.afternoon_end) == (dt.time(14, 0), dt.time(17, 30))


def test_working_days_agree_with_chinese_calendar_for_every_covered_day(national):
    day, last = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
    while day <= last:
        assert facade.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_random_deadlines_agree_with_a_day_by_day_walk(national):
    rng = random.Random(20240210)
    lo = dt.datetime(2005, 1, 1, tzinfo=SH).timestamp()
    hi = dt.datetime(2026, 10, 1, tzinfo=SH).timestamp()
    for _ in range(400):
        start = dt.datetime.fromtimestamp(rng.uniform(lo, hi), tz=dt.UTC)
        days = rng.randint(1, 20)
        result = facade.add_working_days(start, days)
        assert result.deadline == naive_deadline(start, days), (start, days)
        assert result.warnings == ()
