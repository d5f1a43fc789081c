"""政企直通 statistics (``yiwang.policy.stats``, ``GET /api/v1/policy/stats``, ``/policy/stats/``)
against values computed by hand on rows built with the ORM.

Period 1–28 November 2026 (Beijing days), "now" 25 November 12:00. Two issuing departments,
市科技创新局 (S) and 市工业和信息化局 (G); four enterprises:

| enterprise | industry (section) | district |
|---|---|---|
| E1 珠海格物智能科技 | I6513 (I) | 香洲区 |
| E2 珠海海湾餐饮管理 | H6210 (H) | 斗门区 |
| E3 | C3911 (C) | 香洲区 |
| E4 | C3911 (C) | not recorded |

Documents: D1 (S) issued 30 Oct, listed 2 Nov (on time); D2 (G) issued 9 Oct, listed 3 Nov
(late); D5 (G) listed 4 Nov with no timeliness recorded; D3 (S) listed 28 Oct (before).
Items: I1 (S, D1, 免申即享) published 2 Nov, I2 (S, D1) 5 Nov, I3 (G, D2) 4 Nov, I4 (S, D3) 20 Oct.

Pushes (made in the period unless said):

| item | E1 | E2 | E3 | E4 |
|---|---|---|---|---|
| I1 (2 Nov 10:00) | read 2 Nov 15:00 | delivered | cancelled | pending |
| I2 (5 Nov 10:00) | read 6 Nov 09:00 | — | failed | — |
| I3 (4 Nov 10:00) | delivered | unreachable | — | 29 Nov 00:30 Beijing: after the period |
| I4 (30 Oct, before) | — | read 3 Nov 09:00 (a read in the trend only) | — | — |

Questions (office hours 08:30–12:00, 14:00–17:30):

| q | item | enterprise | asked | answered | due | working hours |
|---|---|---|---|---|---|---|
| Q1 | I1 | E1 | Mon 2 Nov 09:00 | 2 Nov 11:00 | 4 Nov | 2 (on time) |
| Q2 | I2 | E2 | Mon 2 Nov 16:30 | 3 Nov 10:30 | 3 Nov 09:00 | 3 (late) |
| Q3 | I3 | E3 | Fri 6 Nov 11:00 | Mon 9 Nov 15:00 | 10 Nov | 9 (on time) |
| Q4 | I1 | — | 10 Nov 09:00 | open | 12 Nov | overdue now |
| Q5 | I1 | E4 | 20 Nov 09:00 | open | 2030 | not overdue |
| Q6 | I1 | E1 | 30 Oct | answered | — | before the period |

免申即享 grants (approved): G1 I1→E1 approved 30; G2 I1→E2 paid 30; G3 I1→E3 revoked 30;
G4 I1→E4 approved, no amount yet; G5 I3→E1 paid 12.50; G6 I2→E1 approved 20 Oct (before).
快申快享 applications (submitted): A1 I3→E2 approved 5 on time; A2 I3→E3 paid 8 late; A3 I2→E2
rejected; A4 I2→E1 open, due 20 Nov (overdue); A5 I2→E4 open, due 2030.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.policy.conftest import document_data, item_data, uscc_for
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.core.choices import Role
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.policy import services, stats
from yiwang.policy.models import (
    Grant,
    PolicyDocument,
    PolicyItem,
    Push,
    Question,
    QuickApplication,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/policy/stats"
PAGE = "/policy/stats/"
NOV = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 28)}
QUERY = {"start": "2026-11-01", "end": "2026-11-28"}
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)
FAR = dt.datetime(2030, 1, 2, 17, 30, tzinfo=SH)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def _document(pol, officer, org, serial: int, issued: dt.date, listed: dt.datetime):
    data = document_data(
        pol,
        serial=serial,
        organisation_id=org.pk,
        issue_date=issued,
        effective_from=issued,
        effective_to=issued + dt.timedelta(days=3 * 365),
        document_number=f"珠政〔{issued.year}〕{serial}号",
    )
    document = services.document_create(actor=officer, data=data)
    return services.document_publish(actor=officer, document_id=document.pk, at=listed)


def _item(officer, document, published: dt.datetime, **fields) -> PolicyItem:
    item = services.item_create(
        actor=officer,
        document_id=document.pk,
        data=item_data(**fields),
        rule_text='status = "operating"',
    )
    item = services.item_publish(actor=officer, item_id=item.pk)
    PolicyItem.objects.filter(pk=item.pk).update(published_at=published)
    item.refresh_from_db()
    return item


def _enterprise(pol, n: int, industry: str, district: str | None):
    from yiwang.registry.services.profiles import enterprise_save

    data = {
        "uscc": uscc_for(8000 + n),
        "name": f"统计测试企业{n}有限公司",
        "industry": industry,
        "scale": "small",
        "status": "operating",
        "employees": 20,
    }
    if district:
        data["district"] = district
    return enterprise_save(actor=None, city_id=pol.city.pk, data=data)


def _push(item, enterprise, status, made, read_at=None) -> Push:
    push = Push.objects.create(
        item=item, enterprise_id=enterprise.pk, version=item.version, status=status, read_at=read_at
    )
    Push.objects.filter(pk=push.pk).update(created_at=made)
    return push


def _question(item, enterprise, asked, due, answered=None) -> Question:
    return Question.objects.create(
        item=item,
        enterprise_id=enterprise.pk if enterprise else None,
        question="申报材料需要原件吗？",
        status="answered" if answered else "open",
        asked_at=asked,
        due_at=due,
        answered_at=answered,
        answer="需要。" if answered else "",
    )


def _grant(item, enterprise, status, approved, amount=None, paid=None) -> Grant:
    return Grant.objects.create(
        item=item,
        enterprise_id=enterprise.pk,
        version=item.version,
        status=status,
        approved_at=approved,
        paid_at=paid,
        amount=None if amount is None else Decimal(amount),
    )


def _application(item, enterprise, status, submitted, due, decided=None, amount=None):
    return QuickApplication.objects.create(
        item=item,
        enterprise_id=enterprise.pk,
        version=item.version,
        status=status,
        submitted_at=submitted,
        due_at=due,
        decided_at=decided,
        amount=None if amount is None else Decimal(amount),
        paid_at=decided if status == "paid" else None,
    )


def build(pol) -> SimpleNamespace:
    s_off, g_off = pol.officer, pol.other_officer
    d1 = _document(pol, s_off, pol.science, 11, dt.date(2026, 10, 30), at(11, 2, 10))
    d2 = _document(pol, g_off, pol.industry, 12, dt.date(2026, 10, 9), at(11, 3, 10))
    d3 = _document(pol, s_off, pol.science, 13, dt.date(2026, 10, 26), at(10, 28, 10))
    d5 = _document(pol, g_off, pol.industry, 15, dt.date(2026, 10, 30), at(11, 4, 10))
    PolicyDocument.objects.filter(pk=d5.pk).update(listed_on_time=None)  # e.g. imported
    i1 = _item(s_off, d1, at(11, 2, 9, 30), title="首次认定高企奖励", exempt_application=True)
    i2 = _item(s_off, d1, at(11, 5, 9, 30), title="研发费用补助")
    i3 = _item(g_off, d2, at(11, 4, 9, 30), title="技术改造补助")
    i4 = _item(s_off, d3, at(10, 20, 9, 30), title="旧政策事项")

    e1, e2 = pol.demo, pol.other
    e3 = _enterprise(pol, 3, "C3911", "香洲区")
    e4 = _enterprise(pol, 4, "C3911", None)

    made1, made2, made3 = at(11, 2, 10), at(11, 5, 10), at(11, 4, 10)
    _push(i1, e1, "read", made1, read_at=at(11, 2, 15))
    _push(i1, e2, "delivered", made1)
    _push(i1, e3, "cancelled", made1)
    _push(i1, e4, "pending", made1)
    _push(i2, e1, "read", made2, read_at=at(11, 6, 9))
    _push(i2, e3, "failed", made2)
    _push(i3, e1, "delivered", made3)
    _push(i3, e2, "unreachable", made3)
    _push(i3, e4, "sent", at(11, 29, 0, 30))  # the 28th 16:30 in UTC: after the period
    _push(i4, e2, "read", at(10, 30, 10), read_at=at(11, 3, 9))

    _question(i1, e1, at(11, 2, 9), at(11, 4, 17, 30), answered=at(11, 2, 11))
    _question(i2, e2, at(11, 2, 16, 30), at(11, 3, 9), answered=at(11, 3, 10, 30))
    _question(i3, e3, at(11, 6, 11), at(11, 10, 17, 30), answered=at(11, 9, 15))
    _question(i1, None, at(11, 10, 9), at(11, 12, 17, 30))
    _question(i1, e4, at(11, 20, 9), FAR)
    _question(i1, e1, at(10, 30, 9), at(11, 2, 17, 30), answered=at(10, 30, 10))

    _grant(i1, e1, "approved", at(11, 3, 10), "30")
    _grant(i1, e2, "paid", at(11, 3, 10), "30", paid=at(11, 10, 10))
    _grant(i1, e3, "revoked", at(11, 3, 10), "30")
    _grant(i1, e4, "approved", at(11, 4, 10))
    _grant(i3, e1, "paid", at(11, 5, 10), "12.50", paid=at(11, 12, 10))
    _grant(i2, e1, "approved", at(10, 20, 10), "20")

    _application(i3, e2, "approved", at(11, 3, 10), at(12, 30, 17, 30), at(11, 10, 10), "5")
    _application(i3, e3, "paid", at(11, 3, 10), at(11, 15, 17, 30), at(11, 20, 10), "8")
    _application(i2, e2, "rejected", at(11, 5, 10), FAR, at(11, 6, 10))
    _application(i2, e1, "submitted", at(11, 5, 10), at(11, 20, 17, 30))
    _application(i2, e4, "submitted", at(11, 6, 10), FAR)
    return SimpleNamespace(
        d1=d1, d2=d2, d3=d3, d5=d5, i1=i1, i2=i2, i3=i3, i4=i4, e1=e1, e2=e2, e3=e3, e4=e4
    )


@pytest.fixture
def data(pol):
    pol.rows = build(pol)
    pol.xz = next(o for o in _districts(pol) if o.name == "香洲区")
    pol.dm = next(o for o in _districts(pol) if o.name == "斗门区")
    return pol


def _districts(pol):
    from yiwang.core.models import Organisation

    return Organisation.objects.filter(parent=pol.city, kind__in=["district", "functional_area"])


def _by_key(rows):
    return {r["key"]: r for r in rows}


def _city(pol, **kwargs):
    return stats.policy_stats(actor=pol.leader, now=NOW, **{**NOV, **kwargs})


# --- figures -------------------------------------------------------------------------------------


def test_the_listing_timeliness_is_recorded_as_expected(data):
    rows = data.rows
    assert (rows.d1.listed_on_time, rows.d2.listed_on_time) == (True, False)


def test_city_totals_match_the_hand_computed_values(data):
    figures = _city(data)
    assert (figures["start"], figures["end"], figures["scope"]) == (*NOV.values(), "city")
    t = figures["total"]
    assert t["key"] == "total"
    assert t["publishing"] == {
        "documents": 3,  # D1, D2, D5 (D3 before the period)
        "documents_on_time": 1,
        "listing_rate": 0.5,  # D5 has no timeliness: 1 of 2
        "items": 3,  # I1, I2, I3
        "exempt_items": 1,
    }
    push = t["push"]
    assert (push["pushes"], push["cancelled"], push["delivered"], push["read"]) == (8, 1, 2, 2)
    assert push["reached"] == 2  # E1 and E2, E1 counted once across departments
    assert push["delivery_rate"] == round(4 / 7, 4)  # the cancelled push is not in the base
    assert push["read_rate"] == 0.5
    q = t["questions"]
    assert (q["asked"], q["answered"], q["answered_on_time"], q["open_overdue"]) == (5, 3, 2, 1)
    assert (q["answer_rate"], q["on_time_rate"]) == (0.6, 0.6667)
    assert (q["mean_answer_hours"], q["p90_answer_hours"]) == (round(14 / 3, 2), 9.0)
    g = t["grants"]
    assert (g["approved"], g["paid"], g["revoked"]) == (4, 2, 1)
    assert (g["amount_approved"], g["amount_paid"]) == (Decimal("72.50"), Decimal("42.50"))
    a = t["applications"]
    assert (a["submitted"], a["approved"], a["rejected"], a["paid"]) == (5, 2, 1, 1)
    assert (a["honoured_on_time"], a["overdue_open"], a["honoured_on_time_rate"]) == (1, 1, 0.5)
    assert (a["amount_approved"], a["amount_paid"]) == (Decimal("13.00"), Decimal("8.00"))


def test_departments_are_the_issuing_organisations(data):
    rows = _city(data)["by_department"]
    assert [r["key"] for r in rows] == [str(data.science.pk), str(data.industry.pk)]  # by pushes
    s, g = rows
    assert (s["label"], g["label"]) == ("市科技创新局", "市工业和信息化局")
    assert s["publishing"] == {
        "documents": 1,
        "documents_on_time": 1,
        "listing_rate": 1.0,
        "items": 2,
        "exempt_items": 1,
    }
    assert (g["publishing"]["documents"], g["publishing"]["listing_rate"]) == (2, 0.0)
    assert s["push"] == {
        "pushes": 6,
        "cancelled": 1,
        "delivered": 1,
        "read": 2,
        "reached": 2,
        "delivery_rate": 0.6,
        "read_rate": 0.6667,
    }
    assert (g["push"]["pushes"], g["push"]["reached"]) == (2, 1)
    assert (g["push"]["delivery_rate"], g["push"]["read_rate"]) == (0.5, 0.0)  # 0 read of 1
    sq, gq = s["questions"], g["questions"]
    assert (sq["asked"], sq["answered"], sq["answered_on_time"], sq["open_overdue"]) == (4, 2, 1, 1)
    assert (sq["mean_answer_hours"], sq["p90_answer_hours"]) == (2.5, 3.0)
    assert (gq["asked"], gq["mean_answer_hours"], gq["p90_answer_hours"]) == (1, 9.0, 9.0)
    assert (s["grants"]["approved"], s["grants"]["amount_approved"]) == (3, Decimal("60.00"))
    assert (s["grants"]["revoked"], s["grants"]["amount_paid"]) == (1, Decimal("30.00"))
    assert (g["grants"]["approved"], g["grants"]["amount_paid"]) == (1, Decimal("12.50"))
    sa, ga = s["applications"], g["applications"]
    assert (sa["submitted"], sa["approved"], sa["rejected"], sa["overdue_open"]) == (3, 0, 1, 1)
    assert sa["honoured_on_time_rate"] is None  # nothing approved
    assert sa["amount_approved"] == Decimal("0.00")
    assert (ga["submitted"], ga["approved"], ga["paid"], ga["honoured_on_time_rate"]) == (
        2,
        2,
        1,
        0.5,
    )


def test_industries_are_gb_t_4754_sections(data):
    rows = _city(data)["by_industry"]
    assert [r["key"] for r in rows] == ["C", "H", "I", "none"]  # the standard's order
    by = _by_key(rows)
    assert by["C"]["label"] == "制造业" and by["I"]["label"] == "信息传输、软件和信息技术服务业"
    assert by["H"]["label"] == "住宿和餐饮业"
    assert by["none"]["label"] == "Industry not recorded"  # Q4 has no enterprise
    c = by["C"]
    assert (c["push"]["pushes"], c["push"]["cancelled"], c["push"]["reached"]) == (3, 1, 0)
    assert (c["push"]["delivery_rate"], c["push"]["read_rate"]) == (0.0, None)
    assert (c["questions"]["asked"], c["questions"]["mean_answer_hours"]) == (2, 9.0)
    assert (c["grants"]["approved"], c["grants"]["revoked"]) == (1, 1)  # G4; G3 revoked
    assert (c["applications"]["submitted"], c["applications"]["amount_paid"]) == (
        2,
        Decimal("8.00"),
    )
    i = by["I"]
    assert (i["push"]["pushes"], i["push"]["reached"], i["push"]["read_rate"]) == (3, 1, 0.6667)
    assert i["grants"]["amount_approved"] == Decimal("42.50")
    none = by["none"]
    assert (none["questions"]["asked"], none["questions"]["open_overdue"]) == (1, 1)
    assert none["push"]["pushes"] == 0 and none["push"]["delivery_rate"] is None
    assert "publishing" not in i


def test_districts_are_the_enterprises_districts(data):
    rows = _city(data)["by_district"]
    assert [r["key"] for r in rows] == [str(data.xz.pk), str(data.dm.pk), "none"]
    xz, dm, none = rows
    assert (xz["label"], dm["label"], none["label"]) == (
        "香洲区",
        "斗门区",
        "District not recorded",
    )
    assert xz["push"] == {
        "pushes": 5,
        "cancelled": 1,
        "delivered": 1,
        "read": 2,
        "reached": 1,
        "delivery_rate": 0.75,
        "read_rate": 0.6667,
    }
    assert (dm["push"]["pushes"], dm["push"]["reached"], dm["push"]["delivery_rate"]) == (2, 1, 0.5)
    assert (none["push"]["pushes"], none["push"]["delivery_rate"]) == (1, 0.0)
    assert none["push"]["read_rate"] is None  # nothing delivered: no base
    assert (xz["questions"]["mean_answer_hours"], xz["questions"]["p90_answer_hours"]) == (5.5, 9.0)
    assert (dm["questions"]["asked"], dm["questions"]["on_time_rate"]) == (1, 0.0)
    assert none["questions"]["asked"] == 2 and none["questions"]["mean_answer_hours"] is None
    assert (xz["grants"]["amount_approved"], xz["grants"]["amount_paid"]) == (
        Decimal("42.50"),
        Decimal("12.50"),
    )
    assert none["grants"]["approved"] == 1 and none["grants"]["amount_approved"] == Decimal("0.00")
    # every row lies in one district: the districts add up to the total
    total = _city(data)["total"]
    for topic in ("push", "questions", "grants", "applications"):
        for name, value in total[topic].items():
            if isinstance(value, int) and not isinstance(value, bool):
                assert sum(r[topic][name] for r in rows) == value, (topic, name)


def test_answer_times_are_working_hours():
    """2 Nov was a Monday; office hours 08:30–12:00 and 14:00–17:30."""
    from yiwang.worktime import facade as worktime

    def hours(start, end):
        return worktime.working_minutes_between(start, end).seconds / 3600

    assert hours(at(11, 2, 9), at(11, 2, 11)) == 2
    assert hours(at(11, 2, 16, 30), at(11, 3, 10, 30)) == 3
    assert hours(at(11, 6, 11), at(11, 9, 15)) == 9  # over a weekend


def test_p90_is_the_nearest_rank():
    assert stats.p90([]) is None
    assert stats.p90([5.0]) == 5.0
    assert stats.p90([3.0, 2.0]) == 3.0
    assert stats.p90([float(n) for n in range(10, 0, -1)]) == 9.0
    assert stats.p90([float(n) for n in range(1, 12)]) == 10.0  # ceil(9.9) = 10th of 11


def test_trend_counts_pushes_and_reads_per_beijing_day(data):
    trend = _city(data)["trend"]
    assert len(trend["days"]) == 28 and trend["days"][0] == "2026-11-01"
    pushes = {d: n for d, n in zip(trend["days"], trend["pushes"], strict=True) if n}
    reads = {d: n for d, n in zip(trend["days"], trend["reads"], strict=True) if n}
    assert pushes == {"2026-11-02": 4, "2026-11-04": 2, "2026-11-05": 2}
    assert reads == {"2026-11-02": 1, "2026-11-03": 1, "2026-11-06": 1}  # I4's push made in Oct
    late = stats.policy_stats(
        actor=data.leader, now=NOW, start=dt.date(2026, 11, 29), end=dt.date(2026, 11, 29)
    )
    assert late["total"]["push"]["pushes"] == 1 and late["trend"]["pushes"] == [1]


# --- scope ---------------------------------------------------------------------------------------


def test_an_officer_counts_the_own_subtree(data):
    figures = stats.policy_stats(actor=data.officer, now=NOW, **NOV)
    assert figures["scope"] == "organisation"
    assert [r["key"] for r in figures["by_department"]] == [str(data.science.pk)]
    t = figures["total"]
    assert (t["publishing"]["documents"], t["push"]["pushes"], t["push"]["reached"]) == (1, 6, 2)
    assert (t["questions"]["asked"], t["grants"]["approved"]) == (4, 3)
    assert t["applications"]["submitted"] == 3
    other = stats.policy_stats(actor=data.other_officer, now=NOW, **NOV)
    assert [r["key"] for r in other["by_department"]] == [str(data.industry.pk)]
    assert (other["total"]["push"]["pushes"], other["total"]["publishing"]["documents"]) == (2, 2)


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_leaders_and_the_platform_administrator_count_the_city(data, who):
    figures = stats.policy_stats(actor=getattr(data, who), now=NOW, **NOV)
    assert figures["scope"] == "city" and figures["total"]["push"]["pushes"] == 8


def test_a_superuser_without_organisation_counts_everything(data):
    from yiwang.core.models import User

    root = User.objects.create_superuser(username="root-stats", password="Yiwang#2026pass")
    figures = stats.policy_stats(actor=root, now=NOW, **NOV)
    assert figures["scope"] == "city" and figures["total"]["push"]["pushes"] == 8


def test_others_are_refused(pol, make_staff):
    from django.contrib.auth.models import AnonymousUser

    refused = [
        pol.handler,
        pol.ent_user,
        None,
        AnonymousUser(),
        make_staff(pol.science, Role.SERVICE_EDITOR),
    ]
    for actor in refused:
        with pytest.raises(Forbidden) as err:
            stats.policy_stats(actor=actor)
        assert err.value.code == "policy.permission_denied"


# --- edge cases and the period -------------------------------------------------------------------


def test_without_data_rates_and_times_are_null(pol):
    figures = stats.policy_stats(actor=pol.leader, now=NOW, **NOV)
    t = figures["total"]
    assert t["publishing"]["documents"] == 0 and t["publishing"]["listing_rate"] is None
    assert t["push"]["pushes"] == 0
    assert (t["push"]["delivery_rate"], t["push"]["read_rate"]) == (None, None)
    for name in ("answer_rate", "on_time_rate", "mean_answer_hours", "p90_answer_hours"):
        assert t["questions"][name] is None
    assert t["grants"]["amount_approved"] == Decimal("0.00")
    assert t["applications"]["honoured_on_time_rate"] is None
    assert figures["by_department"] == figures["by_industry"] == figures["by_district"] == []
    assert set(figures["trend"]["pushes"]) == {0} and set(figures["trend"]["reads"]) == {0}


def test_only_cancelled_pushes_have_no_delivery_rate(pol, make_item):
    item = make_item('status = "operating"')
    for enterprise in (pol.demo, pol.other):
        _push(item, enterprise, "cancelled", at(11, 10, 10))
    push = _city(pol)["total"]["push"]
    assert (push["pushes"], push["cancelled"], push["reached"]) == (2, 2, 0)
    assert (push["delivery_rate"], push["read_rate"]) == (None, None)


def test_default_period_is_the_last_30_days(pol):
    from django.utils import timezone

    today = timezone.localdate()
    figures = stats.policy_stats(actor=pol.leader)
    assert (figures["start"], figures["end"]) == (today - dt.timedelta(days=29), today)
    only_end = stats.policy_stats(actor=pol.leader, end=dt.date(2026, 3, 31))
    assert only_end["start"] == dt.date(2026, 3, 2)
    only_start = stats.policy_stats(actor=pol.leader, start=today - dt.timedelta(days=5))
    assert only_start["end"] == today
    year = stats.policy_stats(
        actor=pol.leader, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    )
    assert len(year["trend"]["days"]) == 366  # a leap year is allowed


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2026, 5, 1), dt.date(2026, 4, 30), "end"),  # reversed
        (dt.date(2025, 1, 1), dt.date(2026, 1, 2), "start"),  # 367 days
        (None, dt.date(2099, 12, 31), None),  # allowed: 30 days up to the end
    ],
)
def test_a_bad_period_is_invalid_input(pol, start, end, field):
    if field is None:
        assert stats.policy_stats(actor=pol.leader, start=start, end=end)["total"]
        return
    with pytest.raises(InvalidInput) as err:
        stats.policy_stats(actor=pol.leader, start=start, end=end)
    assert err.value.code == "policy.invalid_period"
    assert [e["field"] for e in err.value.errors] == [field]
    assert err.value.errors[0]["code"] == "policy.invalid_period"


# --- query counts --------------------------------------------------------------------------------

# publishing 2 + 4 sources × 3 dimensions + answer times 1 + trend 2 + organisation names 1
QUERIES = 18


def _more_rows(data):
    """Another department with its document, item, pushes, questions, grant, application and
    another enterprise in another district."""
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    org = organisation_create(
        actor=None, name="市商务局", kind=OrgKind.DEPARTMENT, code="p-sw", parent=data.city
    )
    officer = data.make_staff(org, Role.POLICY_OFFICER, username="officer-sw")
    doc = _document(data, officer, org, 21, dt.date(2026, 11, 2), at(11, 3, 10))
    item = _item(officer, doc, at(11, 3, 11))
    e5 = _enterprise(data, 5, "F5191", "金湾区")
    for enterprise in (e5, data.rows.e1, data.rows.e3):
        _push(item, enterprise, "read", at(11, 6, 10), read_at=at(11, 7, 10))
        _question(item, enterprise, at(11, 9, 9), at(11, 12, 17), answered=at(11, 9, 10))
    _grant(item, e5, "paid", at(11, 10, 10), "3", paid=at(11, 11, 10))
    _application(item, e5, "approved", at(11, 10, 10), FAR, at(11, 11, 10), "1")


def test_query_count_is_bounded_and_does_not_grow_with_the_data(
    data, make_staff, django_assert_max_num_queries
):
    data.make_staff = make_staff
    _city(data)  # the actor's roles and the calendar are cached
    with django_assert_max_num_queries(QUERIES) as first:
        _city(data)
    _more_rows(data)
    with django_assert_max_num_queries(len(first.captured_queries)):
        figures = _city(data)
    assert figures["total"]["push"]["pushes"] == 11 and len(figures["by_department"]) == 3
    assert len(figures["by_district"]) == 4 and len(figures["by_industry"]) == 5


# a request adds the session, the user, the user's organisation and roles; a page the shell's
# unread notices
API_QUERIES = QUERIES + 4
PAGE_QUERIES = API_QUERIES + 1


def _steady(client, url, django_assert_max_num_queries, limit) -> int:
    """The fewer queries of two warm requests (the calendar's periodic version check, a
    background ticker, may add one to either)."""
    client.get(url, QUERY)
    counts = []
    for _ in range(2):
        with django_assert_max_num_queries(limit + 1) as ctx:
            assert client.get(url, QUERY).status_code == 200
        counts.append(len(ctx.captured_queries))
    return min(counts)


def test_the_api_and_the_page_have_a_pinned_query_count(
    data, make_staff, client, django_assert_max_num_queries
):
    data.make_staff = make_staff
    client.force_login(data.leader)
    assert _steady(client, URL, django_assert_max_num_queries, API_QUERIES) <= API_QUERIES
    assert _steady(client, PAGE, django_assert_max_num_queries, PAGE_QUERIES) <= PAGE_QUERIES
    _more_rows(data)
    assert _steady(client, URL, django_assert_max_num_queries, API_QUERIES) <= API_QUERIES
    assert _steady(client, PAGE, django_assert_max_num_queries, PAGE_QUERIES) <= PAGE_QUERIES
    assert client.get(URL, QUERY).json()["total"]["push"]["pushes"] == 11


# --- API -----------------------------------------------------------------------------------------


def test_api_returns_the_figures_with_permission_cases(data, client):
    assert client.get(URL, QUERY).status_code == 401
    for actor in (
        data.handler,
        data.ent_user,
    ):  # a staff member without a policy role; an enterprise
        client.force_login(actor)
        response = client.get(URL, QUERY)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "policy.permission_denied"
    client.force_login(data.leader)
    body = client.get(URL, QUERY).json()
    assert (body["start"], body["end"], body["scope"]) == ("2026-11-01", "2026-11-28", "city")
    t = body["total"]
    assert (t["push"]["pushes"], t["push"]["reached"], t["push"]["delivery_rate"]) == (8, 2, 0.5714)
    assert t["publishing"]["listing_rate"] == 0.5
    assert t["questions"]["p90_answer_hours"] == 9.0
    assert Decimal(str(t["grants"]["amount_approved"])) == Decimal("72.50")
    assert [r["key"] for r in body["by_industry"]] == ["C", "H", "I", "none"]
    assert [r["key"] for r in body["by_district"]][-1] == "none"
    assert "publishing" in body["by_department"][0] and "publishing" not in body["by_district"][0]
    assert sum(body["trend"]["pushes"]) == 8 and sum(body["trend"]["reads"]) == 3
    client.force_login(data.officer)  # own organisation subtree
    own = client.get(URL, QUERY).json()
    assert own["scope"] == "organisation" and own["total"]["push"]["pushes"] == 6
    client.force_login(data.other_officer)  # another organisation sees only its own
    other = client.get(URL, QUERY).json()
    assert [r["key"] for r in other["by_department"]] == [str(data.industry.pk)]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"start": "2026-05-01", "end": "2026-04-30"}, "end", "policy.invalid_period"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "start", "policy.invalid_period"),
        ({"start": "2026-13-01"}, "start", None),
        ({"end": "yesterday"}, "end", None),
        ({"start": "2026/11/01"}, "start", None),
    ],
)
def test_api_bad_periods_are_422_with_the_field(pol, client, query, field, code):
    client.force_login(pol.leader)
    response = client.get(URL, query)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if code:
        assert errors[0]["code"] == code


def test_api_schema_documents_the_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/policy/stats"]["get"]
    assert operation["operationId"] == "policy_stats" and operation["tags"] == ["policy"]
    assert {p["name"] for p in operation["parameters"]} == {"start", "end"}
    schemas = spec["components"]["schemas"]
    out = schemas["PolicyStatsOut"]["properties"]
    assert set(out) == {
        "start",
        "end",
        "scope",
        "total",
        "by_department",
        "by_industry",
        "by_district",
        "trend",
    }
    names = [n for n in schemas if n.startswith("PolicyStats")]
    assert len(names) >= 9
    push = schemas["PolicyStatsPushOut"]["properties"]
    assert "cancelled" in push["delivery_rate"]["description"]
    for name in ("reached", "read_rate"):
        assert push[name].get("description")


# --- page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_figures(data, client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for actor in (data.handler, data.ent_user):
        client.force_login(actor)
        assert client.get(PAGE).status_code == 403
    client.force_login(data.leader)
    response = client.get(PAGE, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="kpi-pushes"' in html and "57.1" in html  # 送达率
    assert 'id="policy-stats-data"' in html and "policy/stats.js" in html
    assert "vendor/echarts/echarts.min.js" in html
    for table in ("departments", "industries", "districts"):
        assert f'data-testid="stats-{table}"' in html
    assert "市工业和信息化局" in html and "斗门区" in html and "制造业" in html
    assert "72.50" in html  # 免申即享 amount approved
    assert 'data-testid="stats-empty"' not in html
    assert client.post(PAGE).status_code == 405


def test_an_officer_sees_the_page_of_the_own_organisation(data, client):
    client.force_login(data.officer)
    html = client.get(PAGE, QUERY).content.decode()
    assert "市科技创新局" in html and "市工业和信息化局" not in html


def test_the_page_shows_an_empty_period_as_such(pol, english_client):
    english_client.force_login(pol.leader)
    response = english_client.get(PAGE, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="stats-empty"' in html and "policy-stats-data" not in html
    assert "—" in html  # rates without data


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start": "2026-05-01", "end": "2026-04-30"},
            "The end of the period is before its start.",
        ),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "A period is at most 366 days."),
        ({"start": "not-a-date"}, "Enter a valid date."),
    ],
)
def test_the_page_shows_a_bad_period_with_422(pol, english_client, query, message):
    english_client.force_login(pol.leader)
    response = english_client.get(PAGE, query)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert 'data-testid="stats-default-note"' in html


def test_the_workbench_links_the_page(pol, client):
    client.force_login(pol.leader)
    assert 'href="/policy/stats/"' in client.get("/workbench/").content.decode()
    client.force_login(pol.handler)  # no policy role
    assert 'href="/policy/stats/"' not in client.get("/workbench/").content.decode()


# --- in Chromium ---------------------------------------------------------------------------------

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_draws_its_charts_in_chromium(live_server, page, migrated_data, pol):
    """A leader opens November 2026: headline figures, the four charts drawn by stats.js with no
    script error, the tables; then a reversed period gets the field error. Screenshot:
    ``var/screenshots/policy-stats.png``."""
    from tests.conftest import PASSWORD

    build(pol)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", pol.leader.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
    page.goto(f"{base}{PAGE}")
    page.fill("input[name=start]", "2026-11-01")
    page.fill("input[name=end]", "2026-11-28")
    page.click("[data-testid=stats-apply]")
    page.wait_for_load_state()
    assert "start=2026-11-01" in page.url
    assert page.get_by_test_id("kpi-pushes").inner_text().strip().endswith("8")
    assert "57.1" in page.get_by_test_id("kpi-delivery_rate").inner_text()
    for chart in ("chart-trend", "chart-district", "chart-industry", "chart-department"):
        page.wait_for_selector(f"[data-testid={chart}] canvas")
    departments = page.get_by_test_id("stats-departments")
    assert departments.locator("tbody tr").count() == 2
    science = departments.locator(f"tr[data-key='{pol.science.pk}']")
    assert science.locator("[data-col=delivery]").inner_text() == "60.0%"
    assert science.locator("[data-col=honoured]").inner_text() == "—"
    industries = page.get_by_test_id("stats-industries")
    assert industries.locator("tbody tr").count() == 4
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "policy-stats.png"), full_page=True)
    assert errors == []

    page.fill("input[name=start]", "2026-11-28")
    page.fill("input[name=end]", "2026-11-01")
    page.click("[data-testid=stats-apply]")
    page.wait_for_load_state()
    assert page.locator("#id_end.is-invalid").count() == 1
