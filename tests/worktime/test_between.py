"""Working time between two instants: office minutes only, pauses excluded."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worktime.helpers import sh
from yiwang.core.errors import InvalidInput
from yiwang.worktime import facade

pytestmark = pytest.mark.django_db


def minutes(start, end, pauses=()) -> int:
    result = facade.working_minutes_between(start, end, pauses)
    assert result.warnings == ()
    return result.minutes


def test_within_one_morning():
    assert minutes(sh(2026, 9, 29, 9), sh(2026, 9, 29, 10, 15)) == 75


def test_lunch_break_does_not_count():
    assert minutes(sh(2026, 9, 29, 10), sh(2026, 9, 29, 15)) == 180


def test_night_and_holidays_do_not_count():
    assert minutes(sh(2026, 9, 29, 18), sh(2026, 9, 30, 8)) == 0
    # 9/30 10:00–17:30 (5.5 h), 10/1–10/7 off, 10/8 08:30–10:00 (1.5 h)
    assert minutes(sh(2026, 9, 30, 10), sh(2026, 10, 8, 10)) == 420


def test_make_up_days_count():
    # Friday 10/9 17:00 → Monday 10/12 9:00: 30 min + all of make-up Saturday 10/10 + 30 min
    assert minutes(sh(2026, 10, 9, 17), sh(2026, 10, 12, 9)) == 30 + 420 + 30


def test_whole_week_of_2024_spring_festival():
    # Friday 2/9 to make-up Sunday 2/18: two office days (2/9, 2/18)
    assert minutes(sh(2024, 2, 9, 0), sh(2024, 2, 18, 23)) == 2 * 420


def test_pauses_are_excluded_and_may_overlap():
    start, end = sh(2026, 9, 30, 10), sh(2026, 10, 8, 10)
    pauses = [
        (sh(2026, 9, 30, 11), sh(2026, 9, 30, 15)),
        (sh(2026, 9, 30, 14, 30), sh(2026, 9, 30, 16)),  # overlaps the first
    ]
    # office time inside the merged pause 11:00–16:00: 11–12 and 14–16 = 180 min
    assert minutes(start, end, pauses) == 420 - 180


def test_pauses_are_clipped_to_the_interval_and_may_be_outside_it():
    start, end = sh(2026, 9, 29, 9), sh(2026, 9, 29, 11)
    pauses = [
        (sh(2026, 9, 28, 9), sh(2026, 9, 29, 9, 30)),  # starts before: 30 min inside
        (sh(2026, 9, 29, 10, 45), sh(2026, 9, 30, 12)),  # ends after: 15 min inside
        (sh(2026, 9, 25, 9), sh(2026, 9, 25, 12)),  # entirely outside
    ]
    assert minutes(start, end, pauses) == 120 - 30 - 15


def test_seconds_are_exact_and_minutes_rounded_down():
    start = sh(2026, 9, 29, 9)
    result = facade.working_minutes_between(start, start + dt.timedelta(seconds=150))
    assert (result.seconds, result.minutes) == (150, 2)


def test_empty_interval():
    assert minutes(sh(2026, 9, 29, 9), sh(2026, 9, 29, 9)) == 0


def test_end_before_start_is_invalid():
    with pytest.raises(InvalidInput) as exc:
        facade.working_minutes_between(sh(2026, 9, 29, 10), sh(2026, 9, 29, 9))
    assert exc.value.errors[0]["field"] == "end"


def test_pause_ending_before_it_starts_is_invalid():
    with pytest.raises(InvalidInput) as exc:
        facade.working_minutes_between(
            sh(2026, 9, 29, 9), sh(2026, 9, 29, 17), [(sh(2026, 9, 29, 12), sh(2026, 9, 29, 11))]
        )
    assert exc.value.errors[0]["field"] == "pauses.0.end"


def test_naive_pause_is_invalid():
    with pytest.raises(InvalidInput) as exc:
        facade.working_minutes_between(
            sh(2026, 9, 29, 9),
            sh(2026, 9, 29, 17),
            [(dt.datetime(2026, 9, 29, 10), sh(2026, 9, 29, 11))],
        )
    assert exc.value.code == "worktime.naive_datetime"
    assert exc.value.errors[0]["field"] == "pauses.0.start"
