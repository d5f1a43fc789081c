"""Hotline statistics: the daily roll-up, the indicator formulas, the API and the Excel export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from tests.hotline.conftest import bj
from yiwang.core.audit import AuditLog
from yiwang.core.choices import Role
from yiwang.hotline import stats
from yiwang.hotline.models import DailyStat, WorkOrder
from yiwang.hotline.services import (
    stats_rollup,
    stats_rollup_recent,
    work_order_callback,
    work_order_close,
    work_order_reply,
    work_order_return,
    work_order_review,
    work_order_sign,
    work_order_start,
)

D1 = dt.date(2026, 11, 2)  # a Monday
SUMMARY = "/api/v1/hotline/stats/summary"
BREAKDOWN = "/api/v1/hotline/stats/breakdown"
EXPORT = "/api/v1/hotline/stats/export.xlsx"


@pytest.fixture
def cohort(hl, make_order, clock):
    """Five orders received on D1: one handled and rated, one answered directly, one returned,
    one signed late, one not accepted."""
    op, handler = hl.operator, hl.handler
    clock.set(bj(2026, 11, 2, 10, 0))
    done = make_order(received_at=bj(2026, 11, 2, 10, 0))
    assert done.lead_unit_id == hl.xz_dept.pk
    clock.set(bj(2026, 11, 2, 11, 0))
    o = work_order_sign(actor=handler, order_id=done.pk, version=done.version)
    o = work_order_start(actor=handler, order_id=o.pk, version=o.version)
    clock.set(bj(2026, 11, 3, 10, 0))
    o = work_order_reply(actor=handler, order_id=o.pk, version=o.version, result="已查处。")
    o = work_order_review(actor=op, order_id=o.pk, version=o.version, approve=True)
    clock.set(bj(2026, 11, 4, 10, 0))
    work_order_callback(actor=op, order_id=o.pk, version=o.version, rating="satisfied", solved=True)

    clock.set(bj(2026, 11, 2, 10, 30))
    direct = make_order(
        category="consult",
        content="请问社保卡在哪里补办？",
        received_at=bj(2026, 11, 2, 10, 30),
        auto_dispatch=False,
    )
    work_order_close(actor=op, order_id=direct.pk, version=direct.version, answer="到社保窗口。")

    returned = make_order(received_at=bj(2026, 11, 2, 10, 40))
    clock.set(bj(2026, 11, 2, 11, 0))
    work_order_return(
        actor=handler, order_id=returned.pk, version=returned.version, reason="不属本单位职责"
    )

    late = make_order(received_at=bj(2026, 11, 2, 10, 50))
    clock.set(bj(2026, 11, 4, 10, 0))
    work_order_sign(actor=handler, order_id=late.pk, version=late.version)

    make_order(received_at=bj(2026, 11, 2, 11, 0), exclusion_reason="court")
    clock.set(None)
    return {"done": done, "direct": direct, "returned": returned, "late": late}


def _summary(hl, **kw):
    return stats.summary(city_id=hl.city.pk, start=D1, end=D1, **kw)


# --- roll-up and formulas -----------------------------------------------------------------


def test_rollup_counts_the_cohort_with_the_documented_formulas(hl, cohort):
    written = stats_rollup(actor=hl.operator, days=[D1])
    assert written == DailyStat.objects.filter(day=D1).count() >= 2
    s = _summary(hl)
    assert s["received"] == 5
    assert s["refused"] == 1
    assert s["dispatched"] == 3
    assert (s["signed"], s["signed_on_time"]) == (2, 1)
    assert s["sign_on_time_rate"] == 0.5
    assert (s["closed"], s["closed_on_time"]) == (2, 2)
    assert s["close_rate"] == 0.4
    assert s["direct_answered"] == 1 and s["direct_answer_rate"] == 0.2
    assert s["returned"] == 1 and s["return_rate"] == round(1 / 3, 4)
    assert (s["called_back"], s["satisfied"], s["solved"]) == (1, 1, 1)
    assert s["callback_rate"] == 0.5
    assert s["satisfaction_rate"] == 1.0 and s["resolution_rate"] == 1.0
    assert s["repeat_rate"] is not None
    # handled order: Mon 10:00 → Tue 10:00 = 1 natural day, 420 working minutes (one office
    # day); the direct answer closed 0 s / 0 min after receipt
    done = WorkOrder.objects.get(pk=cohort["done"].pk)
    direct = WorkOrder.objects.get(pk=cohort["direct"].pk)
    expected_seconds = (done.closed_at - done.received_at) + (direct.closed_at - direct.received_at)
    assert s["handle_seconds"] == int(expected_seconds.total_seconds())
    assert s["handle_work_minutes"] == 420 + 0
    assert s["avg_handle_work_days"] == 0.5
    assert AuditLog.objects.filter(action="hotline.stats.rollup").exists()


def test_rollup_is_idempotent(hl, cohort):
    first = stats_rollup(actor=None, days=[D1])
    rows1 = sorted(map(str, DailyStat.objects.values_list("lead_unit_id", "received", "closed")))
    second = stats_rollup(actor=None, days=[D1])
    rows2 = sorted(map(str, DailyStat.objects.values_list("lead_unit_id", "received", "closed")))
    assert first == second and rows1 == rows2
    assert _summary(hl)["received"] == 5


def test_default_rollup_recomputes_only_days_whose_orders_changed(hl, cohort):
    other_day = D1 - dt.timedelta(days=7)
    stats_rollup(actor=None)  # first run: every day with orders
    assert DailyStat.objects.filter(day=D1).exists()
    stats_rollup(actor=None, days=[other_day])
    before = _summary(hl)
    assert before["called_back"] == 1
    d1_stamp = DailyStat.objects.filter(day=D1).values_list("computed_at", flat=True).first()
    # a change to an order of D1 (now, on the real clock) makes D1 dirty
    late = WorkOrder.objects.get(pk=cohort["late"].pk)
    work_order_start(actor=hl.handler, order_id=late.pk, version=late.version)
    late.refresh_from_db()
    work_order_reply(actor=hl.handler, order_id=late.pk, version=late.version, result="已处理")
    late.refresh_from_db()
    work_order_review(actor=hl.operator, order_id=late.pk, version=late.version, approve=True)
    late.refresh_from_db()
    work_order_callback(
        actor=hl.operator,
        order_id=late.pk,
        version=late.version,
        rating="very_dissatisfied",
        solved=False,
        reopen=False,
    )
    stats_rollup(actor=None)
    after = _summary(hl)
    assert after["closed"] == before["closed"] + 1
    assert after["called_back"] == 2 and after["satisfaction_rate"] == 0.5
    assert after["resolution_rate"] == 0.5
    assert DailyStat.objects.filter(day=D1).values_list("computed_at", flat=True).first() > (
        d1_stamp
    )


def test_nightly_recompute_and_the_periodic_task(hl, make_order):
    from yiwang.hotline.tasks import hotline_stats_nightly_task, hotline_stats_rollup_task

    make_order()  # received now: today's cohort
    assert stats_rollup_recent(actor=None, days=7) >= 1
    today = stats.local_today()
    assert DailyStat.objects.filter(day=today).exists()
    DailyStat.objects.all().delete()
    hotline_stats_rollup_task.call_local()
    assert DailyStat.objects.filter(day=today, received=1).exists()
    hotline_stats_nightly_task.call_local()
    assert DailyStat.objects.filter(day=today).count() == 1


def test_today_is_computed_live_with_the_same_formulas(hl, make_order):
    order = make_order()
    today = stats.local_today()
    s = stats.summary(city_id=hl.city.pk, start=today, end=today)
    assert s["received"] == 1 and s["dispatched"] == 1
    assert not DailyStat.objects.exists()
    days = stats.breakdown(by="day", city_id=hl.city.pk, start=today, end=today)
    assert [(r["key"], r["received"]) for r in days] == [(today.isoformat(), 1)]
    units = stats.breakdown(by="unit", city_id=hl.city.pk, start=today, end=today)
    assert units[0]["key"] == order.lead_unit_id and units[0]["rank"] == 1
    # rolled up, today still reads live and gives the same figures
    stats_rollup(actor=None, days=[today])
    assert stats.summary(city_id=hl.city.pk, start=today, end=today) == s


def test_empty_range_gives_zero_counts_and_null_rates(hl):
    s = _summary(hl)
    assert s["received"] == 0 and s["closed"] == 0
    for name in stats.RATES | {"avg_handle_days", "avg_handle_work_days", "score"}:
        assert s[name] is None, name
    assert stats.breakdown(by="category", city_id=hl.city.pk, start=D1, end=D1) == []


def test_every_breakdown(hl, cohort):
    stats_rollup(actor=None, days=[D1])
    city = hl.city.pk
    cats = stats.breakdown(by="category", city_id=city, start=D1, end=D1)
    assert [(r["key"], r["received"]) for r in cats] == [("complaint", 4), ("consult", 1)]
    assert cats[0]["label"] == "Complaint"
    units = stats.breakdown(by="unit", city_id=city, start=D1, end=D1)
    assert [r["rank"] for r in units] == list(range(1, len(units) + 1))
    assert all(r["key"] is not None for r in units)
    xz = next(r for r in units if r["key"] == hl.xz_dept.pk)
    assert xz["label"] == hl.xz_dept.name and xz["score"] is not None
    weeks = stats.breakdown(by="week", city_id=city, start=D1, end=D1)
    assert weeks[0]["key"] == "2026-11-02" and weeks[0]["label"] == "2026-W45"
    months = stats.breakdown(by="month", city_id=city, start=D1, end=D1)
    assert months[0]["key"] == "2026-11-01" and months[0]["received"] == 5
    for by in stats.BREAKDOWNS:
        rows = stats.breakdown(by=by, city_id=city, start=D1, end=D1)
        assert sum(r["received"] for r in rows) == (5 if by != "unit" else 5 - 2), by
    narrowed = stats.summary(city_id=city, start=D1, end=D1, category="consult")
    assert narrowed["received"] == 1 and narrowed["direct_answered"] == 1
    assert stats.summary(city_id=city, start=D1, end=D1, unit_id=hl.xz_dept.pk)["received"] == 3


@pytest.mark.parametrize("scope", ["city", "leader", "filtered"])
def test_overview_matches_summary_and_every_breakdown(hl, cohort, make_order, scope):
    stats_rollup(actor=None, days=[D1])
    make_order()  # today's cohort, read live
    make_order(category="consult", content="请问如何办理居住证？", auto_dispatch=False)
    filters = {"city_id": hl.city.pk}
    if scope == "leader":
        filters["unit_path"] = hl.xz_dept.path
    elif scope == "filtered":
        filters.update(category="complaint", channel="phone", lane="general")
    today = stats.local_today()
    for start, end in ((D1, D1), (today, today), (D1 - dt.timedelta(days=3), D1)):
        page = stats.overview(start=start, end=end, **filters)
        assert page["summary"] == stats.summary(start=start, end=end, **filters)
        for by in stats.BREAKDOWNS:
            assert page[by] == stats.breakdown(by=by, start=start, end=end, **filters), by
    assert stats.overview(start=D1, end=D1, **filters)["summary"]["received"] > 0


def test_overview_cache_is_dropped_by_the_rollup(hl, cohort):
    stats_rollup(actor=None, days=[D1])
    city = hl.city.pk
    first = stats.overview(city_id=city, start=D1, end=D1)
    assert first["summary"]["received"] == 5
    DailyStat.objects.filter(day=D1).delete()  # behind the cache's back: still cached
    assert stats.overview(city_id=city, start=D1, end=D1) == first
    assert stats.overview(city_id=city, start=D1, end=D1, cached=False)["summary"]["received"] == 0
    stats_rollup(actor=None, days=[D1])  # the roll-up drops the cached read-outs
    DailyStat.objects.filter(day=D1, lead_unit__isnull=True).delete()
    again = stats.overview(city_id=city, start=D1, end=D1)
    assert again["summary"]["received"] == 3  # read afresh: only the dispatched orders' rows


def test_composite_score():
    assert stats.composite_score({}) is None
    full = {n: 1.0 for n in stats.SCORE_WEIGHTS}
    assert stats.composite_score(full) == 100.0
    assert stats.composite_score({**full, "return_rate": 0.5}) == 95.0
    assert stats.composite_score({"satisfaction_rate": 0.8}) == 80.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": D1, "end": D1 - dt.timedelta(days=1)}, "start"),
        ({"start": D1 - dt.timedelta(days=400), "end": D1}, "end"),
    ],
)
def test_bad_ranges_are_input_errors(hl, kwargs, field):
    from yiwang.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        stats.summary(city_id=hl.city.pk, **kwargs)
    assert exc.value.errors[0]["field"] == field


# --- API ----------------------------------------------------------------------------------


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_api_summary_and_breakdown_for_the_operator(hl, cohort, english_client):
    stats_rollup(actor=None, days=[D1])
    client = _login(english_client, hl.operator)
    r = client.get(SUMMARY, {"start": "2026-11-02", "end": "2026-11-02"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["received"] == 5 and body["sign_on_time_rate"] == 0.5
    r = client.get(BREAKDOWN, {"start": "2026-11-02", "end": "2026-11-02", "by": "channel"})
    assert r.status_code == 200
    assert r.json()["items"][0]["key"] == "phone"
    r = client.get(BREAKDOWN, {"start": "2026-11-02", "end": "2026-11-02", "by": "unit"})
    assert r.json()["items"][0]["rank"] == 1


def test_api_default_range_is_the_last_30_days(hl, english_client):
    body = _login(english_client, hl.operator).get(SUMMARY).json()
    today = stats.local_today()
    assert body["end"] == today.isoformat()
    assert body["start"] == (today - dt.timedelta(days=29)).isoformat()
    assert body["received"] == 0 and body["satisfaction_rate"] is None


def test_api_permissions(hl, cohort, client, make_staff, org_tree):
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    stats_rollup(actor=None, days=[D1])
    q = {"start": "2026-11-02", "end": "2026-11-02"}
    assert client.get(SUMMARY, q).status_code == 401  # anonymous
    assert client.get(EXPORT, q).status_code == 401
    _login(client, hl.handler)  # wrong role
    assert client.get(SUMMARY, q).status_code == 403
    assert client.get(BREAKDOWN, {**q, "by": "day"}).status_code == 403
    # a leader of the 香洲 department sees only the orders led by it
    _login(client, hl.xz_leader)
    assert client.get(SUMMARY, q).json()["received"] == 3
    units = client.get(BREAKDOWN, {**q, "by": "unit"}).json()["items"]
    assert {u["key"] for u in units} == {hl.xz_dept.pk}
    # a city-level leader sees every dispatched order of the city, not the centre's own
    _login(client, hl.leader)
    assert client.get(SUMMARY, q).json()["received"] == 3
    # asking for another city gets one's own city
    assert client.get(SUMMARY, {**q, "city_id": 999999}).json()["received"] == 3
    # an operator of another city sees nothing of this one
    other_city = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs")
    other_op = make_staff(other_city, Role.HOTLINE_OPERATOR, username="zsop")
    _login(client, other_op)
    assert client.get(SUMMARY, q).json()["received"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13-01"},
        {"end": "yesterday"},
        {"start": "2026-11-03", "end": "2026-11-02"},
        {"start": "2025-01-01", "end": "2026-11-02"},
        {"lane": "vip"},
        {"category": "gossip"},
        {"channel": "pigeon"},
        {"district_id": "abc"},
    ],
)
def test_api_bad_input_is_422(hl, english_client, params):
    client = _login(english_client, hl.operator)
    for url, extra in ((SUMMARY, {}), (BREAKDOWN, {"by": "day"}), (EXPORT, {})):
        r = client.get(url, {**params, **extra})
        assert r.status_code == 422, (url, params, r.content)
        assert r["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("by", ["", "street", "year", "category;drop"])
def test_api_bad_breakdown_is_422(hl, english_client, by):
    r = _login(english_client, hl.operator).get(BREAKDOWN, {"by": by})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "by"


def test_api_breakdown_requires_by(hl, english_client):
    assert _login(english_client, hl.operator).get(BREAKDOWN).status_code == 422


# --- Excel --------------------------------------------------------------------------------


def test_export_workbook(hl, cohort, english_client):
    hl.xz_dept.name = '=HYPERLINK("http://evil.example/","x")'
    hl.xz_dept.save(update_fields=["name"])
    stats_rollup(actor=None, days=[D1])
    client = _login(english_client, hl.operator)
    r = client.get(EXPORT, {"start": "2026-11-02", "end": "2026-11-02"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [
        "Summary",
        "Category",
        "Channel",
        "District",
        "Unit ranking",
        "Lane",
        "Day",
        "Week",
        "Month",
    ]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Received"] == 5 and summary["On-time sign-for rate"] == 0.5
    assert summary["Satisfaction rate"] == 1
    units = book["Unit ranking"]
    assert [c.value for c in units[1]][:3] == ["Unit ranking", "Rank", "Received"]
    names = [units.cell(row=i, column=1) for i in range(2, units.max_row + 1)]
    evil = next(c for c in names if "HYPERLINK" in str(c.value))
    assert evil.value.startswith("'=") and evil.data_type == "s"
    # no personal data: the requester's name and phone appear nowhere
    texts = {
        str(c.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }
    assert not any("张三" in t or "13800138000" in t for t in texts)


def test_safe_cell():
    from yiwang.hotline.api_stats import safe_cell

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert safe_cell(bad).startswith("'")
    assert safe_cell("香洲区") == "香洲区"
    assert safe_cell(-1) == -1
