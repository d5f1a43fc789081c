"""Years without data fall back to Monday–Friday with a warning; bad input is refused clearly."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worktime.helpers import sh
from yiwang.core.errors import InvalidInput
from yiwang.core.health import WARNINGS, run_checks
from yiwang.worktime import facade
from yiwang.worktime.engine import DeadlineRequest
from yiwang.worktime.health import calendar_warnings

pytestmark = pytest.mark.django_db


def test_year_without_data_falls_back_to_monday_to_friday_with_a_warning():
    # Monday 2030-09-30: in a real calendar 10/1 would be a holiday; without data it is not
    result = facade.add_working_days(sh(2030, 9, 30, 16, 20), 2)
    assert result.deadline == sh(2030, 10, 2, 17, 30)
    assert len(result.warnings) == 1
    assert "2030" in result.warnings[0] and "CN" in result.warnings[0]


def test_crossing_into_an_uncovered_year_warns_for_that_year():
    result = facade.add_working_days(sh(2026, 12, 30, 10), 5)
    assert result.deadline == sh(2027, 1, 6, 17, 30)
    assert [w for w in result.warnings if "2027" in w] == list(result.warnings)
    assert result.warnings


def test_years_before_the_data_fall_back_too():
    result = facade.add_working_hours(sh(2003, 12, 31, 17), 1)
    assert result.deadline == sh(2004, 1, 2, 9)  # 2004-01-01 is New Year's Day (covered)
    assert len(result.warnings) == 1 and "2003" in result.warnings[0]


def test_between_over_an_uncovered_year_warns():
    result = facade.working_minutes_between(sh(2031, 1, 6, 8, 30), sh(2031, 1, 10, 17, 30))
    assert result.minutes == 5 * 420
    assert result.warnings and "2031" in result.warnings[0]


def test_is_working_day_falls_back_without_exception():
    assert facade.is_working_day(dt.date(2031, 10, 1)) is True  # a Wednesday without data
    assert facade.is_working_day(dt.date(2031, 10, 4)) is False  # Saturday
    assert facade.is_working_day(dt.date(1850, 1, 1)) is True  # outside the tables: Mon–Fri


def test_no_warning_inside_covered_years():
    assert facade.add_working_days(sh(2026, 12, 1), 10).warnings == ()


def test_instants_outside_1990_2100_are_refused():
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(sh(1985, 1, 1), 1)
    assert exc.value.code == "worktime.out_of_range"
    assert exc.value.errors[0]["field"] == "start"
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(sh(2100, 12, 30), 5)
    assert exc.value.errors[0]["field"] == "working_days"


def test_naive_datetime_is_refused():
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(dt.datetime(2026, 9, 30, 16, 20), 1)
    assert exc.value.code == "worktime.naive_datetime"
    assert exc.value.errors[0]["field"] == "start"
    with pytest.raises(InvalidInput):
        facade.add_working_hours(dt.datetime(2026, 9, 30, 16, 20), 1)


def test_a_date_is_not_an_instant():
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(dt.date(2026, 9, 30), 1)
    assert exc.value.code == "worktime.not_a_datetime"


@pytest.mark.parametrize("days", [-1, 1.5, True, "2"])
def test_bad_day_amounts(days):
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(sh(2026, 9, 30), days)
    assert exc.value.errors[0]["field"] == "working_days"
    expected = "worktime.negative_amount" if days == -1 else "worktime.invalid_amount"
    assert exc.value.code == expected


@pytest.mark.parametrize("hours", [-1, -0.5, float("nan"), float("inf"), "1", None])
def test_bad_hour_amounts(hours):
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_hours(sh(2026, 9, 30), hours)
    assert exc.value.errors[0]["field"] == "working_hours"


def test_unknown_calendar():
    with pytest.raises(InvalidInput) as exc:
        facade.add_working_days(sh(2026, 9, 30), 1, calendar="XX")
    assert exc.value.code == "worktime.unknown_calendar"
    assert exc.value.errors[0]["field"] == "calendar"


def test_batch_keeps_order_and_reports_every_bad_item():
    requests = [
        DeadlineRequest(sh(2026, 9, 30, 16, 20), working_days=2),
        DeadlineRequest(sh(2026, 9, 30, 16, 20), working_hours=1),
        DeadlineRequest(sh(2024, 2, 9, 10), working_days=1),
    ]
    results = facade.compute_deadlines(requests)
    assert [r.deadline for r in results] == [
        sh(2026, 10, 9, 17, 30),
        sh(2026, 9, 30, 17, 20),
        sh(2024, 2, 18, 17, 30),
    ]
    bad = [
        DeadlineRequest(sh(2026, 9, 30), working_days=1),
        DeadlineRequest(dt.datetime(2026, 9, 30), working_days=1),
        DeadlineRequest(sh(2026, 9, 30), working_days=-3),
        DeadlineRequest(sh(2026, 9, 30)),
        DeadlineRequest(sh(2026, 9, 30), working_days=1, calendar="XX"),
    ]
    with pytest.raises(InvalidInput) as exc:
        facade.compute_deadlines(bad)
    fields = [e["field"] for e in exc.value.errors]
    assert fields == ["1.start", "2.working_days", "3.working_days", "4.calendar"]


def test_health_warns_about_the_current_and_next_year():
    assert calendar_warnings(now=sh(2026, 3, 1)) == []  # 2026 covered; 2027 not due yet
    autumn = calendar_warnings(now=sh(2026, 11, 29))
    assert len(autumn) == 1 and "2027" in autumn[0] and "CN" in autumn[0]
    assert len(calendar_warnings(now=sh(2027, 1, 5))) == 1  # current year missing


def test_health_provider_is_registered_on_healthz():
    assert calendar_warnings in WARNINGS
    _healthy, body = run_checks()
    for message in calendar_warnings():
        assert message in body["warnings"]


def test_daylight_saving_era_of_shanghai_is_converted_exactly():
    # Shanghai kept DST (UTC+9) in the summers of 1986–1991: 15:30Z was 00:30 the next day
    start = dt.datetime(1991, 6, 11, 15, 30, tzinfo=dt.UTC)  # Wednesday 1991-06-12 00:30 +09
    result = facade.add_working_days(start, 1)
    assert result.deadline.isoformat() == "1991-06-13T17:30:00+09:00"
    assert result.warnings and "1991" in result.warnings[0]


def test_fast_and_checked_paths_agree():
    import random

    from yiwang.worktime.registry import get_engine

    engine = get_engine("CN")
    rng = random.Random(7)
    lo = dt.datetime(1990, 1, 1, tzinfo=dt.UTC).timestamp()
    hi = dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()
    for _ in range(2000):
        start = dt.datetime.fromtimestamp(rng.uniform(lo, hi), tz=dt.UTC)
        days = rng.randint(1, 30)
        assert engine.add_days(start, days) == engine._add_days_checked(start, days), start
