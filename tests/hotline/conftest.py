"""Fixtures of the hotline tests: the 12345 centre, operators, unit handlers, catalogue rules,
an order factory and a controllable clock (``clock.set(...)`` moves the services' "now")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yiwang.core.choices import OrgKind, Role

SH = ZoneInfo("Asia/Shanghai")
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def bj(*args) -> dt.datetime:
    """A Beijing-time aware datetime."""
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def clock(monkeypatch):
    from yiwang.hotline import support as common

    class Clock:
        value: dt.datetime | None = None

        def set(self, value: dt.datetime) -> None:
            self.value = value

        def __call__(self) -> dt.datetime:
            from django.utils import timezone

            return self.value or timezone.now()

    c = Clock()
    monkeypatch.setattr(common, "now", c)
    return c


@pytest.fixture
def hl(org_tree, make_staff):
    """The demo-like city: centre with an operator, unit handlers, a leader, three rules."""
    from yiwang.core.services.organisations import organisation_create
    from yiwang.hotline.services import dispatch_rule_create

    centre = organisation_create(
        actor=None,
        name="市12345政务服务便民热线中心",
        kind=OrgKind.DEPARTMENT,
        code="t-12345",
        parent=org_tree["city"],
    )
    housing = organisation_create(
        actor=None,
        name="市住房和城乡建设局",
        kind=OrgKind.DEPARTMENT,
        code="t-zjj",
        parent=org_tree["city"],
    )
    ns = dict(org_tree)
    ns["centre"] = centre
    ns["housing"] = housing
    ns["operator"] = make_staff(centre, Role.HOTLINE_OPERATOR, username="op1")
    ns["handler"] = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="xzh1")
    ns["dm_handler"] = make_staff(org_tree["dm_dept"], Role.CASE_HANDLER, username="dmh1")
    ns["housing_handler"] = make_staff(housing, Role.CASE_HANDLER, username="zjh1")
    ns["leader"] = make_staff(org_tree["city"], Role.LEADER, username="lead1")
    ns["xz_leader"] = make_staff(org_tree["xz_dept"], Role.LEADER, username="xzlead")
    city = org_tree["city"].pk
    ns["rule_food_xz"] = dispatch_rule_create(
        actor=None,
        city_id=city,
        name="香洲食品",
        keywords=["食品", "过期"],
        district_id=org_tree["xz"].pk,
        lead_unit_id=org_tree["xz_dept"].pk,
        priority=10,
    )
    ns["rule_food_dm"] = dispatch_rule_create(
        actor=None,
        city_id=city,
        name="斗门食品",
        keywords=["食品", "过期"],
        district_id=org_tree["dm"].pk,
        lead_unit_id=org_tree["dm_dept"].pk,
        priority=10,
    )
    ns["rule_housing"] = dispatch_rule_create(
        actor=None,
        city_id=city,
        name="物业",
        keywords=["物业", "房屋"],
        lead_unit_id=housing.pk,
        co_unit_ids=[org_tree["xz_dept"].pk],
        priority=20,
    )
    return type("HL", (), ns)


@pytest.fixture
def make_order(hl):
    from yiwang.hotline.services import work_order_create

    def make(actor=None, **kwargs):
        data = {
            "channel": "phone",
            "category": "complaint",
            "requester_name": "张三",
            "contact_phone": "13800138000",
            "content": "香洲区凤凰北路超市出售过期食品，请查处。",
            "address": "珠海市香洲区凤凰北路1号",
        }
        data.update(kwargs)
        order, _created = work_order_create(actor=actor or hl.operator, **data)
        return order

    return make
