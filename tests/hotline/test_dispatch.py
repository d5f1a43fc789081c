"""Dispatch by the catalogue (派单目录), manual dispatch, notifications, rule versions."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidInput
from yiwang.hotline.choices import Status
from yiwang.hotline.models import DispatchRule
from yiwang.hotline.services import dispatch_rule_revise, work_order_dispatch
from yiwang.notify import facade as notify


def test_rule_by_keyword_and_district_routes_and_notifies_the_unit(make_order, hl, run_tasks):
    with run_tasks():
        order = make_order()
    assert order.status == Status.DISPATCHED
    assert order.lead_unit_id == hl.xz_dept.pk
    assert order.dispatch_rule_id == hl.rule_food_xz.pk
    assert order.sign_deadline and order.reply_deadline
    inbox = notify.inbox_recent(hl.handler)
    assert len(inbox) == 1 and order.number in inbox[0].subject
    assert notify.inbox_recent(hl.dm_handler) == []


def test_district_decides_between_rules_with_the_same_keywords(make_order, hl):
    order = make_order(address="珠海市斗门区井岸镇", content="斗门一家店卖过期食品")
    assert order.lead_unit_id == hl.dm_dept.pk


def test_co_units_are_set_and_notified(make_order, hl, run_tasks):
    with run_tasks():
        order = make_order(content="小区物业乱收费，房屋漏水不修", address="")
    assert order.lead_unit_id == hl.housing.pk
    assert list(order.co_units.values_list("pk", flat=True)) == [hl.xz_dept.pk]
    assert len(notify.inbox_recent(hl.housing_handler)) == 1
    assert len(notify.inbox_recent(hl.handler)) == 1


def test_no_matching_rule_waits_for_manual_dispatch(make_order, hl, run_tasks):
    order = make_order(content="路灯不亮了", address="")
    assert order.status == Status.RECEIVED and order.lead_unit_id is None
    with run_tasks():
        order = work_order_dispatch(
            actor=hl.operator, order_id=order.pk, version=order.version, lead_unit_id=hl.dm_dept.pk
        )
    assert order.status == Status.DISPATCHED
    assert len(notify.inbox_recent(hl.dm_handler)) == 1


def test_manual_dispatch_to_a_unit_outside_the_city_is_422(make_order, hl):
    from yiwang.core.choices import OrgKind
    from yiwang.core.services.organisations import organisation_create

    other_city = organisation_create(actor=None, name="中山市", kind=OrgKind.CITY, code="t-zs")
    order = make_order(content="路灯不亮了", address="")
    with pytest.raises(InvalidInput) as exc:
        work_order_dispatch(
            actor=hl.operator, order_id=order.pk, version=order.version, lead_unit_id=other_city.pk
        )
    assert exc.value.code == "hotline.unknown_unit"


def test_inactive_rule_is_skipped_and_revision_keeps_history(make_order, hl):
    new = dispatch_rule_revise(actor=hl.operator, rule_id=hl.rule_housing.pk, keywords=["物业"])
    assert new.version == 2 and new.supersedes_id == hl.rule_housing.pk
    assert not DispatchRule.objects.get(pk=hl.rule_housing.pk).active
    order = make_order(content="房屋漏水", address="")
    assert order.status == Status.RECEIVED  # "房屋" was removed in version 2
    order = make_order(content="物业不作为", address="")
    assert order.dispatch_rule_id == new.pk
