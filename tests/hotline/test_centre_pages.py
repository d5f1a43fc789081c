"""The centre's configuration and interop pages through the Django test client: the dispatch
catalogue (create, revise, deactivate, history, filters), the SLA policies (revise, history) and
the cross-city transfers (both directions, retry of a failed delivery); who may open them, every
bad input (the form comes back with the typed values) and another city's rows (404)."""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import pytest

from tests.hotline.conftest import HTML
from yiwang.core.choices import OrgKind, Role
from yiwang.core.models import AuditLog
from yiwang.hotline import services as svc
from yiwang.hotline.choices import TransferDirection, TransferState
from yiwang.hotline.models import CrossCityTransfer, DispatchRule, SlaPolicy
from yiwang.hotline.services.transfer import MAX_ATTEMPTS

GZ_SECRET = "g" * 40


@pytest.fixture
def as_user(english_client):
    def login(user):
        english_client.force_login(user)
        return english_client

    return login


@pytest.fixture
def other_city(make_staff):
    """A second city with its own 12345 operator and unit."""
    from yiwang.core.services.organisations import organisation_create

    city = organisation_create(actor=None, name="广州市", kind=OrgKind.CITY, code="t-gz")
    centre = organisation_create(
        actor=None, name="广州市12345中心", kind=OrgKind.DEPARTMENT, code="t-gz-12345", parent=city
    )
    unit = organisation_create(
        actor=None, name="广州市住房局", kind=OrgKind.DEPARTMENT, code="t-gz-zj", parent=city
    )
    operator = make_staff(centre, Role.HOTLINE_OPERATOR, username="gzop")
    return type("Other", (), {"city": city, "unit": unit, "operator": operator})


@pytest.fixture
def peers(monkeypatch):
    """We are "zh"; "gz" (广州市) is a peer whose instance is down (a closed port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("YIWANG_HOTLINE_CITY_CODE", "zh")
    monkeypatch.setenv(
        "YIWANG_HOTLINE_PEERS",
        json.dumps(
            {"gz": {"name": "广州市", "url": f"http://127.0.0.1:{port}", "secret": GZ_SECRET}}
        ),
    )


def _body(response) -> str:
    return response.content.decode()


def _rule_data(hl, **overrides) -> dict:
    data = {
        "name": "路灯井盖",
        "priority": "30",
        "category": "",
        "district_id": "",
        "keywords": "路灯，井盖、下水道",
        "lead_unit_id": str(hl.city_dept.pk),
        "co_unit_ids": [str(hl.housing.pk)],
    }
    data.update(overrides)
    return data


def _sla_data(**overrides) -> dict:
    data = {
        "sign_hours": "3",
        "handle_days": "6",
        "callback_days": "3",
        "yellow_ratio": "0.70",
        "red_ratio": "0.85",
        "version": "1",
    }
    data.update(overrides)
    return data


# --- access ------------------------------------------------------------------------------------


def test_pages_need_their_permission(as_user, client, hl):
    rule = hl.rule_housing.pk
    catalogue_urls = [
        "/hotline/catalogue/",
        "/hotline/catalogue/new/",
        f"/hotline/catalogue/{rule}/",
        f"/hotline/catalogue/{rule}/edit/",
        "/hotline/sla-policies/",
        "/hotline/sla-policies/general/complaint/",
    ]
    for url in [*catalogue_urls, "/hotline/transfers/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    for user in (hl.handler, hl.leader, hl.xz_leader):
        c = as_user(user)
        for url in [*catalogue_urls, "/hotline/transfers/"]:
            assert c.get(url).status_code == 403, (user, url)
        assert c.post(f"/hotline/catalogue/{rule}/deactivate/").status_code == 403
        assert c.post("/hotline/catalogue/new/", _rule_data(hl)).status_code == 403
        assert c.post("/hotline/sla-policies/general/complaint/", _sla_data()).status_code == 403
        assert c.post("/hotline/transfers/1/retry/").status_code == 403
    assert DispatchRule.objects.filter(active=True).count() == 3
    assert SlaPolicy.objects.filter(version__gt=1).count() == 0
    c = as_user(hl.operator)
    for url in [*catalogue_urls, "/hotline/transfers/"]:
        assert c.get(url).status_code == 200, url


def test_navigation_links_the_centre_pages(as_user, hl):
    body = _body(as_user(hl.operator).get("/workbench/"))
    for url in ("/hotline/catalogue/", "/hotline/sla-policies/", "/hotline/transfers/"):
        assert f'href="{url}"' in body
    body = _body(as_user(hl.handler).get("/workbench/"))
    for url in ("/hotline/catalogue/", "/hotline/sla-policies/", "/hotline/transfers/"):
        assert f'href="{url}"' not in body


def test_only_get_and_post_where_meant(as_user, hl):
    c = as_user(hl.operator)
    assert c.get(f"/hotline/catalogue/{hl.rule_housing.pk}/deactivate/").status_code == 405
    assert c.post("/hotline/catalogue/", {}).status_code == 405
    assert c.get("/hotline/transfers/1/retry/").status_code == 405


# --- dispatch catalogue ------------------------------------------------------------------------


def test_catalogue_lists_the_active_rules_in_routing_order(as_user, hl):
    body = _body(as_user(hl.operator).get("/hotline/catalogue/"))
    names = [hl.rule_food_xz.name, hl.rule_food_dm.name, hl.rule_housing.name]
    positions = [body.index(f">{n}</a>") for n in names]
    assert positions == sorted(positions)  # priority 10, 10, 20
    assert body.count('data-testid="rule-row"') == 3
    for text in ("食品", "过期", "香洲区", "斗门区", "香洲区市场监督管理局", "市住房和城乡建设局"):
        assert text in body
    # The housing rule's co-unit and version.
    row = body[body.index(f'data-rule="{hl.rule_housing.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "香洲区市场监督管理局" in row and "v1" in row and "whole city" in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=物业", {"物业"}),
        ("q=过期", {"香洲食品", "斗门食品"}),
        ("q=斗门", {"斗门食品"}),
        ("q=nothing", set()),
        ("district={xz}", {"香洲食品"}),
        ("unit={housing}", {"物业"}),
        ("category=complaint", set()),
        ("district=abc&unit=", {"香洲食品", "斗门食品", "物业"}),  # a bad filter is ignored
        ("district=999999", {"香洲食品", "斗门食品", "物业"}),
        ("page=abc", {"香洲食品", "斗门食品", "物业"}),
    ],
)
def test_catalogue_filters(as_user, hl, query, expected):
    query = query.format(xz=hl.xz.pk, housing=hl.housing.pk)
    response = as_user(hl.operator).get(f"/hotline/catalogue/?{query}")
    assert response.status_code == 200
    body = _body(response)
    shown = {n for n in ("香洲食品", "斗门食品", "物业") if f">{n}</a>" in body}
    assert shown == expected


def test_create_a_rule_and_it_routes_requests(as_user, hl, make_order):
    c = as_user(hl.operator)
    response = c.post("/hotline/catalogue/new/", _rule_data(hl, category="complaint"))
    rule = DispatchRule.objects.get(name="路灯井盖")
    assert response.status_code == 302
    assert response["Location"] == f"/hotline/catalogue/{rule.pk}/"
    assert rule.keywords == ["路灯", "井盖", "下水道"]
    assert (rule.city_id, rule.lead_unit_id, rule.priority, rule.version, rule.active) == (
        hl.city.pk,
        hl.city_dept.pk,
        30,
        1,
        True,
    )
    assert list(rule.co_units.values_list("pk", flat=True)) == [hl.housing.pk]
    assert AuditLog.objects.filter(
        action="hotline.dispatch_rule.create", object_id=str(rule.pk)
    ).exists()
    body = _body(c.get(response["Location"]))
    assert "Rule “路灯井盖” added." in body and body.count('data-testid="version-row"') == 1
    assert "路灯井盖" in _body(c.get("/hotline/catalogue/"))
    order = make_order(content="小区路灯坏了一个月，晚上很黑。")
    assert order.lead_unit_id == hl.city_dept.pk and order.dispatch_rule_id == rule.pk


def test_revise_a_rule_adds_a_version_and_the_history_shows_both(as_user, hl, make_order):
    old = hl.rule_housing
    routed = make_order(content="小区物业乱收费。")
    assert routed.dispatch_rule_id == old.pk
    c = as_user(hl.operator)
    form = _body(c.get(f"/hotline/catalogue/{old.pk}/edit/"))
    assert 'value="物业"' in form and "物业、房屋" in form  # the current values are proposed
    response = c.post(
        f"/hotline/catalogue/{old.pk}/edit/",
        _rule_data(
            hl,
            name="物业",
            keywords="物业\n房屋\n电梯",
            priority="15",
            lead_unit_id=str(hl.housing.pk),
            co_unit_ids=[str(hl.dm_dept.pk)],
        ),
    )
    new = DispatchRule.objects.get(name="物业", active=True)
    assert response.status_code == 302 and response["Location"] == f"/hotline/catalogue/{new.pk}/"
    old.refresh_from_db()
    assert not old.active and new.version == 2 and new.supersedes_id == old.pk
    assert new.keywords == ["物业", "房屋", "电梯"] and new.priority == 15
    assert list(new.co_units.values_list("pk", flat=True)) == [hl.dm_dept.pk]
    routed.refresh_from_db()
    assert routed.dispatch_rule_id == old.pk  # the order keeps the version that routed it
    audit = AuditLog.objects.get(action="hotline.dispatch_rule.revise")
    assert audit.changes["co_units"] == [[hl.xz_dept.pk], [hl.dm_dept.pk]]
    for pk in (old.pk, new.pk):  # the same history from either version
        body = _body(c.get(f"/hotline/catalogue/{pk}/"))
        assert body.count('data-testid="version-row"') == 2
        assert 'data-version="2" data-active="1"' in body
        assert 'data-version="1" data-active="0"' in body
        assert body.index('data-version="2"') < body.index('data-version="1"')  # newest first
        assert "电梯" in body
    list_body = _body(c.get("/hotline/catalogue/"))
    assert list_body.count('data-testid="rule-row"') == 3
    assert f'data-rule="{new.pk}"' in list_body and f'data-rule="{old.pk}"' not in list_body


def test_revising_a_retired_version_saves_nothing(as_user, hl):
    old = hl.rule_housing
    svc.dispatch_rule_revise(actor=hl.operator, rule_id=old.pk, priority=21)
    c = as_user(hl.operator)
    response = c.get(f"/hotline/catalogue/{old.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/hotline/catalogue/{old.pk}/"
    response = c.post(f"/hotline/catalogue/{old.pk}/edit/", _rule_data(hl), follow=True)
    assert "Only the active version of a rule can be revised." in _body(response)
    assert DispatchRule.objects.filter(name="物业").count() == 2
    assert not DispatchRule.objects.filter(name="路灯井盖").exists()


def test_deactivate_a_rule(as_user, hl, make_order):
    rule = hl.rule_housing
    c = as_user(hl.operator)
    response = c.post(f"/hotline/catalogue/{rule.pk}/deactivate/", follow=True)
    body = _body(response)
    assert "Rule “物业” deactivated." in body and f'data-rule="{rule.pk}"' not in body
    rule.refresh_from_db()
    assert not rule.active
    assert AuditLog.objects.filter(action="hotline.dispatch_rule.deactivate").count() == 1
    history = _body(c.get(f"/hotline/catalogue/{rule.pk}/"))
    assert 'data-testid="rule-inactive"' in history and 'data-testid="rule-edit"' not in history
    again = c.post(f"/hotline/catalogue/{rule.pk}/deactivate/", follow=True)
    assert "This rule is no longer active." in _body(again)
    assert AuditLog.objects.filter(action="hotline.dispatch_rule.deactivate").count() == 1
    assert make_order(content="小区物业乱收费。").status == "received"  # no longer routed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lead_unit_id": "999999"}, "Choose a unit of this city."),
        ({"lead_unit_id": "{other_unit}"}, "Choose a unit of this city."),
        ({"lead_unit_id": "{city}"}, "Choose a unit of this city."),
        ({"lead_unit_id": ""}, "This field is required."),
        ({"lead_unit_id": "abc"}, "Choose a unit from the list."),
        ({"district_id": "{city_dept}"}, "Choose a district of this city."),
        ({"district_id": "999999"}, "Choose a district of this city."),
        ({"co_unit_ids": ["999999"]}, "Choose a unit of this city."),
        ({"co_unit_ids": ["x"]}, "Choose units from the list."),
        ({"co_unit_ids": ["{city_dept}"]}, "The lead unit cannot also be a co-unit."),
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "长" * 101}, "Ensure this value has at most 100 characters"),
        ({"name": "物业"}, "An active rule of this city already has this name."),
        ({"keywords": ""}, "Give keywords, a category or a district"),
        ({"keywords": " ， 、\n"}, "Give keywords, a category or a district"),
        ({"keywords": "k" * 51}, "At most 100 keywords of at most 50 characters each."),
        ({"category": "nonsense"}, "Select a valid choice."),
        ({"priority": "abc"}, "Enter a whole number."),
        ({"priority": ""}, "This field is required."),
        ({"priority": "-1"}, "The priority is a whole number from 0 to 1000000."),
        ({"priority": "1000001"}, "The priority is a whole number from 0 to 1000000."),
    ],
)
def test_bad_rule_input_keeps_the_form(as_user, hl, other_city, overrides, message):
    ids = {"other_unit": other_city.unit.pk, "city": hl.city.pk, "city_dept": hl.city_dept.pk}

    def fill(value):
        return [fill(v) for v in value] if isinstance(value, list) else value.format(**ids)

    data = _rule_data(hl, **{k: fill(v) for k, v in overrides.items()})
    data["name"] = data["name"] if "name" in overrides else "路灯井盖<b>"
    before = DispatchRule.objects.count()
    response = as_user(hl.operator).post("/hotline/catalogue/new/", data)
    assert response.status_code == 200
    body = _body(response)
    assert message in body
    assert "is-invalid" in body
    assert DispatchRule.objects.count() == before
    if "name" not in overrides:
        assert 'value="路灯井盖&lt;b&gt;"' in body  # the typed name is kept (escaped)
    if "keywords" not in overrides:
        assert "路灯，井盖、下水道" in body


def test_a_category_or_district_alone_is_a_condition(as_user, hl):
    c = as_user(hl.operator)
    response = c.post(
        "/hotline/catalogue/new/",
        _rule_data(hl, name="斗门区咨询", keywords="", district_id=hl.dm.pk),
    )
    assert response.status_code == 302
    assert DispatchRule.objects.get(name="斗门区咨询").district_id == hl.dm.pk
    response = c.post(
        "/hotline/catalogue/new/", _rule_data(hl, name="表扬", keywords="", category="praise")
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "Nothing was changed."),
        ({"name": "香洲食品"}, "An active rule of this city already has this name."),
        ({"lead_unit_id": "999999"}, "Choose a unit of this city."),
        ({"keywords": ""}, "Give keywords, a category or a district"),
    ],
)
def test_bad_revision_input_keeps_the_form(as_user, hl, overrides, message):
    rule = hl.rule_housing
    data = _rule_data(
        hl,
        name="物业",
        keywords="物业、房屋",
        priority="20",
        lead_unit_id=str(hl.housing.pk),
        co_unit_ids=[str(hl.xz_dept.pk)],
    )
    data.update(overrides)
    response = as_user(hl.operator).post(f"/hotline/catalogue/{rule.pk}/edit/", data)
    assert response.status_code == 200
    assert message in _body(response)
    rule.refresh_from_db()
    assert rule.active and DispatchRule.objects.filter(name="物业").count() == 1


def test_rules_of_another_city_answer_404(as_user, hl, other_city):
    c = as_user(other_city.operator)
    body = _body(c.get("/hotline/catalogue/"))
    assert 'data-testid="rule-row"' not in body
    rule = hl.rule_housing.pk
    assert c.get(f"/hotline/catalogue/{rule}/").status_code == 404
    assert c.get(f"/hotline/catalogue/{rule}/edit/").status_code == 404
    assert c.post(f"/hotline/catalogue/{rule}/edit/", _rule_data(hl)).status_code == 404
    assert c.post(f"/hotline/catalogue/{rule}/deactivate/").status_code == 404
    assert c.get("/hotline/catalogue/999999/").status_code == 404
    hl.rule_housing.refresh_from_db()
    assert hl.rule_housing.active and hl.rule_housing.version == 1
    # Their own rules use their own units; ours are not theirs.
    response = c.post(
        "/hotline/catalogue/new/", _rule_data(hl, lead_unit_id=str(hl.housing.pk), co_unit_ids=[])
    )
    assert "Choose a unit of this city." in _body(response)
    response = c.post(
        "/hotline/catalogue/new/",
        _rule_data(hl, name="物业", lead_unit_id=str(other_city.unit.pk), co_unit_ids=[]),
    )
    assert response.status_code == 302  # the name is taken only in the other city
    assert DispatchRule.objects.get(city=other_city.city).name == "物业"


def test_rule_text_is_escaped(as_user, hl):
    svc.dispatch_rule_revise(
        actor=None, rule_id=hl.rule_housing.pk, name=HTML, keywords=[HTML[:27]]
    )
    c = as_user(hl.operator)
    for url in ("/hotline/catalogue/", f"/hotline/catalogue/{hl.rule_housing.pk}/"):
        body = _body(c.get(url))
        assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_catalogue_queries_do_not_grow_with_rules(as_user, hl, django_assert_max_num_queries):
    c = as_user(hl.operator)
    c.get("/hotline/catalogue/")  # warm the session and the caches
    with django_assert_max_num_queries(12) as few:
        c.get("/hotline/catalogue/")
    for i in range(15):
        svc.dispatch_rule_create(
            actor=None,
            city_id=hl.city.pk,
            name=f"规则{i}",
            keywords=[f"词{i}"],
            lead_unit_id=hl.housing.pk,
            co_unit_ids=[hl.xz_dept.pk],
            district_id=hl.xz.pk,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get("/hotline/catalogue/")


# --- SLA policies ------------------------------------------------------------------------------


def test_sla_list_shows_the_current_policy_of_every_lane_and_category(as_user, hl):
    body = _body(as_user(hl.operator).get("/hotline/sla-policies/"))
    assert body.count('data-testid="sla-row"') == 12
    row = body[body.index('data-lane="general" data-category="complaint"') :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[2:7]]
    assert cells == ["2", "8", "2", "75 % / 90 %", "v1"]
    row = body[body.index('data-lane="enterprise" data-category="consult"') :]
    row = row[: row.index("</tr>")]
    assert [c.split(">")[-1] for c in row.split("</td>")[2:5]] == ["1", "2", "2"]


def test_revise_an_sla_policy_adds_a_version_and_orders_keep_theirs(as_user, hl, make_order):
    before = make_order(content="路灯不亮三天了。")
    svc.work_order_dispatch(
        actor=hl.operator, order_id=before.pk, version=before.version, lead_unit_id=hl.housing.pk
    )
    c = as_user(hl.operator)
    form = _body(c.get("/hotline/sla-policies/general/complaint/"))
    assert 'name="sign_hours" value="2"' in form and 'name="version" value="1"' in form
    response = c.post("/hotline/sla-policies/general/complaint/", _sla_data(sign_hours="2.5"))
    assert response.status_code == 302
    current = SlaPolicy.objects.get(lane="general", category="complaint", active=True)
    assert (current.version, current.sign_hours, current.handle_days) == (2, Decimal("2.5"), 6)
    assert (current.callback_days, current.yellow_ratio, current.red_ratio) == (
        3,
        Decimal("0.70"),
        Decimal("0.85"),
    )
    assert AuditLog.objects.filter(action="hotline.sla_policy.revise").count() == 1
    before.refresh_from_db()
    assert before.sla_policy.version == 1
    after = make_order(content="路灯不亮三天了。")
    svc.work_order_dispatch(
        actor=hl.operator, order_id=after.pk, version=after.version, lead_unit_id=hl.housing.pk
    )
    after.refresh_from_db()
    assert after.sla_policy_id == current.pk
    body = _body(c.get(response["Location"]))
    assert "New policy version 2 saved" in body
    assert 'data-version="2" data-active="1"' in body and 'data-version="1" data-active="0"' in body
    assert "70 % / 85 %" in body and "75 % / 90 %" in body
    listing = _body(c.get("/hotline/sla-policies/"))
    row = listing[listing.index('data-lane="general" data-category="complaint"') :]
    assert "<td>2.50</td>" in row[: row.index("</tr>")] or "<td>2.5</td>" in row


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sign_hours": "0"}, "Give more than 0 and at most 999.99 working hours"),
        ({"sign_hours": "-1"}, "Give more than 0 and at most 999.99 working hours"),
        ({"sign_hours": "1000"}, "Give more than 0 and at most 999.99 working hours"),
        ({"sign_hours": "1.234"}, "Give more than 0 and at most 999.99 working hours"),
        ({"sign_hours": "abc"}, "Enter a number."),
        ({"sign_hours": ""}, "This field is required."),
        ({"handle_days": "0"}, "Give a whole number of working days from 1 to 365."),
        ({"handle_days": "-3"}, "Give a whole number of working days from 1 to 365."),
        ({"handle_days": "366"}, "Give a whole number of working days from 1 to 365."),
        ({"handle_days": "2.5"}, "Enter a whole number."),
        ({"callback_days": "-1"}, "Give a whole number of working days from 0 to 365."),
        ({"callback_days": "x"}, "Enter a whole number."),
        ({"sign_hours": "20", "handle_days": "2"}, "cannot be longer than the handling limit"),
        ({"yellow_ratio": "0.9", "red_ratio": "0.75"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"yellow_ratio": "0.8", "red_ratio": "0.8"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"yellow_ratio": "0", "red_ratio": "0.5"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"red_ratio": "1.5"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"yellow_ratio": "-0.5"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"yellow_ratio": "0.755"}, "Need 0 &lt; yellow &lt; red ≤ 1."),
        ({"red_ratio": "abc"}, "Enter a number."),
        (
            {
                "sign_hours": "2",
                "handle_days": "8",
                "callback_days": "2",
                "yellow_ratio": "0.75",
                "red_ratio": "0.90",
            },
            "Nothing was changed.",
        ),
    ],
)
def test_bad_sla_input_keeps_the_form(as_user, hl, overrides, message):
    data = _sla_data(**overrides)
    response = as_user(hl.operator).post("/hotline/sla-policies/general/complaint/", data)
    assert response.status_code == 200
    body = _body(response)
    assert message in body
    assert SlaPolicy.objects.filter(lane="general", category="complaint").count() == 1
    for field in ("sign_hours", "handle_days", "callback_days", "yellow_ratio", "red_ratio"):
        if data[field]:
            assert f'name="{field}" value="{data[field]}"' in body, field  # typed values kept


def test_a_concurrent_sla_revision_wins_once(as_user, hl):
    c = as_user(hl.operator)
    assert c.post("/hotline/sla-policies/general/complaint/", _sla_data()).status_code == 302
    # A second editor still holding the form of version 1.
    response = c.post(
        "/hotline/sla-policies/general/complaint/", _sla_data(sign_hours="4"), follow=True
    )
    assert "Someone else revised this policy in the meantime" in _body(response)
    assert SlaPolicy.objects.filter(lane="general", category="complaint").count() == 2
    current = SlaPolicy.objects.get(lane="general", category="complaint", active=True)
    assert current.sign_hours == Decimal(3)
    missing = c.post("/hotline/sla-policies/general/complaint/", _sla_data(version=""))
    assert missing.status_code == 200
    assert SlaPolicy.objects.filter(lane="general", category="complaint").count() == 2


def test_unknown_lane_or_category_is_404(as_user, hl):
    c = as_user(hl.operator)
    assert c.get("/hotline/sla-policies/general/nonsense/").status_code == 404
    assert c.get("/hotline/sla-policies/nonsense/complaint/").status_code == 404
    assert c.post("/hotline/sla-policies/x/y/", _sla_data()).status_code == 404


# --- cross-city transfers ----------------------------------------------------------------------


def _outbound(hl, make_order):
    order = make_order(content="广州市天河区某商场噪音扰民。", address="广州市天河区")
    order = svc.work_order_transfer_city(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        peer="gz",
        reason="事发地在广州",
    )
    return order, CrossCityTransfer.objects.get(order=order)


def _inbound():
    transfer, _created = svc.transfer_receive(
        peer="gz",
        payload={
            "message_id": "gz-0001",
            "origin_city": "gz",
            "origin_number": "GZ20261129-000007",
            "category": "complaint",
            "lane": "general",
            "requester_name": "王五",
            "contact_phone": "13912345678",
            "content": "珠海市香洲区某工地夜间施工扰民。",
            "received_at": "2026-11-29T09:00:00+08:00",
            "reason": "事发地在珠海",
        },
    )
    return transfer


def test_transfers_list_both_directions(as_user, hl, peers, make_order, other_city):
    out_order, out_row = _outbound(hl, make_order)
    in_row = _inbound()
    c = as_user(hl.operator)
    body = _body(c.get("/hotline/transfers/"))
    assert body.count('data-testid="transfer-row"') == 2
    assert 'data-direction="out" data-state="pending"' in body
    assert 'data-direction="in" data-state="received"' in body
    assert f'href="/hotline/orders/{out_order.pk}/"' in body and out_order.number in body
    assert f'href="/hotline/orders/{in_row.order_id}/"' in body and in_row.order.number in body
    assert "广州市" in body and "GZ20261129-000007" in body
    assert "Waiting to be sent" in body and "Received from the other city" in body
    assert "事发地在广州" in body
    assert out_row.last_error == "" or out_row.last_error in body
    out = _body(c.get("/hotline/transfers/?direction=out"))
    assert out.count('data-testid="transfer-row"') == 1 and 'data-direction="out"' in out
    inc = _body(c.get("/hotline/transfers/?direction=in"))
    assert inc.count('data-testid="transfer-row"') == 1 and 'data-direction="in"' in inc
    assert _body(c.get("/hotline/transfers/?state=received")).count('data-state="received"') == 1
    assert _body(c.get("/hotline/transfers/?state=done")).count('data-testid="transfer-row"') == 0
    for bad in ("direction=sideways", "state=nonsense", "page=-1", "page=abc"):
        response = c.get(f"/hotline/transfers/?{bad}")
        assert response.status_code == 200
        assert _body(response).count('data-testid="transfer-row"') == 2, bad
    # Another city's centre sees none of them.
    other = _body(as_user(other_city.operator).get("/hotline/transfers/"))
    assert 'data-testid="transfer-row"' not in other


def test_a_failed_delivery_can_be_retried(as_user, hl, peers, make_order, run_tasks, other_city):
    _order, row = _outbound(hl, make_order)
    CrossCityTransfer.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert svc.transfer_deliver(transfer_id=row.pk) == TransferState.FAILED
    c = as_user(hl.operator)
    body = _body(c.get("/hotline/transfers/"))
    assert 'data-state="failed"' in body and 'data-testid="transfer-retry"' in body
    assert 'data-testid="failed-count"' in body
    # Another city's centre cannot retry it.
    assert (
        as_user(other_city.operator).post(f"/hotline/transfers/{row.pk}/retry/").status_code == 404
    )
    c = as_user(hl.operator)
    with run_tasks():  # the peer is still down: the retry is delivered once and fails again
        response = c.post(f"/hotline/transfers/{row.pk}/retry/", {"query": "direction=out"})
    assert (
        response.status_code == 302 and response["Location"] == "/hotline/transfers/?direction=out"
    )
    row.refresh_from_db()
    assert row.state == TransferState.PENDING and row.attempts == 1
    assert row.direction == TransferDirection.OUTBOUND
    assert AuditLog.objects.filter(action="hotline.transfer.retry").count() == 1
    body = _body(c.get("/hotline/transfers/"))
    assert "queued for delivery again" in body and 'data-testid="transfer-retry"' not in body
    # A row that has not failed is not retried.
    response = c.post(f"/hotline/transfers/{row.pk}/retry/", follow=True)
    assert "Only a failed delivery can be retried." in _body(response)
    assert AuditLog.objects.filter(action="hotline.transfer.retry").count() == 1
    assert c.post("/hotline/transfers/999999/retry/").status_code == 404


def test_a_failed_outcome_goes_back_to_outcome_pending(as_user, hl, peers):
    row = _inbound()
    CrossCityTransfer.objects.filter(pk=row.pk).update(state=TransferState.FAILED, attempts=30)
    response = as_user(hl.operator).post(f"/hotline/transfers/{row.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == "/hotline/transfers/"
    row.refresh_from_db()
    assert row.state == TransferState.OUTCOME_PENDING and row.attempts == 0
