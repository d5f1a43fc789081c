"""Smart dispatch wiring: suggestions (rule, then model), duplicate candidates, repeat requests,
automatic dispatch of confident enterprise orders, the suggestions API, the retraining, SMS to
the lead unit at dispatch."""

from __future__ import annotations

import copy
import datetime as dt
import random
import re

import numpy as np
import pytest

from tests.hotline.conftest import bj
from yiwang.core.choices import OrgKind, Role
from yiwang.hotline import suggestions
from yiwang.hotline.choices import Status
from yiwang.hotline.classifier import DispatchClassifier
from yiwang.hotline.models import WorkOrder, WorkOrderEvent

BASE = "/api/v1/hotline"
WAGES = "公司拖欠工资已经三个月了，老板一直不发工资，也不给农民工签劳动合同，请劳动监察处理欠薪。"
BUS = "12路公交车经常不按时发车，司机开车急刹车，出租车也拒载，请交通部门管一管。"
FOOD = "香洲区凤凰北路超市出售过期食品，请查处。"


def _uscc() -> str:
    from yiwang.core.seed import make_uscc

    return make_uscc(random.Random(7))


@pytest.fixture
def units(hl):
    """Municipal departments named like the generated corpus' units, with handlers."""
    from yiwang.core.services.organisations import organisation_create

    out = {}
    for i, name in enumerate(
        ["市人力资源和社会保障局", "市交通运输局", "市生态环境局", "市城市管理和综合执法局"]
    ):
        out[name] = organisation_create(
            actor=None, name=name, kind=OrgKind.DEPARTMENT, code=f"t-u{i}", parent=hl.city
        )
    return out


@pytest.fixture(scope="module")
def named_models():
    """Classifiers trained on the generated corpus with unit *names* as labels, one per set of
    unit names, shared by the tests of this module (training is the slow part of the fixture
    below). Names, not ids: the units' ids change from test to test (rolled back rows,
    PostgreSQL sequences), their names do not. Tests only read these models."""
    return {}


def _relabelled(model: DispatchClassifier, label_of: dict[str, str]) -> DispatchClassifier:
    """A copy of ``model`` answering with ``label_of[label]`` instead of ``label``.

    The fitted estimator is shared and left untouched: only the copy's class labels differ (the
    classifier's labels are whatever identifies a unit, here names → ids as text)."""
    clone = copy.copy(model)
    clone._model = copy.copy(model._model)
    clone._model.classes_ = np.array([label_of[str(u)] for u in model._model.classes_])
    clone._compile()
    return clone


@pytest.fixture
def trained(hl, units, tmp_path, monkeypatch, named_models):
    """A classifier of the test city (labels are unit ids) in a private var dir: the same
    samples as ``generated_samples(city, count=1500)``, trained once per module."""
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    city = hl.city.pk
    samples = suggestions.generated_samples(city, count=1500)
    name_of = {
        str(pk): name
        for pk, name in type(hl.city)
        .objects.filter(pk__in={int(u) for _, u in samples})
        .values_list("pk", "name")
    }
    named = tuple((text, name_of[unit]) for text, unit in samples)
    model = named_models.get(named)
    if model is None:
        model = named_models[named] = DispatchClassifier().train(named)
    _relabelled(model, {name: pk for pk, name in name_of.items()}).save(
        suggestions.model_path(city)
    )
    return units


# --- dispatch_suggestions ---------------------------------------------------------------------


def test_a_matching_rule_comes_first_then_the_model(hl, trained):
    ranked = suggestions.dispatch_suggestions(
        city_id=hl.city.pk, text="小区物业公司乱收物业费", category="complaint"
    )
    assert ranked[0] == suggestions.Suggestion(
        hl.housing.pk, "市住房和城乡建设局", 1.0, True, "rule"
    )
    assert len(ranked) == 3
    assert [s.source for s in ranked[1:]] == ["model", "model"]
    assert len({s.unit_id for s in ranked}) == 3  # the rule's unit is not repeated
    assert all(0 <= s.confidence <= 1 for s in ranked)


def test_model_suggestions_without_a_rule(hl, trained):
    ranked = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES, k=2)
    assert len(ranked) == 2
    first = ranked[0]
    assert (first.unit_name, first.source) == ("市人力资源和社会保障局", "model")
    assert first.confident and first.confidence >= 0.8
    assert ranked[0].confidence >= ranked[1].confidence
    assert not ranked[1].confident


def test_district_and_category_conditions_of_rules(hl, trained):
    # The food rules need a district: without one (or in 斗门区) the 香洲 rule does not apply.
    plain = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=FOOD)
    assert all(s.source == "model" for s in plain)
    xz = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=FOOD, district_id=hl.xz.pk)
    assert (xz[0].unit_id, xz[0].source) == (hl.xz_dept.pk, "rule")
    dm = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=FOOD, district_id=hl.dm.pk)
    assert (dm[0].unit_id, dm[0].source) == (hl.dm_dept.pk, "rule")


def test_without_a_model_only_rules_answer(hl, tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    assert suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES) == []
    ranked = suggestions.dispatch_suggestions(city_id=hl.city.pk, text="物业不修电梯")
    assert [s.source for s in ranked] == ["rule"]


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_gives_no_suggestion(hl, trained, text):
    assert suggestions.dispatch_suggestions(city_id=hl.city.pk, text=text) == []


def test_k_limits_and_zero(hl, trained):
    assert suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES, k=0) == []
    assert len(suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES, k=1)) == 1
    many = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES, k=50)
    assert len(many) == len({s.unit_id for s in many}) <= 6


def test_a_deactivated_unit_is_not_suggested(hl, trained):
    hr = trained["市人力资源和社会保障局"]
    type(hr).objects.filter(pk=hr.pk).update(is_active=False)
    suggestions._unit_names.clear()
    ranked = suggestions.dispatch_suggestions(city_id=hl.city.pk, text=WAGES, k=5)
    assert hr.pk not in {s.unit_id for s in ranked}


def test_the_model_is_reloaded_when_its_file_changes(hl, trained):
    city = hl.city.pk
    first = suggestions.city_classifier(city)
    assert suggestions.city_classifier(city) is first  # loaded once
    # A retrain replaces the file (a new file, as save() writes to a temp file and renames it).
    first.save(suggestions.model_path(city))
    assert suggestions.city_classifier(city) is not first


def test_catalogue_changes_reach_suggestions_at_once(hl, tmp_path, monkeypatch):
    from yiwang.hotline.services import (
        dispatch_rule_create,
        dispatch_rule_deactivate,
        dispatch_rule_revise,
    )

    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    city = hl.city.pk
    text = "小区路灯坏了一个月"
    assert suggestions.dispatch_suggestions(city_id=city, text=text) == []  # cached: no rule
    rule = dispatch_rule_create(
        actor=None, city_id=city, name="路灯", keywords=["路灯"], lead_unit_id=hl.city_dept.pk
    )
    (first,) = suggestions.dispatch_suggestions(city_id=city, text=text)
    assert (first.unit_id, first.source) == (hl.city_dept.pk, "rule")
    revised = dispatch_rule_revise(actor=None, rule_id=rule.pk, lead_unit_id=hl.housing.pk)
    (first,) = suggestions.dispatch_suggestions(city_id=city, text=text)
    assert first.unit_id == hl.housing.pk
    dispatch_rule_deactivate(actor=None, rule_id=revised.pk)
    assert suggestions.dispatch_suggestions(city_id=city, text=text) == []


# --- duplicates -------------------------------------------------------------------------------


def test_duplicates_by_phone_address_and_text(hl, make_order):
    a = make_order(contact_phone="13900000001", address="珠海市香洲区凤凰北路1号")
    b = make_order(
        contact_phone="13900000002",
        address="广东省珠海市 香洲区凤凰北路１号",
        content="我要投诉别的事情，完全不同的内容，和之前没有关系。",
    )
    c = make_order(
        contact_phone="13900000003",
        address="金湾区红旗镇",
        content="香洲区凤凰北路超市出售过期的食品，请尽快查处！",
    )
    found = suggestions.duplicate_candidates(
        city_id=hl.city.pk,
        phone="139-0000-0001",
        address="香洲区 凤凰北路1号",
        content="香洲区凤凰北路超市出售过期食品，请查处。",
    )
    by_id = {o.pk: o for o in found}
    assert set(by_id) == {a.pk, b.pk, c.pk}
    assert by_id[a.pk].duplicate_reasons == ["phone", "address", "text"]
    assert by_id[b.pk].duplicate_reasons == ["address"]
    assert by_id[c.pk].duplicate_reasons == ["text"]
    assert found[0].pk == a.pk  # most reasons first
    assert by_id[c.pk].duplicate_similarity >= suggestions.TEXT_SIMILARITY


def test_duplicates_exclude_limit_and_nothing_given(hl, make_order):
    orders = [make_order(contact_phone="13900000009") for _ in range(3)]
    found = suggestions.duplicate_candidates(
        city_id=hl.city.pk, phone="13900000009", exclude_id=orders[0].pk, limit=5
    )
    assert {o.pk for o in found} == {orders[1].pk, orders[2].pk}
    assert (
        len(suggestions.duplicate_candidates(city_id=hl.city.pk, phone="13900000009", limit=1)) == 1
    )
    assert suggestions.duplicate_candidates(city_id=hl.city.pk, phone="13900000009", limit=0) == []
    assert suggestions.duplicate_candidates(city_id=hl.city.pk) == []
    # too short to mean anything
    assert suggestions.duplicate_candidates(city_id=hl.city.pk, phone="139", content="食") == []
    # another city sees nothing
    assert suggestions.duplicate_candidates(city_id=hl.xz.pk, phone="13900000009") == []


def test_duplicates_only_within_the_window(hl, make_order, clock, monkeypatch):
    old = make_order(contact_phone="13900000010", received_at=bj(2026, 9, 1, 10, 0))
    recent = make_order(contact_phone="13900000010")
    found = suggestions.duplicate_candidates(city_id=hl.city.pk, phone="13900000010")
    assert [o.pk for o in found] == [recent.pk]
    monkeypatch.setenv("YIWANG_HOTLINE_DUPLICATE_DAYS", "3650")
    found = suggestions.duplicate_candidates(city_id=hl.city.pk, phone="13900000010")
    assert {o.pk for o in found} == {old.pk, recent.pk}


def test_text_similarity():
    assert suggestions.text_similarity("香洲区超市卖过期食品", "香洲区超市卖过期食品！") == 1.0
    assert suggestions.text_similarity("香洲区超市卖过期食品", "公交车不按时发车") == 0.0
    assert suggestions.text_similarity("", "x") == 0.0
    assert (
        suggestions.normalise_address("广东省珠海市 香洲区（凤凰北路）１号") == "香洲区凤凰北路1号"
    )


# --- intake: repeat requests and smart dispatch --------------------------------------------------


def test_repeat_request_same_phone_same_category(hl, make_order, monkeypatch):
    first = make_order(contact_phone="13900000020", category="complaint")
    assert first.repeat is False
    second = make_order(contact_phone="139 0000 0020", category="complaint")
    assert second.repeat is True
    other_category = make_order(contact_phone="13900000020", category="consult")
    assert other_category.repeat is False
    other_phone = make_order(contact_phone="13900000021", category="complaint")
    assert other_phone.repeat is False


def test_repeat_only_within_the_window(hl, make_order, clock):
    make_order(contact_phone="13900000030", received_at=bj(2026, 8, 1, 10, 0))
    later = make_order(contact_phone="13900000030", received_at=bj(2026, 9, 15, 10, 0))
    assert later.repeat is False
    again = make_order(contact_phone="13900000030", received_at=bj(2026, 9, 20, 10, 0))
    assert again.repeat is True


def test_confident_enterprise_order_is_dispatched_by_the_model(hl, trained, make_order):
    hr = trained["市人力资源和社会保障局"]
    order = make_order(
        content=WAGES,
        address="",
        requester_kind="enterprise",
        enterprise_name="珠海某科技有限公司",
        enterprise_uscc=_uscc(),
    )
    assert order.status == Status.DISPATCHED
    assert order.lead_unit_id == hr.pk and order.dispatch_rule_id is None
    event = WorkOrderEvent.objects.filter(order=order, action="dispatch").get()
    assert re.fullmatch(r"Smart dispatch, confidence (0\.[89]\d|1\.00)", event.note)
    assert order.sign_deadline is not None and order.reply_deadline is not None


def test_general_lane_is_never_dispatched_by_the_model(hl, trained, make_order):
    order = make_order(content=WAGES, address="")
    assert order.status == Status.RECEIVED and order.lead_unit_id is None


def test_unconfident_enterprise_order_waits(hl, trained, make_order):
    order = make_order(
        content="你好，我想反映一个情况，具体情况比较复杂，希望有人联系我。",
        address="",
        requester_kind="enterprise",
        enterprise_name="珠海某科技有限公司",
        enterprise_uscc=_uscc(),
    )
    assert order.status == Status.RECEIVED


def test_rules_still_win_for_enterprise_orders(hl, trained, make_order):
    order = make_order(
        content="物业公司不给企业办公楼修电梯，工资都发不出来了",
        address="",
        requester_kind="enterprise",
        enterprise_name="珠海某科技有限公司",
        enterprise_uscc=_uscc(),
    )
    assert order.lead_unit_id == hl.housing.pk and order.dispatch_rule_id == hl.rule_housing.pk


def test_a_broken_model_file_never_breaks_intake(hl, units, make_order, tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    path = suggestions.model_path(hl.city.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a model")
    order = make_order(
        content=WAGES,
        address="",
        requester_kind="enterprise",
        enterprise_name="珠海某科技有限公司",
        enterprise_uscc=_uscc(),
    )
    assert order.status == Status.RECEIVED


# --- retraining ---------------------------------------------------------------------------------


def test_retrain_cold_start_then_on_closed_orders(hl, units, tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    city = hl.city.pk
    result = suggestions.retrain(city)[city]
    assert result["closed_orders"] == 0 and result["generated"] > 0 and "error" not in result
    assert suggestions.model_path(city).exists()
    assert suggestions.city_classifier(city) is not None
    # With enough closed orders only they are used (labels: lead unit ids).
    data = suggestions.training_samples(city, min_closed=0)
    assert data.generated == 0 and data.closed_orders == 0 and not data.cold_start


def test_retrain_reports_a_city_that_cannot_train(hl, tmp_path, monkeypatch):
    from yiwang.core.services.organisations import organisation_create

    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path))
    empty = organisation_create(actor=None, name="空城市", kind=OrgKind.CITY, code="t-empty")
    result = suggestions.retrain(empty.pk)[empty.pk]
    assert "error" in result and not suggestions.model_path(empty.pk).exists()


def test_closed_orders_are_training_samples(hl, make_order):
    order = make_order()
    WorkOrder.objects.filter(pk=order.pk).update(status=Status.CLOSED)
    make_order(content="物业费太贵")  # dispatched, not closed
    samples = suggestions.closed_order_samples(hl.city.pk)
    assert samples == [(order.content, str(hl.xz_dept.pk))]


def test_the_weekly_task_is_scheduled():
    from yiwang.hotline.tasks import hotline_dispatch_model_retrain_task

    task = hotline_dispatch_model_retrain_task.task_class()
    sunday_3am_beijing = dt.datetime(2026, 11, 28, 19, 0)  # Saturday 19:00 UTC
    assert task.validate_datetime(sunday_3am_beijing)
    assert not task.validate_datetime(sunday_3am_beijing + dt.timedelta(days=1))
    assert not task.validate_datetime(sunday_3am_beijing + dt.timedelta(hours=1))


# --- SMS to the lead unit at dispatch -----------------------------------------------------------


def test_dispatch_texts_the_lead_units_handlers_with_a_mobile(hl, make_staff, run_tasks, clock):
    from yiwang.core.services.accounts import staff_user_create
    from yiwang.hotline.services import work_order_create
    from yiwang.notify.models import SmsOutbox

    staff_user_create(
        actor=None,
        username="xz-mobile",
        display_name="有手机的办理人",
        organisation=hl.xz_dept,
        password="Yiwang#2026pass",
        roles=[Role.CASE_HANDLER],
        mobile="13511112222",
    )
    with run_tasks():
        order, _ = work_order_create(
            actor=hl.operator,
            channel="phone",
            category="complaint",
            requester_name="王五",
            contact_phone="13800138000",
            content=FOOD,
            address="珠海市香洲区凤凰北路1号",
            confidential=True,
        )
    assert order.status == Status.DISPATCHED and order.lead_unit_id == hl.xz_dept.pk
    rows = list(SmsOutbox.objects.all())
    # xzh1 has no mobile: only the handler with one gets a text, once.
    assert [r.phone for r in rows] == ["13511112222"]
    assert order.number in rows[0].text
    assert "王五" not in rows[0].text and "13800138000" not in rows[0].text
    with run_tasks():
        from yiwang.hotline.support import notify_dispatched

        notify_dispatched(order.pk, order.version)  # a retried notification sends nothing new
    assert SmsOutbox.objects.count() == 1


# --- the API ------------------------------------------------------------------------------------


def _post(client, body):
    return client.post(f"{BASE}/suggestions", body, content_type="application/json")


def test_api_units_and_duplicates(client, hl, trained, make_order):
    earlier = make_order(contact_phone="13900000040")
    client.force_login(hl.operator)
    response = _post(
        client,
        {
            "text": "小区物业公司乱收物业费",
            "category": "complaint",
            "phone": "13900000040",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["units"][0] == {
        "unit_id": hl.housing.pk,
        "unit_name": "市住房和城乡建设局",
        "confidence": 1.0,
        "confident": True,
        "source": "rule",
    }
    assert [u["source"] for u in body["units"][1:]] == ["model", "model"]
    (dup,) = body["duplicates"]
    assert dup["id"] == earlier.pk and dup["number"] == earlier.number
    assert dup["status"] == earlier.status and dup["reasons"] == ["phone"]
    assert dup["contact_phone"] != "13900000040" and "*" in dup["contact_phone"]
    assert dup["reason"] and dup["received_at"]


def test_api_duplicate_by_text_only(client, hl, make_order):
    earlier = make_order()
    client.force_login(hl.operator)
    body = _post(client, {"text": FOOD}).json()
    assert [d["id"] for d in body["duplicates"]] == [earlier.pk]
    assert body["duplicates"][0]["reasons"] == ["text"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"text": ""}, "text", "hotline.content_empty"),
        ({"text": "   \n "}, "text", "hotline.content_empty"),
        ({"text": "字" * 5001}, "text", "hotline.content_too_long"),
        ({"text": "物业", "category": "nonsense"}, "category", "hotline.unknown_category"),
        ({"text": "物业", "district_id": 999999}, "district_id", "hotline.unknown_organisation"),
    ],
)
def test_api_bad_input_is_422(client, hl, body, field, code):
    client.force_login(hl.operator)
    response = _post(client, body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0]["field"] == field and errors[0]["code"] == code


def test_api_district_of_another_city_is_422(client, hl):
    from yiwang.core.services.organisations import organisation_create

    other = organisation_create(actor=None, name="别的城市", kind=OrgKind.CITY, code="t-other")
    client.force_login(hl.operator)
    response = _post(client, {"text": "物业", "district_id": other.pk})
    assert response.status_code == 422


def test_api_missing_text_and_bad_json_are_422(client, hl):
    client.force_login(hl.operator)
    assert _post(client, {}).status_code == 422
    response = client.post(f"{BASE}/suggestions", "{oops", content_type="application/json")
    assert response.status_code in (400, 422)


def test_api_permissions(client, hl):
    body = {"text": "物业不修电梯"}
    assert _post(client, body).status_code == 401  # anonymous
    for user in (hl.handler, hl.leader):
        client.force_login(user)
        response = _post(client, body)
        assert response.status_code == 403
        assert response.json()["code"] == "hotline.permission_denied"
    client.force_login(hl.operator)
    assert _post(client, body).status_code == 200
