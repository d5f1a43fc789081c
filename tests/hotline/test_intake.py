"""Intake (受理): validation of every bad input, idempotency, exclusions, emergencies, numbers."""

from __future__ import annotations

import re

import pytest

from tests.hotline.conftest import HTML, bj
from yiwang.core.errors import Conflict, Forbidden, InvalidInput
from yiwang.hotline.choices import Lane, Status
from yiwang.hotline.models import WorkOrder, WorkOrderEvent
from yiwang.hotline.services import work_order_create

VALID_USCC = "91440400MA4UH0J33X"


def _uscc():
    import random

    from yiwang.core.seed import make_uscc

    return make_uscc(random.Random(3))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("contact_phone", "12345", "hotline.invalid_phone"),
        ("contact_phone", "2380013800", "hotline.invalid_phone"),
        ("contact_phone", "abc13800138000", "hotline.invalid_phone"),
        ("content", "", "hotline.content_empty"),
        ("content", "   \n ", "hotline.content_empty"),
        ("content", "投" * 100_000, "hotline.content_too_long"),
        ("category", "gossip", "hotline.unknown_category"),
        ("channel", "pigeon", "hotline.unknown_channel"),
        ("requester_name", "", "hotline.invalid_name"),
    ],
)
def test_bad_input_is_422_with_field(make_order, field, value, code):
    with pytest.raises(InvalidInput) as exc:
        make_order(**{field: value})
    assert exc.value.status == 422
    assert {"field": field, "code": code} == {k: exc.value.errors[0][k] for k in ("field", "code")}
    assert WorkOrder.objects.count() == 0


def test_invalid_uscc_on_the_enterprise_lane(make_order):
    with pytest.raises(InvalidInput) as exc:
        make_order(
            requester_kind="enterprise",
            enterprise_name="珠海某公司",
            enterprise_uscc="91440400MA4UH0J33Y",
        )
    assert exc.value.errors[0]["field"] == "enterprise_uscc"
    assert exc.value.errors[0]["code"] == "invalid_uscc"


def test_enterprise_request_takes_the_enterprise_lane(make_order):
    uscc = _uscc()
    order = make_order(
        requester_kind="enterprise",
        enterprise_name="珠海格创智能科技有限公司",
        enterprise_uscc=uscc.lower(),
    )
    assert order.lane == Lane.ENTERPRISE
    assert order.enterprise_uscc == uscc


@pytest.mark.parametrize(
    "phone", ["13800138000", "138-0013-8000", "+8613800138000", "0756-2212345"]
)
def test_valid_phones_are_normalised(make_order, phone):
    order = make_order(contact_phone=phone)
    assert re.fullmatch(r"\d{11}", order.contact_phone)


def test_html_content_is_stored_verbatim_as_text(make_order, client, hl):
    order = make_order(content=f"投诉：{HTML}")
    assert order.content == f"投诉：{HTML}"
    client.force_login(hl.operator)
    body = client.get(f"/api/v1/hotline/orders/{order.pk}").json()
    assert body["content"] == f"投诉：{HTML}"  # a JSON string: the client renders it as text


def test_number_is_unique_per_city_and_day(make_order, clock):
    clock.set(bj(2026, 11, 29, 9, 0))
    first = make_order()
    second = make_order()
    assert first.number == "TCIT20261129-000001"
    assert second.number == "TCIT20261129-000002"
    clock.set(bj(2026, 11, 30, 0, 5))
    assert make_order().number == "TCIT20261130-000001"


def test_idempotent_replay_returns_the_same_order(make_order, hl):
    first = make_order(idempotency_key="k-1")
    again = make_order(idempotency_key="k-1", content="另一段文字")
    assert again.pk == first.pk
    assert WorkOrder.objects.count() == 1


def test_idempotency_key_of_another_account_is_409(make_order, hl, make_staff):
    from yiwang.core.choices import Role

    make_order(idempotency_key="k-2")
    other = make_staff(hl.centre, Role.HOTLINE_OPERATOR)
    with pytest.raises(Conflict) as exc:
        make_order(actor=other, idempotency_key="k-2")
    assert exc.value.code == "hotline.idempotency_key_reused"


def test_exclusion_is_recorded_as_refused_with_reason(make_order):
    order = make_order(
        exclusion_reason="legal_procedure", content="我的案子正在法院诉讼，请热线督促法院。"
    )
    assert order.status == Status.REFUSED
    assert order.exclusion_reason == "legal_procedure"
    assert order.lead_unit_id is None
    event = WorkOrderEvent.objects.get(order=order)
    assert event.action == "refuse" and event.note == "legal_procedure"


def test_unknown_exclusion_reason_is_422(make_order):
    with pytest.raises(InvalidInput) as exc:
        make_order(exclusion_reason="boring")
    assert exc.value.errors[0]["field"] == "exclusion_reason"


def test_emergency_is_transferred_and_recorded(make_order):
    order = make_order(emergency=True, transferred_to="119", content="楼下有烟冒出来，疑似起火！")
    assert order.status == Status.TRANSFERRED
    assert order.transferred_to == "119" and order.transferred_at is not None
    with pytest.raises(InvalidInput):
        make_order(emergency=True, transferred_to="")


def test_district_and_street_resolved_from_address_or_organisation(make_order, hl):
    order = make_order(address="珠海市香洲区拱北街道某小区")
    assert order.district_id == hl.xz.pk and order.street_id == hl.street.pk
    chosen = make_order(address="", organisation_id=hl.community.pk)
    assert chosen.district_id == hl.xz.pk and chosen.street_id == hl.street.pk
    unknown = make_order(address="某地")
    assert unknown.district_id is None


def test_citizen_may_submit_but_not_exclude(hl, db):
    from yiwang.core.choices import AccountKind
    from yiwang.core.models import User

    citizen = User.objects.create(username="cit", kind=AccountKind.CITIZEN, display_name="市民")
    order, created = work_order_create(
        actor=citizen,
        channel="web",
        category="consult",
        requester_name="市民",
        contact_phone="13900001111",
        content="请问社保卡如何补办？",
    )
    assert created and order.owner_id == citizen.pk
    with pytest.raises(Forbidden):
        work_order_create(
            actor=citizen,
            channel="web",
            category="consult",
            requester_name="市民",
            contact_phone="13900001111",
            content="x",
            exclusion_reason="court",
        )


def test_staff_without_intake_permission_is_403(make_order, hl):
    with pytest.raises(Forbidden):
        make_order(actor=hl.handler)
