"""Hotline statistics: the monthly roll-up (MonthlyStat) and the read-outs of long ranges that
sum whole months plus or minus days. The oracle is always the daily roll-up (DailyStat)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from tests.hotline.conftest import bj
from yiwang.core.choices import OrgKind
from yiwang.core.services.organisations import organisation_create
from yiwang.hotline import stats
from yiwang.hotline.models import DailyStat, MonthlyStat
from yiwang.hotline.services import stats_rollup, work_order_close

D = dt.date
DIMENSIONS = ("city_id", "lane", "category", "channel", "district_id", "lead_unit_id")
FOOD = "香洲区凤凰北路超市出售过期食品，请查处。"
HOUSING = "小区物业乱收费，请处理。"
COLUMNS = {
    "day": "day",
    "category": "category",
    "channel": "channel",
    "lane": "lane",
    "district": "district_id",
    "unit": "lead_unit_id",
}
# Ranges and the plan they must take: (first, last) -> (months, added, subtracted).
RANGES = {
    (D(2026, 10, 1), D(2026, 10, 31)): ([D(2026, 10, 1)], [], []),
    (D(2026, 9, 12), D(2026, 11, 3)): (
        [D(2026, 9, 1), D(2026, 10, 1)],
        [(D(2026, 11, 1), D(2026, 11, 3))],
        [(D(2026, 9, 1), D(2026, 9, 11))],
    ),
    (D(2026, 10, 1), D(2026, 10, 20)): ([D(2026, 10, 1)], [], [(D(2026, 10, 21), D(2026, 10, 31))]),
    (D(2026, 10, 10), D(2026, 10, 20)): ([], [(D(2026, 10, 10), D(2026, 10, 20))], []),
    (D(2026, 9, 1), D(2026, 11, 25)): (
        [D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)],
        [],
        [(D(2026, 11, 26), D(2026, 11, 30))],
    ),
}


@pytest.fixture
def autumn(hl, make_order, clock):
    """Orders received from September to November 2026 in three lead units, two channels and
    two categories; two answered directly by the centre. Rolled up."""
    op = hl.operator
    orders = {}
    for day, kind, channel in [
        (D(2026, 9, 5), "food", "phone"),
        (D(2026, 9, 20), "direct", "web"),
        (D(2026, 9, 28), "housing", "phone"),
        (D(2026, 10, 3), "food", "web"),
        (D(2026, 10, 15), "direct", "phone"),
        (D(2026, 10, 28), "housing", "web"),
        (D(2026, 11, 2), "food", "phone"),
        (D(2026, 11, 20), "food", "web"),
    ]:
        received = bj(day.year, day.month, day.day, 10, 0)
        clock.set(received)
        if kind == "direct":
            order = make_order(
                category="consult",
                channel=channel,
                content="请问社保卡在哪里补办？",
                received_at=received,
                auto_dispatch=False,
            )
            clock.set(received + dt.timedelta(minutes=5))
            work_order_close(actor=op, order_id=order.pk, version=order.version, answer="窗口。")
        else:
            content = FOOD if kind == "food" else HOUSING
            order = make_order(channel=channel, content=content, received_at=received)
        orders[day] = order
    clock.set(None)
    stats_rollup(actor=None)
    return orders


def _monthly_rows() -> set[tuple]:
    return set(MonthlyStat.objects.values_list("month", *DIMENSIONS, *stats.COUNTERS).order_by())


def _daily_by_month() -> set[tuple]:
    sums = {name: Sum(name) for name in stats.COUNTERS}
    rows = (
        DailyStat.objects.annotate(m=TruncMonth("day"))
        .order_by()
        .values_list("m", *DIMENSIONS)
        .annotate(**sums)
    )
    return set(rows)


def _oracle(by: str, first: dt.date, last: dt.date, filters: dict) -> dict:
    """Counters per key of ``by`` summed straight from the daily rows of the range."""
    lookups = {
        "city_id": "city_id",
        "category": "category",
        "unit_path": "lead_unit__path__startswith",
    }
    qs = DailyStat.objects.filter(day__gte=first, day__lte=last).filter(
        **{lookups[k]: v for k, v in filters.items()}
    )
    column = COLUMNS[by]
    sums = {name: Sum(name) for name in stats.COUNTERS}
    out = {}
    for row in qs.order_by().values(column).annotate(**sums):
        key = row[column]
        if by == "unit" and key is None:  # the ranking leaves out the centre's own answers
            continue
        out[key.isoformat() if by == "day" else key] = {c: row[c] for c in stats.COUNTERS}
    return out


def _counters(rows: list[dict]) -> dict:
    return {row["key"]: {c: row[c] for c in stats.COUNTERS} for row in rows}


def test_month_plan():
    for (first, last), plan in RANGES.items():
        assert stats.month_plan(first, last) == plan, (first, last)
    # a single day, a leap-year February, a range over the new year
    assert stats.month_plan(D(2026, 11, 2), D(2026, 11, 2)) == (
        [],
        [(D(2026, 11, 2), D(2026, 11, 2))],
        [],
    )
    assert stats.month_plan(D(2028, 2, 16), D(2028, 2, 29)) == (
        [],
        [(D(2028, 2, 16), D(2028, 2, 29))],
        [],
    )
    assert stats.month_plan(D(2028, 2, 14), D(2028, 3, 1)) == (
        [D(2028, 2, 1)],
        [(D(2028, 3, 1), D(2028, 3, 1))],
        [(D(2028, 2, 1), D(2028, 2, 13))],
    )
    assert stats.month_plan(D(2025, 12, 10), D(2026, 1, 31)) == (
        [D(2025, 12, 1), D(2026, 1, 1)],
        [],
        [(D(2025, 12, 1), D(2025, 12, 9))],
    )
    assert stats.next_month(D(2026, 12, 31)) == D(2027, 1, 1)


def test_monthly_rollup_equals_the_sum_of_the_daily_rows(hl, autumn):
    rows = _monthly_rows()
    assert rows == _daily_by_month()
    assert {r[0] for r in rows} == {D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)}
    assert sum(r[len(DIMENSIONS) + 1] for r in rows) == 8  # received
    assert MonthlyStat.objects.filter(month=D(2026, 10, 1)).count() == 3


def test_rollup_of_changed_days_rebuilds_their_months(hl, autumn, make_order, clock):
    october = MonthlyStat.objects.filter(month=D(2026, 10, 1))
    closed_before = october.aggregate(n=Sum("closed"))["n"]
    clock.set(bj(2026, 10, 20, 9, 0))
    late = make_order(
        category="consult",
        content="请问居住证怎么办？",
        received_at=bj(2026, 10, 20, 9, 0),
        auto_dispatch=False,
    )
    work_order_close(actor=hl.operator, order_id=late.pk, version=late.version, answer="窗口。")
    clock.set(None)
    # (the clock stamps the order's updated_at in October too, so name the day)
    stats_rollup(actor=None, days=[D(2026, 10, 20)])  # its month is rebuilt
    assert october.aggregate(n=Sum("closed"))["n"] == closed_before + 1
    assert _monthly_rows() == _daily_by_month()
    # rolling up again changes nothing
    stats_rollup(actor=None, days=[D(2026, 10, 20), D(2026, 11, 2)])
    assert _monthly_rows() == _daily_by_month()


def test_rollup_of_one_city_keeps_the_months_of_the_others(hl, autumn):
    other = organisation_create(actor=None, name="其他市", kind=OrgKind.CITY, code="t-other")
    before = _monthly_rows()
    assert stats_rollup(actor=None, city_id=other.pk, days=[D(2026, 10, 3)]) == 0
    assert _monthly_rows() == before


def test_migration_backfill_builds_the_months_from_the_days(hl, autumn):
    migration = importlib.import_module("yiwang.hotline.migrations.0007_stats_monthly_rollup")
    expected = _monthly_rows()
    MonthlyStat.objects.all().delete()
    migration.backfill(apps, None)
    assert _monthly_rows() == expected


@pytest.mark.parametrize("scope", ["city", "leader", "filtered"])
def test_long_ranges_sum_months_and_days_to_the_daily_figures(hl, autumn, scope):
    filters = {"city_id": hl.city.pk}
    if scope == "leader":
        filters["unit_path"] = hl.xz_dept.path
    elif scope == "filtered":
        filters["category"] = "complaint"
    for first, last in RANGES:
        page = stats.overview(start=first, end=last, cached=False, **filters)
        for by in ("day", "category", "channel", "lane", "district", "unit"):
            want = _oracle(by, first, last, filters)
            assert _counters(page[by]) == want, (first, last, by)
            got = stats.breakdown(by=by, start=first, end=last, **filters)
            assert _counters(got) == want, (first, last, by)
        assert page["summary"] == stats.summary(start=first, end=last, **filters)
        received = sum(c["received"] for c in _oracle("day", first, last, filters).values())
        assert page["summary"]["received"] == received
    # 12 September – 3 November leaves out the order of 5 September (subtracted from the month)
    page = stats.overview(start=D(2026, 9, 12), end=D(2026, 11, 3), cached=False, **filters)
    if scope == "city":
        assert page["summary"]["received"] == 6
        assert sum(r["received"] for r in page["district"]) == 6


def test_a_group_only_on_subtracted_days_is_not_listed(hl, autumn):
    """1–20 October is October minus 21–31: the housing bureau's order of 28 October is
    subtracted again, so the bureau has no row (not a row of zeros)."""
    units = stats.breakdown(
        by="unit", city_id=hl.city.pk, start=D(2026, 10, 1), end=D(2026, 10, 20)
    )
    assert hl.housing.pk not in {r["key"] for r in units}
    assert [r["received"] for r in units] == [1]
    whole = stats.breakdown(
        by="unit", city_id=hl.city.pk, start=D(2026, 10, 1), end=D(2026, 10, 31)
    )
    assert hl.housing.pk in {r["key"] for r in whole}
