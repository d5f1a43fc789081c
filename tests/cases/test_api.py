"""The cases API end to end (test client, real database and files): the whole workflow, every
bad input of the issue, scoping (404), illegal transitions (409), masking."""

from __future__ import annotations

import json
import logging

import pytest

from tests.cases.conftest import (
    BASE,
    FOOD_FORM,
    PDF,
    act,
    food_files,
    id_number,
    jpeg,
    pdf,
    submit,
)
from yiwang.cases.models import Case, Material
from yiwang.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


def test_the_whole_workflow_through_the_api(client, cs):
    client.force_login(cs.citizen)
    response = submit(client, cs.food)
    assert response.status_code == 201, response.content
    receipt = response.json()
    number = receipt["number"]
    assert receipt["status"] == "submitted"
    assert receipt["organisation"]["name"] == "香洲区市场监督管理局"
    assert sorted(m["slot"] for m in receipt["materials"]) == ["M01", "M03", "M04", "M05"]
    jpg = next(m for m in receipt["materials"] if m["slot"] == "M01")
    assert jpg["content_type"] == "image/jpeg" and len(jpg["sha256"]) == 64

    client.force_login(cs.handler)
    inbox = client.get(f"{BASE}/inbox").json()
    assert [c["number"] for c in inbox["items"]] == [number]
    body = act(
        client,
        number,
        "correct",
        items=[{"material": "M03", "reason": "申请书缺少签名"}, {"reason": "补充健康证明"}],
        note="请一次性补正",
    ).json()
    assert body["status"] == "correction" and len(body["corrections"][0]["items"]) == 2

    client.force_login(cs.citizen)
    mine = client.get(f"{BASE}/applications").json()
    assert [c["number"] for c in mine["items"]] == [number]
    missing = client.post(f"{BASE}/applications/{number}/actions/resubmit", {"M04": pdf()})
    body = _problem(missing, 422, "cases.missing_material")
    assert body["errors"][0]["field"] == "files.M03"
    response = client.post(f"{BASE}/applications/{number}/actions/resubmit", {"M03": pdf("v2.pdf")})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"

    client.force_login(cs.handler)
    for action, payload in [
        ("accept", {"note": "材料齐全"}),
        ("review", {"note": "书面审查通过"}),
        ("review", {}),
        ("decide", {"decision": "approve"}),
        ("complete", {}),
        ("deliver", {"method": "mail", "note": "EMS 1234"}),
    ]:
        response = act(client, number, action, **payload)
        assert response.status_code == 200, (action, response.content)
    case = response.json()
    assert case["status"] == "delivered" and case["decision"] == "approve"
    assert case["step_index"] == 3  # 受理, 审查, 现场核查
    assert [e["action"] for e in case["events"]] == [
        "submit",
        "correct",
        "resubmit",
        "accept",
        "review",
        "review",
        "decide",
        "complete",
        "deliver",
    ]
    assert case["events"][4]["note"] == "审查：书面审查通过"
    materials = {(m["slot"], m["superseded"]) for m in case["materials"]}
    assert ("M03", True) in materials and ("M03", False) in materials

    download = client.get(next(m["download_url"] for m in case["materials"] if m["slot"] == "M01"))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"


def test_forged_upload_type_is_refused(client, cs):
    client.force_login(cs.citizen)
    files = food_files()
    files["M03"] = pdf("apply.pdf", b"MZ\x90\x00 this is a windows program")  # exe named .pdf
    body = _problem(submit(client, cs.food, files=files), 422, "cases.material_type")
    assert body["errors"][0]["field"] == "files.M03"
    files = food_files()
    files["M04"] = pdf("layout.pdf", b"\xff\xd8\xff\xe0 jpeg bytes")  # a JPEG named .pdf
    body = _problem(submit(client, cs.food, files=files), 422, "cases.material_type_mismatch")
    assert body["errors"][0]["field"] == "files.M04"
    assert not Case.objects.exists() and not Material.objects.exists()


def test_oversize_upload_is_refused(client, cs):
    from yiwang.cases.models import ClockPolicy

    ClockPolicy.objects.update(active=False)
    ClockPolicy.objects.create(version=99, max_upload_mb=1)
    client.force_login(cs.citizen)
    files = food_files()
    files["M05"] = pdf("big.pdf", PDF + b"0" * (1024 * 1024))
    body = _problem(submit(client, cs.food, files=files), 422, "cases.material_too_large")
    assert body["errors"][0]["field"] == "files.M05" and "1 MB" in body["detail"]


def test_missing_required_materials_are_all_listed(client, cs):
    client.force_login(cs.citizen)
    body = _problem(submit(client, cs.food, files={"M01": jpeg()}), 422, "cases.missing_material")
    assert [e["field"] for e in body["errors"]] == ["files.M03", "files.M04", "files.M05"]


def test_conditional_material_is_required_when_its_condition_applies(client, cs):
    from yiwang.cases.services import form_definition_save

    client.force_login(cs.citizen)
    body = _problem(
        submit(client, cs.food, conditions=["M02"]), 422, "cases.missing_material"
    )  # 授权委托书: the applicant says someone else files for them
    assert [e["field"] for e in body["errors"]] == ["files.M02"]
    form_definition_save(
        actor=None,
        basic_code="010010004000",
        title="食品经营许可申请表",
        fields=[
            {"name": "address", "label": "经营场所", "type": "text", "required": True},
            {
                "name": "online_sales",
                "label": "网络经营",
                "type": "choice",
                "choices": ["是", "否"],
                "required": True,
            },
        ],
        material_conditions=[
            {
                "material": "食品安全管理人员培训考核合格证明",
                "field": "online_sales",
                "equals": "是",
            }
        ],
    )
    form = {"address": "香洲区凤凰北路1号", "online_sales": "是"}
    body = _problem(submit(client, cs.food, form=form), 422, "cases.missing_material")
    assert [e["field"] for e in body["errors"]] == ["files.M06"]
    files = {**food_files(), "M06": pdf("cert.pdf")}
    assert submit(client, cs.food, form=form, files=files).status_code == 201


def test_form_errors_are_per_field(client, cs):
    client.force_login(cs.enterprise)
    form = {"purpose": "x" * 1001, "phone": "12345", "uscc": "91440400MA0000001X", "color": "红"}
    body = _problem(submit(client, cs.food, form=form), 422, "cases.unknown_field")
    fields = {e["field"]: e["code"] for e in body["errors"]}
    assert fields == {
        "form.color": "cases.unknown_field",
        "form.uscc": "cases.invalid_field",
        "form.phone": "cases.invalid_field",
        "form.address": "cases.required",
        "form.purpose": "cases.invalid_field",
    }
    bad_json = client.post(f"{BASE}/applications", {"item_id": cs.food.pk, "form": "[1"})
    _problem(bad_json, 422, "cases.invalid_json")


def test_an_item_not_open_online_cannot_be_applied_for(client, cs):
    client.force_login(cs.citizen)
    body = _problem(submit(client, cs.offline), 422, "cases.not_online")
    assert body["errors"][0]["field"] == "item_id"
    assert "service window" in body["detail"] or "窗口" in body["detail"]
    _problem(client.post(f"{BASE}/applications", {"item_id": 999999}), 404, "not_found")


def test_another_applicants_case_is_not_found(client, cs):
    client.force_login(cs.citizen)
    number = submit(client, cs.food).json()["number"]
    client.force_login(cs.other)
    _problem(client.get(f"{BASE}/applications/{number}"), 404, "not_found")
    _problem(client.get(f"{BASE}/applications/SQ00000000000000"), 404, "not_found")
    _problem(act(client, number, "withdraw"), 404, "not_found")
    assert client.get(f"{BASE}/applications").json()["items"] == []
    client.logout()
    assert client.get(f"{BASE}/applications/{number}").status_code == 401


def test_a_department_acting_on_a_case_it_does_not_hold_gets_404(client, cs):
    client.force_login(cs.citizen)
    number = submit(client, cs.food).json()["number"]  # held by 香洲区市场监督管理局
    client.force_login(cs.dm_handler)
    _problem(act(client, number, "accept"), 404, "not_found")
    _problem(act(client, number, "decide", decision="approve"), 404, "not_found")
    _problem(client.get(f"{BASE}/applications/{number}"), 404, "not_found")
    assert client.get(f"{BASE}/inbox").json()["items"] == []
    client.force_login(cs.leader)  # sees the city's cases, may not handle them
    _problem(act(client, number, "accept"), 403, "cases.permission_denied")
    client.force_login(cs.citizen)  # applicants do not handle
    _problem(act(client, number, "accept"), 403, "cases.permission_denied")


def test_illegal_transitions_are_conflicts(client, cs):
    client.force_login(cs.citizen)
    number = submit(client, cs.food).json()["number"]
    client.force_login(cs.handler)
    body = _problem(
        act(client, number, "decide", decision="approve"), 409, "cases.illegal_transition"
    )
    assert "decide" in body["detail"] and "submitted" in body["detail"]
    _problem(act(client, number, "deliver", method="mail"), 409, "cases.illegal_transition")
    case = act(client, number, "accept").json()
    _problem(act(client, number, "accept"), 409, "cases.illegal_transition")
    _problem(
        act(client, number, "review", version=case["version"] - 1), 409, "cases.concurrent_change"
    )
    _problem(act(client, number, "decide", decision="deny"), 422, "cases.required")  # reasons
    act(client, number, "decide", decision="deny", reasons="不符合《食品安全法》第三十五条")
    client.force_login(cs.citizen)
    _problem(act(client, number, "withdraw"), 409, "cases.illegal_transition")
    client.force_login(cs.handler)
    act(client, number, "complete")
    _problem(act(client, number, "deliver", method="mail"), 409, "cases.nothing_to_deliver")
    _problem(act(client, number, "bogus"), 422, "invalid")


def test_refusal_says_where_to_go_and_withdrawal(client, cs):
    client.force_login(cs.citizen)
    first = submit(client, cs.food).json()["number"]
    second = submit(client, cs.food).json()["number"]
    client.force_login(cs.handler)
    _problem(act(client, first, "refuse"), 422, "cases.required")
    case = act(
        client, first, "refuse", reason="不属于本机关职权范围", refer_to="市市场监督管理局"
    ).json()
    assert case["status"] == "refused" and case["refer_to"] == "市市场监督管理局"
    client.force_login(cs.citizen)
    case = act(client, second, "withdraw", reason="不开店了").json()
    assert case["status"] == "withdrawn" and case["withdrawn_at"]


def test_agent_files_for_a_citizen(client, cs):
    client.force_login(cs.handler)  # 帮办代办 at the window
    response = submit(
        client, cs.food, form={**FOOD_FORM, "phone": "13700137000"}, applicant_id=cs.other.pk
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.applicant == cs.other and case.agent == cs.handler
    assert case.applicant_name == "李明" and case.reveal_id_number() == id_number(2)
    client.force_login(cs.other)
    detail = client.get(f"{BASE}/applications/{case.number}").json()
    assert detail["agent"] == "测试人员1"
    client.force_login(cs.citizen)
    _problem(submit(client, cs.food, applicant_id=cs.other.pk), 422, "cases.not_an_agent")
    client.force_login(cs.dm_handler)
    _problem(
        submit(client, cs.food, applicant_id=cs.citizen.pk + 10**6), 422, "cases.unknown_applicant"
    )


def test_identity_and_phone_are_masked_in_lists_and_logs(client, cs, caplog):
    client.force_login(cs.citizen)
    number = submit(client, cs.food).json()["number"]
    full_id = id_number(1)
    listed = client.get(f"{BASE}/applications").json()["items"][0]
    assert listed["applicant_identity"] == full_id[:4] + "*" * 10 + full_id[-4:]
    assert listed["phone"] == "138****8000"
    client.force_login(cs.handler)
    inbox = client.get(f"{BASE}/inbox").json()["items"][0]
    assert inbox["applicant_identity"].count("*") == 10 and inbox["phone"] == "138****8000"
    detail = client.get(f"{BASE}/applications/{number}")
    assert full_id not in detail.content.decode()
    entry = AuditLog.objects.get(action="cases.case.submit")
    logged = json.dumps(entry.changes, ensure_ascii=False)
    assert "13800138000" not in logged and "138****8000" in logged
    assert full_id not in logged
    case = Case.objects.get(number=number)
    assert full_id not in case.id_number_encrypted and case.reveal_id_number() == full_id
    from yiwang.core.pii import MaskPiiLogFilter

    record = logging.LogRecord(
        "cases", logging.INFO, "", 0, "filed %s %s", (full_id, case.phone), None
    )
    MaskPiiLogFilter().filter(record)
    assert full_id not in record.getMessage() and "138****8000" in record.getMessage()


def test_enterprise_applies_with_its_credit_code(client, cs):
    client.force_login(cs.enterprise)
    response = submit(client, cs.food)
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.applicant_kind == "legal_person" and case.uscc.startswith("91440400MA")
    assert case.applicant_name == "珠海格创餐饮有限公司" and case.contact_name == "王经办"
