"""Catalogue fixtures: a basic item with its standard, editors of two district bureaus and the
authority's reviewer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from yiwang.core.choices import Role

STANDARD = {
    "legal_limit": 20,
    "legal_limit_unit": "working_day",
    "promised_limit": 10,
    "promised_limit_unit": "working_day",
    "handling_type": "promised",
    "visits": 1,
    "online": True,
    "online_depth": 3,
    "tongban": "city",
    "fee_free": True,
    "conditions": ["有与经营项目相适应的经营场所"],
    "materials": [
        {"name": "食品经营许可申请书", "kind": "form", "form": "electronic", "required": True},
        {"name": "营业执照", "kind": "certificate", "form": "electronic", "required": True},
        {
            "name": "委托书",
            "kind": "original",
            "form": "paper",
            "required": False,
            "condition": "委托他人办理时提交",
        },
    ],
    "steps": [
        {"name": "受理", "role": "窗口", "days": 1},
        {"name": "审查", "role": "科室", "days": 8},
    ],
    "fees": [],
    "places": [],
    "phones": {"consult": "0756-12345"},
    "result": {"type": "certificate", "name": "食品经营许可证"},
    "faq": [{"q": "需要现场核查吗？", "a": "视经营项目而定。"}],
    "deviation_reason": "",
}


@pytest.fixture
def cat(org_tree, make_staff):
    from yiwang.catalog.models import BasicItem

    basic = BasicItem.objects.create(
        code="011230001000",
        name="食品经营许可",
        kind="xk",
        department="市场监督管理局",
        implementing_levels=["district"],
        basis=["《中华人民共和国食品安全法》"],
        operations=["new", "change", "renew", "cancel"],
        audience=["legal_person"],
        themes=["开办餐饮店"],
        synonyms=["开饭店", "餐饮许可证"],
        standard=dict(STANDARD),
    )
    ns = SimpleNamespace(**org_tree)
    ns.basic = basic
    ns.xz_editor = make_staff(org_tree["xz_dept"], Role.SERVICE_EDITOR, username="xz-editor")
    ns.dm_editor = make_staff(org_tree["dm_dept"], Role.SERVICE_EDITOR, username="dm-editor")
    ns.reviewer = make_staff(org_tree["city_dept"], Role.SERVICE_REVIEWER, username="reviewer")
    return ns
