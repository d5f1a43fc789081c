"""N working hours after t: N hours of office time (08:30–12:00, 14:00–17:30) after t."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.worktime.helpers import sh
from yiwang.worktime import facade

pytestmark = pytest.mark.django_db


def deadline(start: dt.datetime, hours) -> dt.datetime:
    result = facade.add_working_hours(start, hours)
    assert result.warnings == ()
    return result.deadline


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (sh(2026, 9, 29, 9), 1, sh(2026, 9, 29, 10)),
        (sh(2026, 9, 29, 11, 30), 1, sh(2026, 9, 29, 14, 30)),  # across lunch
        (sh(2026, 9, 29, 11), 1, sh(2026, 9, 29, 12)),  # ends exactly at 12:00 → 12:00
        (sh(2026, 9, 29, 12, 30), 1, sh(2026, 9, 29, 15)),  # received in the lunch break
        (sh(2026, 9, 29, 12), 1, sh(2026, 9, 29, 15)),  # received at 12:00
        (sh(2026, 9, 29, 17), 1, sh(2026, 9, 30, 9)),  # across days
        (sh(2026, 9, 29, 16, 30), 1, sh(2026, 9, 29, 17, 30)),  # ends at closing time
        (sh(2026, 9, 29, 20), 1, sh(2026, 9, 30, 9, 30)),  # received at night
        (sh(2026, 9, 29, 6), 1, sh(2026, 9, 29, 9, 30)),  # received before opening
        (sh(2026, 9, 29, 8, 30), 7, sh(2026, 9, 29, 17, 30)),  # a full office day
        (sh(2026, 9, 29, 8, 30), 8, sh(2026, 9, 30, 9, 30)),
        # across the 2026 National Day holiday (10/1–10/7)
        (sh(2026, 9, 30, 16, 20), 1, sh(2026, 9, 30, 17, 20)),
        (sh(2026, 9, 30, 16, 20), 2, sh(2026, 10, 8, 9, 20)),
        (sh(2026, 10, 3, 10), 1, sh(2026, 10, 8, 9, 30)),  # received on a holiday
        # make-up Saturday 10/10/2026 is a working day; Sunday 10/11 is not
        (sh(2026, 10, 10, 16), 2, sh(2026, 10, 12, 9)),
        (sh(2026, 10, 9, 17), 1, sh(2026, 10, 10, 9)),
        # 2024 Spring Festival: from Friday 2/9 to make-up Sunday 2/18
        (sh(2024, 2, 9, 17), 1, sh(2024, 2, 18, 9)),
        # 2025 National Day: from 9/30 to 10/9
        (sh(2025, 9, 30, 17), 4, sh(2025, 10, 9, 12)),
    ],
)
def test_deadline_in_working_hours(start, hours, expected):
    assert deadline(start, hours) == expected


def test_fractional_hours():
    assert deadline(sh(2026, 9, 29, 9), 0.5) == sh(2026, 9, 29, 9, 30)
    assert deadline(sh(2026, 9, 29, 9), Decimal("1.25")) == sh(2026, 9, 29, 10, 15)


def test_seconds_of_the_start_are_kept():
    start = sh(2026, 9, 29, 9).replace(second=17, microsecond=500)
    assert deadline(start, 1) == start + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 9, 29, 10), sh(2026, 9, 29, 10)),  # inside office hours: the start itself
        (sh(2026, 9, 29, 12), sh(2026, 9, 29, 14)),  # else the next office start
        (sh(2026, 9, 29, 20), sh(2026, 9, 30, 8, 30)),
        (sh(2026, 10, 1, 9), sh(2026, 10, 8, 8, 30)),
    ],
)
def test_zero_hours_is_the_next_office_instant(start, expected):
    assert deadline(start, 0) == expected


def test_utc_input():
    start = dt.datetime(2026, 9, 29, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing
    assert deadline(start, 1) == sh(2026, 9, 29, 10)
    assert deadline(start, 1).isoformat() == "2026-09-29T10:00:00+08:00"
