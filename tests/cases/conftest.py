"""Case fixtures: real demo catalogue items published by departments of the test city, the
开餐饮店一件事 bundle, applicants (two citizens, an enterprise), handlers of two bureaus and
helpers to upload small real PDF/JPEG files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PASSWORD
from yiwang.core.choices import OrgKind, Role
from yiwang.core.validators import id_number_check_char, uscc_check_char

BASE = "/api/v1/cases"
SH = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).resolve().parents[2] / "src/yiwang/catalog/data"
FOOD = "010010004000"  # 食品经营许可 (5 working days promised, 20 legal)
SOLE = "010010002000"  # 个体工商户登记
FIRE = "010190001000"  # 公众聚集场所投入使用、营业前消防安全检查
SIGN = "010180002000"  # 户外广告及招牌设置审批
DRAIN = "010120002000"  # 城镇污水排入排水管网许可
OFFLINE = "060010005000"  # placeholder code of an item published with online=false

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def id_number(seq: int) -> str:
    first = f"440402199001{seq % 28 + 1:02d}{seq % 1000:03d}"
    return first + id_number_check_char(first)


def uscc(seq: int) -> str:
    first = f"91440400MA{seq:07d}"[:17]
    return first + uscc_check_char(first)


def pdf(name: str = "a.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg(name: str = "a.jpg"):
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def at(*args) -> dt.datetime:
    """An aware instant in Beijing time."""
    return dt.datetime(*args, tzinfo=SH)


def _items() -> dict[str, dict]:
    data = json.loads((DATA / "basic_items.json").read_text())
    return {i["code"]: i for i in data["items"]}


def _bundle_event() -> dict:
    data = json.loads((DATA / "life_events.json").read_text())
    return next(e for e in data["life_events"] if e["code"] == "LE10")


@pytest.fixture
def publish(org_tree):
    """publish(code, org, **element overrides) → the published ImplementationItem."""
    from yiwang.catalog import elements as el
    from yiwang.catalog.choices import VersionStatus
    from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
    from yiwang.catalog.services.basic import standard_of
    from yiwang.catalog.services.versions import implementation_code
    from yiwang.core import facade as core

    items = _items()

    def make(code: str, org, **overrides):
        spec = items.get(code) or {**items[FOOD], "code": code, "name": "测试线下事项"}
        basic, _ = BasicItem.objects.get_or_create(
            code=code,
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "department": spec["department"],
                "implementing_levels": spec["implementing_levels"],
                "basis": spec["basis"],
                "audience": spec["audience"],
                "standard": standard_of(spec),
            },
        )
        elements = el.clean_elements({**standard_of(spec), **overrides})
        item = ImplementationItem.objects.create(
            basic=basic,
            organisation=org,
            code=implementation_code(basic, core.organisation_by_id(org.pk), ""),
        )
        version = ImplementationVersion.objects.create(
            item=item, number=1, status=VersionStatus.PUBLISHED, **elements
        )
        item.current = version
        item.save(update_fields=["current"])
        return item

    return make


@pytest.fixture
def cs(org_tree, make_staff, publish, db):
    """The test city with its bureaus, published items, a bundle, applicants and handlers."""
    from yiwang.catalog.models import Bundle, LifeEvent
    from yiwang.core.services.accounts import (
        citizen_register,
        enterprise_account_create,
        enterprise_user_register,
    )
    from yiwang.core.services.organisations import organisation_create

    ns = SimpleNamespace(**org_tree)

    def dept(name, code, parent):
        return organisation_create(
            actor=None, name=name, kind=OrgKind.DEPARTMENT, code=code, parent=parent
        )

    ns.city_scj = dept("市市场监督管理局", "t-scj", ns.city)
    ns.city_fire = dept("市消防救援支队", "t-fire", ns.city)
    ns.city_cg = dept("市城市管理和综合执法局", "t-cg", ns.city)
    ns.city_water = dept("市水务局", "t-water", ns.city)
    ns.food = publish(FOOD, ns.xz_dept)
    ns.food_dm = publish(FOOD, ns.dm_dept)
    ns.food_city = publish(FOOD, ns.city_scj)
    ns.offline = publish(OFFLINE, ns.xz_dept, online=False, online_depth=1, visits=1)
    ns.sole_city = publish(SOLE, ns.city_scj)
    ns.sole_xz = publish(SOLE, ns.xz_dept)
    ns.fire = publish(FIRE, ns.city_fire)
    ns.sign = publish(SIGN, ns.city_cg)
    ns.drain = publish(DRAIN, ns.city_water)
    spec = _bundle_event()
    event = LifeEvent.objects.create(code=spec["code"], name=spec["name"], audience="legal_person")
    bundle = spec["bundle"]
    ns.bundle = Bundle.objects.create(
        life_event=event,
        name=bundle["name"],
        item_codes=bundle["items"],
        shared_materials=bundle["shared_materials"],
        lead_department=bundle["lead_department"],
        promised_limit=bundle["promised_limit"]["value"],
        promised_limit_unit=bundle["promised_limit"]["unit"],
        visits=bundle["visits"],
    )
    ns.citizen = citizen_register(
        username="zhang",
        password=PASSWORD,
        real_name="张晓梅",
        id_number=id_number(1),
        mobile="13800138000",
    )
    ns.other = citizen_register(
        username="li", password=PASSWORD, real_name="李明", id_number=id_number(2)
    )
    account = enterprise_account_create(actor=None, uscc=uscc(1), name="珠海格创餐饮有限公司")
    ns.enterprise = enterprise_user_register(
        enterprise=account,
        username="gc-agent",
        password=PASSWORD,
        display_name="王经办",
        mobile="13900139000",
    )
    ns.handler = make_staff(ns.xz_dept, Role.CASE_HANDLER, username="xz-handler")
    ns.dm_handler = make_staff(ns.dm_dept, Role.CASE_HANDLER, username="dm-handler")
    ns.city_handler = make_staff(ns.city_scj, Role.CASE_HANDLER, username="scj-handler")
    ns.fire_handler = make_staff(ns.city_fire, Role.CASE_HANDLER, username="fire-handler")
    ns.leader = make_staff(ns.city, Role.LEADER, username="leader")
    return ns


def food_files() -> dict:
    """The four required materials of 食品经营许可 (M01, M03, M04, M05)."""
    return {
        "M01": jpeg("id.jpg"),
        "M03": pdf("apply.pdf"),
        "M04": pdf("layout.pdf"),
        "M05": pdf("rules.pdf"),
    }


FOOD_FORM = {"address": "珠海市香洲区凤凰北路1号", "purpose": "开设小吃店"}


def submit(client, item, files=None, form=None, **fields):
    """POST a multipart application through the API."""
    body = {
        "item_id": str(item.pk),
        "form": json.dumps(FOOD_FORM if form is None else form, ensure_ascii=False),
        **{k: (json.dumps(v) if isinstance(v, list | dict) else str(v)) for k, v in fields.items()},
        **(food_files() if files is None else files),
    }
    return client.post(f"{BASE}/applications", body)


def act(client, number, action, **payload):
    return client.post(
        f"{BASE}/applications/{number}/actions/{action}",
        json.dumps(payload, ensure_ascii=False),
        content_type="application/json",
    )


def buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(instant)`` fixes the services' notion of now (None: the real time)."""
    from yiwang.cases.services import common

    class Clock:
        value: dt.datetime | None = None

        def set(self, value: dt.datetime | None) -> None:
            self.value = value

        def __call__(self) -> dt.datetime:
            from django.utils import timezone

            return self.value or timezone.now()

    c = Clock()
    monkeypatch.setattr(common, "now", c)
    return c
