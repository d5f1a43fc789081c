"""联合办理: the 开餐饮店一件事 bundle — one parent case, sub-cases routed to each item's body,
materials uploaded once, one overall status and deadline."""

from __future__ import annotations

import json

import pytest

from tests.cases.conftest import BASE, FOOD_FORM, act, at, jpeg, pdf
from yiwang.cases import services
from yiwang.cases.choices import CaseStatus
from yiwang.cases.models import Case, Material
from yiwang.cases.services.joint import derived_status

pytestmark = pytest.mark.django_db


def _slots(cs):
    from yiwang.cases import slots
    from yiwang.catalog import facade as catalog

    bundle = catalog.bundle_get(code="LE10")
    items = [catalog.published_items_of_basic(basic_code=c)[0] for c in bundle.item_codes]
    return slots.bundle_slots(bundle.shared_materials, [i.materials for i in items])


def _files(cs):
    return {
        s.code: (jpeg(f"{s.code}.jpg") if s.shared else pdf(f"{s.code}.pdf"))
        for s in _slots(cs)
        if s.required
    }


def _apply(client, cs, **fields):
    body = {
        "bundle_code": "LE10",
        "form": json.dumps(FOOD_FORM, ensure_ascii=False),
        **{k: str(v) for k, v in fields.items()},
        **_files(cs),
    }
    return client.post(f"{BASE}/applications", body)


def test_slots_ask_for_each_material_once(cs):
    slots = _slots(cs)
    codes = [s.code for s in slots]
    assert codes[:3] == ["S01", "S02", "S03"]  # 经营者居民身份证, 经营场所使用证明, 场所平面布置图
    names = [s.name for s in slots]
    assert len(names) == len(set(names))  # 经营场所使用证明 and 场所平面布置图 are not asked again
    assert "I1-M04" not in codes  # 个体工商户登记's 经营场所使用证明 is the shared S02
    assert all(not s.name.startswith("营业执照") for s in slots)  # obtained by data sharing


def test_bundle_application_is_one_case_with_sub_cases_per_department(client, cs, clock):
    clock.set(at(2026, 11, 2, 9, 0))
    client.force_login(cs.enterprise)
    response = _apply(client, cs, district_id=cs.xz.pk)
    assert response.status_code == 201, response.content
    receipt = response.json()
    number = receipt["number"]
    assert receipt["item_name"] == "开餐饮店一件事" and len(receipt["sub_cases"]) == 5
    parent = Case.objects.get(number=number)
    subs = {c.basic_code: c for c in parent.sub_cases.all()}
    # routed: the district's bureau where it implements the item, else the city level
    assert subs["010010002000"].organisation == cs.xz_dept
    assert subs["010010004000"].organisation == cs.xz_dept
    assert subs["010190001000"].organisation == cs.city_fire
    assert parent.organisation == cs.xz_dept  # the lead department's body
    # one overall deadline: the bundle's 5 working days
    assert parent.deadline.astimezone(at(2026, 1, 1).tzinfo) == at(2026, 11, 9, 17, 30)
    assert Material.objects.filter(case=parent).count() == len(_files(cs))
    assert not Material.objects.filter(case__parent=parent).exists()  # uploaded once

    # the applicant sees one case; a sub-case number is not theirs to read
    mine = client.get(f"{BASE}/applications").json()["items"]
    assert [c["number"] for c in mine] == [number]
    assert client.get(f"{BASE}/applications/{number}-03").status_code == 404
    detail = client.get(f"{BASE}/applications/{number}").json()
    assert len(detail["sub_cases"]) == 5 and detail["status"] == "submitted"

    fire = subs["010190001000"]
    client.force_login(cs.fire_handler)
    inbox = client.get(f"{BASE}/inbox").json()["items"]
    assert [c["number"] for c in inbox] == [fire.number]
    seen = client.get(f"{BASE}/applications/{fire.number}").json()
    assert {m["slot"] for m in seen["materials"]} >= {"S01", "S02", "S03"}  # shared files
    assert client.get(f"{BASE}/applications/{subs['010010004000'].number}").status_code == 404
    response = act(client, number, "accept")  # the parent is handled through sub-cases
    assert response.status_code == 409 and response.json()["code"] == "cases.bundle_parent"

    # one sub-case asks for a correction: the applicant's case awaits correction
    slot = next(s.code for s in _slots(cs) if s.item_index == 3)
    act(client, fire.number, "correct", items=[{"material": slot, "reason": "消防制度缺页"}])
    client.force_login(cs.handler)
    act(client, subs["010010004000"].number, "accept")
    parent.refresh_from_db()
    assert parent.status == CaseStatus.CORRECTION

    clock.set(at(2026, 11, 4, 10, 0))
    client.force_login(cs.enterprise)
    response = client.post(
        f"{BASE}/applications/{number}/actions/resubmit", {slot: pdf("fire-v2.pdf")}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"  # one accepted, the rest awaiting
    fire.refresh_from_db()
    assert fire.status == CaseStatus.SUBMITTED and fire.received_at == at(2026, 11, 4, 10, 0)
    parent.refresh_from_db()
    # the overall limit restarts from the latest complete receipt: 5 working days after 4 Nov
    assert parent.deadline.astimezone(at(2026, 1, 1).tzinfo) == at(2026, 11, 11, 17, 30)

    # every department decides: the applicant's case completes when all sub-cases do
    handlers = {cs.xz_dept.pk: cs.handler, cs.city_fire.pk: cs.fire_handler}
    for sub in parent.sub_cases.order_by("number"):
        handler = handlers.get(sub.organisation_id)
        if handler is None:
            continue
        for action, payload in [
            ("accept", {}),
            ("decide", {"decision": "approve"}),
            ("complete", {}),
        ]:
            if action == "accept" and Case.objects.get(pk=sub.pk).status != "submitted":
                continue
            client.force_login(handler)
            assert act(client, sub.number, action, **payload).status_code == 200
    parent.refresh_from_db()
    assert parent.status == CaseStatus.REVIEWING  # 招牌 and 排水 are still open (city bodies)
    client.force_login(cs.enterprise)
    parent = Case.objects.get(pk=parent.pk)
    response = act(client, number, "withdraw", reason="only the licences already granted")
    assert response.status_code == 200
    statuses = dict(parent.sub_cases.values_list("basic_code", "status"))
    assert statuses["010180002000"] == "withdrawn" and statuses["010010004000"] == "completed"
    assert response.json()["status"] == "completed"


def test_bundle_without_district_goes_to_city_level_and_checks_online(client, cs):
    from yiwang.catalog.models import ImplementationVersion

    client.force_login(cs.enterprise)
    response = _apply(client, cs)
    assert response.status_code == 201, response.content
    parent = Case.objects.get(number=response.json()["number"])
    food = parent.sub_cases.get(basic_code="010010004000")
    assert food.organisation == cs.city_scj
    ImplementationVersion.objects.filter(item=cs.fire).update(online=False, online_depth=1)
    response = _apply(client, cs)
    assert response.status_code == 422 and response.json()["code"] == "cases.not_online"
    response = _apply(client, cs, district_id=cs.xz_dept.pk)
    assert response.json()["errors"][0]["field"] == "district_id"


def test_services_bundle_missing_shared_material(cs):
    from yiwang.core.errors import InvalidInput

    files = _files(cs)
    files.pop("S02")
    with pytest.raises(InvalidInput) as missing:
        services.bundle_submit(actor=cs.enterprise, bundle_code="LE10", form=FOOD_FORM, files=files)
    assert [e["field"] for e in missing.value.errors] == ["files.S02"]


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        (["submitted", "submitted"], "submitted"),
        (["correction", "accepted"], "correction"),
        (["accepted", "submitted"], "accepted"),
        (["reviewing", "decided"], "reviewing"),
        (["paused", "paused"], "paused"),
        (["decided", "completed"], "decided"),
        (["completed", "delivered"], "completed"),
        (["delivered", "withdrawn"], "delivered"),
        (["refused", "withdrawn"], "refused"),
        (["withdrawn", "withdrawn"], "withdrawn"),
    ],
)
def test_derived_status(children, expected):
    assert derived_status(children) == expected
