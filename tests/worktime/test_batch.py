"""compute_deadlines: the vectorised batch gives exactly what single calls give, item by item.

The batch takes the common case (whole working days, one calendar, fixed-offset era, covered
years) through numpy and leaves everything else — hours, other calendars, same-day (0 days),
warnings, DST eras, bad input — to the item-by-item path. These tests mix all of it at random
and compare every result (instant, time zone, warnings) and every error with single calls.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tests.worktime.helpers import SH, sh
from yiwang.core.errors import InvalidInput
from yiwang.worktime import facade, registry, services
from yiwang.worktime.choices import DayKind
from yiwang.worktime.engine import VECTOR_MIN, DeadlineRequest

pytestmark = pytest.mark.django_db

ZONES = [
    dt.UTC,
    SH,
    dt.timezone(dt.timedelta(hours=8)),
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    ZoneInfo("America/New_York"),
]


def single(request: DeadlineRequest) -> facade.Deadline:
    """The result of one single call for a valid request."""
    if request.working_hours is None:
        return facade.add_working_days(request.start, request.working_days, request.calendar)
    return facade.add_working_hours(request.start, request.working_hours, request.calendar)


def exact(result: facade.Deadline) -> tuple:
    """Everything about a result: the instant, its written form and zone, the warnings."""
    return (
        result.deadline,
        result.deadline.isoformat(),
        str(result.deadline.tzinfo),
        result.warnings,
    )


def instant(rng: random.Random) -> dt.datetime:
    era = rng.random()
    if era < 0.70:
        lo, hi = dt.datetime(2004, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    elif era < 0.80:  # years without data: warnings
        lo, hi = dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2040, 1, 1, tzinfo=dt.UTC)
    elif era < 0.85:  # Shanghai still changed its offset (DST) until September 1991
        lo, hi = dt.datetime(1990, 1, 1, tzinfo=dt.UTC), dt.datetime(1993, 1, 1, tzinfo=dt.UTC)
    elif era < 0.88:  # near the end of the tables
        lo, hi = dt.datetime(2099, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    else:  # the edges of a Beijing day (16:00Z) and of office hours (17:30 Beijing)
        day = dt.datetime(2004, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=rng.randrange(8400))
        edge = day.replace(hour=rng.choice([16, 9]), minute=rng.choice([0, 30]))
        start = edge + dt.timedelta(microseconds=rng.choice([-1, 0, 1]))
        return start.astimezone(rng.choice(ZONES))
    seconds = rng.uniform(0, (hi - lo).total_seconds())
    return (lo + dt.timedelta(seconds=seconds)).astimezone(rng.choice(ZONES))


def mixed_workload(
    rng: random.Random, count: int, calendars: tuple[str, ...] = ("CN",)
) -> list[DeadlineRequest]:
    """Valid requests of every kind, interleaved."""
    requests = []
    for _ in range(count):
        start = instant(rng)
        calendar = rng.choice(calendars) if rng.random() < 0.3 else calendars[0]
        kind = rng.random()
        if kind < 0.60:
            request = DeadlineRequest(start, working_days=rng.randint(1, 30), calendar=calendar)
        elif kind < 0.65:  # same-day processing
            request = DeadlineRequest(start, working_days=0, calendar=calendar)
        elif kind < 0.68 and start.year < 2030:  # long enough to reach years without data
            request = DeadlineRequest(start, working_days=rng.randint(200, 3000), calendar=calendar)
        elif kind < 0.72:  # an integral amount that is not exactly an int
            request = DeadlineRequest(
                start, working_days=np.int64(rng.randint(1, 30)), calendar=calendar
            )
        else:
            hours = rng.choice(
                [rng.randint(0, 40), rng.uniform(0, 40), Decimal(rng.randint(0, 80)) / 2]
            )
            request = DeadlineRequest(start, working_hours=hours, calendar=calendar)
        requests.append(request)
    return requests


def plain_workload(rng: random.Random, count: int) -> list[DeadlineRequest]:
    """The common case only: whole days from UTC instants in covered years."""
    lo = dt.datetime(2010, 1, 1, tzinfo=SH).timestamp()
    hi = dt.datetime(2026, 1, 1, tzinfo=SH).timestamp()
    return [
        DeadlineRequest(
            dt.datetime.fromtimestamp(rng.uniform(lo, hi), tz=dt.UTC),
            working_days=rng.randint(1, 20),
        )
        for _ in range(count)
    ]


@pytest.fixture
def other_calendars(db):
    """HK (fixed offset, own hours and data), BER (a DST zone), UTC (results written with Z)."""
    hk = services.calendar_create(
        actor=None,
        code="HK",
        name="Hong Kong office",
        time_zone="Asia/Hong_Kong",
        morning_start=dt.time(9),
        morning_end=dt.time(12, 30),
        afternoon_start=dt.time(13, 30),
        afternoon_end=dt.time(18),
    )
    for year in range(2015, 2027):
        services.calendar_year_declare(actor=None, calendar=hk, year=year)
    services.calendar_day_set(
        actor=None, calendar=hk, date=dt.date(2025, 12, 25), kind=DayKind.HOLIDAY
    )
    services.calendar_day_set(
        actor=None, calendar=hk, date=dt.date(2025, 12, 27), kind=DayKind.WORKDAY
    )
    berlin = services.calendar_create(
        actor=None, code="BER", name="Berlin office", time_zone="Europe/Berlin"
    )
    for year in range(2004, 2027):
        services.calendar_year_declare(actor=None, calendar=berlin, year=year)
    services.calendar_create(actor=None, code="UTC", name="UTC office", time_zone="UTC")
    return ("HK", "BER", "UTC")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_equals_single_calls_for_a_random_mixed_workload(seed):
    requests = mixed_workload(random.Random(seed), 3000)
    results = facade.compute_deadlines(requests)
    assert len(results) == len(requests)
    for n, (request, result) in enumerate(zip(requests, results, strict=True)):
        assert exact(result) == exact(single(request)), (n, request)
    assert any(r.warnings for r in results)  # the workload did reach years without data


def test_vectorised_path_matches_the_item_by_item_loop_exactly():
    engine = registry.get_engine("CN")
    requests = mixed_workload(random.Random(4), 5000)
    results, pending = engine.days_batch(requests)
    loop_results, loop_pending = engine._days_batch_loop(requests)
    assert pending == loop_pending
    assert all(a is b for a, b in zip(results, loop_results, strict=True))  # shared results
    assert 0 < len(pending) < len(requests)  # both paths were taken
    assert all(results[i] is None for i in pending)


def test_a_plain_batch_goes_entirely_through_the_vectorised_path():
    engine = registry.get_engine("CN")
    requests = plain_workload(random.Random(5), 4000)
    results, pending = engine.days_batch(requests)
    assert pending == []
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]
    assert facade.compute_deadlines(requests) == results
    assert facade.compute_deadlines(tuple(requests)) == results  # any sequence


def test_whole_day_requests_reaching_years_without_data_get_their_warnings():
    rng = random.Random(11)
    starts = [sh(2026, 12, rng.randint(1, 31), rng.randint(0, 23)) for _ in range(300)]
    starts += [sh(2027, 6, 1, 10), sh(2003, 12, 30, 10)]
    requests = [DeadlineRequest(start, working_days=rng.randint(1, 40)) for start in starts]
    results = facade.compute_deadlines(requests)
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]
    assert any(r.warnings for r in results) and not all(r.warnings for r in results)


def test_the_daylight_saving_era_stays_on_the_careful_path(national):
    # With 1990-1992 declared covered, results there carry no warning; Shanghai was UTC+9 in
    # the summers of 1990 and 1991, so 15:00-16:00Z was already the next day in Beijing.
    for year in (1990, 1991, 1992):
        services.calendar_year_declare(actor=None, calendar=national, year=year)
    rng = random.Random(12)
    starts = [
        dt.datetime(year, month, rng.randint(1, 28), 15, rng.randint(0, 59), tzinfo=dt.UTC)
        for year in (1990, 1991, 1992)
        for month in range(1, 13)
        for _ in range(10)
    ]
    requests = [DeadlineRequest(start, working_days=rng.randint(1, 5)) for start in starts]
    results = facade.compute_deadlines(requests)
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]
    checked = registry.get_engine("CN")._add_days_checked  # astimezone, no shortcut
    assert [exact(r) for r in results] == [
        exact(checked(r.start, r.working_days)) for r in requests
    ]
    assert not any(r.warnings for r in results)
    assert any(r.deadline.utcoffset() == dt.timedelta(hours=9) for r in results)


@pytest.mark.parametrize("count", [1, 2, VECTOR_MIN - 1, VECTOR_MIN, VECTOR_MIN + 1, 1000])
def test_every_batch_size(count):
    requests = mixed_workload(random.Random(count), count)
    results = facade.compute_deadlines(requests)
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]


def test_day_and_office_hour_edges_in_a_batch():
    # Beijing midnight is 16:00Z: one microsecond either side is another calendar day
    midnight = dt.datetime(2025, 9, 27, 16, 0, tzinfo=dt.UTC)  # Sunday 9/28 00:00, make-up day
    starts = [
        midnight + dt.timedelta(microseconds=delta) for delta in (-1, 0, 1) for _ in range(40)
    ]
    starts = [start.astimezone(zone) for start in starts for zone in ZONES]
    requests = [DeadlineRequest(start, working_days=1) for start in starts]
    results = facade.compute_deadlines(requests)
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]
    assert {r.deadline for r in results} == {sh(2025, 9, 28, 17, 30), sh(2025, 9, 29, 17, 30)}


def test_other_calendars_interleaved_in_one_batch(other_calendars):
    rng = random.Random(6)
    for first in ("CN", *other_calendars):
        requests = mixed_workload(rng, 1500, (first, *(c for c in ("CN", *other_calendars))))
        results = facade.compute_deadlines(requests)
        for n, (request, result) in enumerate(zip(requests, results, strict=True)):
            assert exact(result) == exact(single(request)), (n, request)
    utc = facade.compute_deadlines([DeadlineRequest(sh(2026, 3, 2, 10), 1, calendar="UTC")] * 100)
    assert utc[0].deadline.isoformat() == "2026-03-03T17:30:00+00:00"


def test_a_batch_of_another_calendar_is_vectorised_on_its_own_tables(other_calendars):
    engine = registry.get_engine("HK")
    start = dt.datetime(2025, 12, 24, 10, tzinfo=dt.UTC)  # Wednesday in Hong Kong
    requests = [DeadlineRequest(start, working_days=days, calendar="HK") for days in (1, 2) * 50]
    results, pending = engine.days_batch(requests)
    assert pending == []
    hk = ZoneInfo("Asia/Hong_Kong")
    # 12/25 holiday, 12/26 Friday, 12/27 make-up Saturday; office closes at 18:00
    assert {r.deadline for r in results} == {
        dt.datetime(2025, 12, 26, 18, tzinfo=hk),
        dt.datetime(2025, 12, 27, 18, tzinfo=hk),
    }
    assert [exact(r) for r in results] == [exact(single(r)) for r in requests]
    # a DST zone never takes the vectorised path, and still gives the same answers
    berlin = [DeadlineRequest(start, working_days=3, calendar="BER")] * 100
    assert registry.get_engine("BER").days_batch(berlin)[1] == list(range(100))
    assert [exact(r) for r in facade.compute_deadlines(berlin)] == [
        exact(single(r)) for r in berlin
    ]


def expected_errors(requests: list[DeadlineRequest]) -> list[dict]:
    """The errors compute_deadlines promises: each bad item's single-call errors, in order."""
    errors: list[dict] = []
    for index, request in enumerate(requests):
        try:
            if (request.working_days is None) == (request.working_hours is None):
                field, code = f"{index}.working_days", "worktime.amount_required"
                errors.append({"field": field, "code": code})
                continue
            single(request)
        except InvalidInput as exc:
            errors.extend({**e, "field": f"{index}.{e['field']}"} for e in exc.errors)
    return errors


def bad_request(rng: random.Random) -> DeadlineRequest:
    start = sh(2026, 9, 30, 16, 20)
    return rng.choice(
        [
            DeadlineRequest(dt.datetime(2026, 9, 30, 16, 20), working_days=1),  # naive
            DeadlineRequest(dt.datetime(2026, 9, 30, 16, 20), working_hours=1),
            DeadlineRequest(dt.date(2026, 9, 30), working_days=1),  # not a datetime
            DeadlineRequest(start, working_days=-1),
            DeadlineRequest(start, working_days=True),
            DeadlineRequest(start, working_days=1.5),
            DeadlineRequest(start, working_days="2"),
            DeadlineRequest(start, working_days=2**70),  # beyond int64
            DeadlineRequest(start, working_days=1_000_000),  # beyond 2100
            DeadlineRequest(sh(1985, 1, 1), working_days=1),  # before 1990
            DeadlineRequest(start, working_hours=float("nan")),
            DeadlineRequest(start, working_hours=-1),
            DeadlineRequest(start),  # no amount
            DeadlineRequest(start, working_days=1, working_hours=1),  # both
            DeadlineRequest(start, working_days=1, calendar="XX"),  # unknown calendar
        ]
    )


@pytest.mark.parametrize("seed", [7, 8])
def test_errors_of_a_batch_are_exactly_those_of_single_calls(seed):
    rng = random.Random(seed)
    requests = mixed_workload(rng, 600)
    for _ in range(40):
        requests.insert(rng.randrange(len(requests)), bad_request(rng))
    with pytest.raises(InvalidInput) as exc:
        facade.compute_deadlines(requests)
    expected = expected_errors(requests)
    assert len(expected) < facade.MAX_BATCH_ERRORS
    got = exc.value.errors
    assert [(e["field"], e["code"]) for e in got] == [(e["field"], e["code"]) for e in expected]
    for mine, theirs in zip(got, expected, strict=True):
        if "message" in theirs:
            assert mine["message"] == theirs["message"]
    assert exc.value.code == got[0]["code"]
    bad_items = len({e["field"].split(".")[0] for e in expected})
    assert str(bad_items) in exc.value.message


def test_a_bad_item_among_plain_ones_fails_the_batch_with_its_index():
    requests = plain_workload(random.Random(9), 500)
    requests[317] = DeadlineRequest(dt.datetime(2026, 9, 30, 16, 20), working_days=1)
    requests[401] = DeadlineRequest(sh(2026, 9, 30), working_days=True)
    with pytest.raises(InvalidInput) as exc:
        facade.compute_deadlines(requests)
    assert [(e["field"], e["code"]) for e in exc.value.errors] == [
        ("317.start", "worktime.naive_datetime"),
        ("401.working_days", "worktime.invalid_amount"),
    ]


def test_errors_stop_at_the_limit_in_order():
    requests = plain_workload(random.Random(10), 400)
    for index in range(0, 400, 2):
        requests[index] = DeadlineRequest(sh(2026, 9, 30), working_days=-index - 1)
    with pytest.raises(InvalidInput) as exc:
        facade.compute_deadlines(requests)
    fields = [e["field"] for e in exc.value.errors]
    assert fields == [f"{i}.working_days" for i in range(0, 2 * facade.MAX_BATCH_ERRORS, 2)]


def test_a_batch_sees_a_calendar_change_at_once(national):
    friday = sh(2026, 3, 6, 10)
    requests = [DeadlineRequest(friday, working_days=1)] * 200
    assert {r.deadline for r in facade.compute_deadlines(requests)} == {sh(2026, 3, 9, 17, 30)}
    services.calendar_day_set(
        actor=None, calendar=national, date=dt.date(2026, 3, 9), kind=DayKind.HOLIDAY
    )
    assert {r.deadline for r in facade.compute_deadlines(requests)} == {sh(2026, 3, 10, 17, 30)}
