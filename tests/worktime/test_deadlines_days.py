"""N working days after t: close of office hours on the N-th working day after the day of t."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worktime.helpers import SH, sh
from yiwang.worktime import facade

pytestmark = pytest.mark.django_db


def deadline(start: dt.datetime, days: int) -> dt.datetime:
    result = facade.add_working_days(start, days)
    assert result.warnings == ()
    return result.deadline


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 2024 Spring Festival: 2/10–2/17 off, make-up Sunday 2/4 and Sunday 2/18
        (sh(2024, 2, 9, 10), 1, sh(2024, 2, 18, 17, 30)),
        (sh(2024, 2, 9, 10), 2, sh(2024, 2, 19, 17, 30)),
        (sh(2024, 2, 3, 15), 1, sh(2024, 2, 4, 17, 30)),  # Saturday receipt → make-up Sunday
        (sh(2024, 2, 12, 9), 1, sh(2024, 2, 18, 17, 30)),  # receipt on a holiday
        (sh(2024, 2, 4, 20), 1, sh(2024, 2, 5, 17, 30)),  # receipt on a make-up day, at night
        (sh(2024, 2, 1, 9), 5, sh(2024, 2, 7, 17, 30)),  # 2/2, 2/4 (Sun), 2/5, 2/6, 2/7
        # 2025 National Day: 10/1–10/8 off, make-up Sunday 9/28 and Saturday 10/11
        (sh(2025, 9, 30, 16, 20), 1, sh(2025, 10, 9, 17, 30)),
        (sh(2025, 9, 30, 16, 20), 2, sh(2025, 10, 10, 17, 30)),
        (sh(2025, 9, 30, 16, 20), 3, sh(2025, 10, 11, 17, 30)),  # make-up Saturday counts
        (sh(2025, 9, 30, 16, 20), 4, sh(2025, 10, 13, 17, 30)),
        (sh(2025, 9, 27, 22), 1, sh(2025, 9, 28, 17, 30)),  # Saturday night → make-up Sunday
        (sh(2025, 9, 29, 23, 59), 1, sh(2025, 9, 30, 17, 30)),  # night of a working day
        # 2026 Mid-Autumn 9/25–9/27 and National Day 10/1–10/7, make-up 9/20 and 10/10
        (sh(2026, 9, 24, 16), 1, sh(2026, 9, 28, 17, 30)),
        (sh(2026, 9, 19, 9), 1, sh(2026, 9, 20, 17, 30)),  # make-up Sunday
        (sh(2026, 9, 30, 16, 20), 2, sh(2026, 10, 9, 17, 30)),
        (sh(2026, 9, 30, 16, 20), 3, sh(2026, 10, 10, 17, 30)),  # make-up Saturday
        (sh(2026, 10, 3, 10), 1, sh(2026, 10, 8, 17, 30)),  # receipt on a holiday
        (sh(2026, 10, 10, 8), 1, sh(2026, 10, 12, 17, 30)),  # receipt on a make-up day
    ],
)
def test_deadline_in_working_days(start, days, expected):
    assert deadline(start, days) == expected


def test_the_day_of_receipt_never_counts_even_at_dawn():
    assert deadline(sh(2026, 9, 29, 0, 1), 1) == sh(2026, 9, 30, 17, 30)


def test_result_is_in_beijing_time_with_its_offset():
    result = facade.add_working_days(sh(2026, 9, 30, 16, 20), 2)
    assert result.deadline.tzinfo == SH
    assert result.deadline.isoformat() == "2026-10-09T17:30:00+08:00"


def test_utc_input_is_converted_to_the_calendar_day_in_beijing():
    # 2025-09-27T17:00Z is 01:00 on Sunday 9/28 (a make-up working day) in Beijing
    start = dt.datetime(2025, 9, 27, 17, 0, tzinfo=dt.UTC)
    assert deadline(start, 1) == sh(2025, 9, 29, 17, 30)
    # and one minute before Beijing midnight it is still Saturday 9/27
    assert deadline(dt.datetime(2025, 9, 27, 15, 59, tzinfo=dt.UTC), 1) == sh(2025, 9, 28, 17, 30)


def test_other_offsets_are_accepted():
    new_york = dt.timezone(dt.timedelta(hours=-4))
    # 2026-09-29 20:00 in New York is 2026-09-30 08:00 in Beijing
    assert deadline(dt.datetime(2026, 9, 29, 20, 0, tzinfo=new_york), 1) == sh(2026, 10, 8, 17, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 9, 29, 10), sh(2026, 9, 29, 17, 30)),  # same day
        (sh(2026, 9, 29, 17, 30), sh(2026, 9, 29, 17, 30)),  # at closing time
        (sh(2026, 9, 29, 18), sh(2026, 9, 30, 17, 30)),  # after closing → next working day
        (sh(2026, 10, 1, 10), sh(2026, 10, 8, 17, 30)),  # holiday → first working day
    ],
)
def test_zero_days_is_same_day_processing(start, expected):
    assert deadline(start, 0) == expected


def test_results_are_shared_immutable_objects():
    first = facade.add_working_days(sh(2026, 9, 30, 9), 2)
    second = facade.add_working_days(sh(2026, 9, 30, 15), 2)
    assert first == second
    with pytest.raises(AttributeError):
        first.deadline = sh(2030, 1, 1)  # frozen


def test_is_working_day():
    assert facade.is_working_day(dt.date(2024, 2, 4)) is True  # make-up Sunday
    assert facade.is_working_day(dt.date(2024, 2, 12)) is False  # Spring Festival Monday
    assert facade.is_working_day(dt.date(2026, 10, 10)) is True  # make-up Saturday
    assert facade.is_working_day(dt.date(2026, 10, 11)) is False  # ordinary Sunday
