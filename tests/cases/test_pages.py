"""The application pages through the test client (real database, real files): applying with
the item's form and materials, every bad input reachable from the pages, my cases, the 补正
round, the department's inbox, case page and action forms, previews and documents — and the
scoping: someone else's case and a case the department does not hold are 404."""

from __future__ import annotations

import pytest

from tests.cases.conftest import (
    FOOD,
    FOOD_FORM,
    PDF,
    at,
    food_files,
    jpeg,
    pdf,
)
from yiwang.cases import services
from yiwang.cases.models import Case, Material

pytestmark = pytest.mark.django_db

FORM = {f"form-{k}": v for k, v in FOOD_FORM.items()}


def _apply(client, item, files=None, **extra):
    return client.post(
        f"/cases/apply/{item.pk}/", {**FORM, **(food_files() if files is None else files), **extra}
    )


def _case(cs, actor=None, item=None) -> Case:
    return services.application_submit(
        actor=actor or cs.citizen, item_id=(item or cs.food).pk, form=FOOD_FORM, files=food_files()
    )


def _html(response, status=200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.content.decode()


# --- applying ------------------------------------------------------------------------------


def test_apply_page_renders_the_form_and_one_upload_per_material(english_client, cs):
    english_client.force_login(cs.citizen)
    html = _html(english_client.get(f"/cases/apply/{cs.food.pk}/"))
    assert 'name="form-address"' in html and 'name="form-purpose"' in html
    assert 'name="form-id_number"' not in html  # the verified identity is shown, not typed
    assert "4404**********" in html and "张晓梅" in html
    assert 'name="form-uscc"' not in html  # a field of legal persons only
    for code in ("M01", "M03", "M04", "M05"):
        assert f'data-code="{code}"' in html and f'name="{code}"' in html
    assert html.count('data-testid="required"') == 4
    assert "at most 20 MB per file" in html and 'accept=".pdf,.jpg' in html
    assert 'value="13800138000"' in html  # the account's mobile as the contact phone


def test_apply_submits_and_shows_the_receipt(english_client, cs):
    english_client.force_login(cs.citizen)
    response = _apply(english_client, cs.food)
    case = Case.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/cases/mine/{case.number}/receipt/"
    )
    html = _html(english_client.get(response["Location"]))
    assert case.number in html and "What happens next" in html
    assert case.acceptance_deadline is not None and 'data-testid="acceptance-deadline"' in html
    assert sorted(Material.objects.values_list("slot", flat=True)) == ["M01", "M03", "M04", "M05"]
    assert case.form_data["address"] == FOOD_FORM["address"]


def test_missing_required_material_keeps_what_was_typed(english_client, cs):
    english_client.force_login(cs.citizen)
    files = food_files()
    del files["M03"], files["M05"]
    html = _html(_apply(english_client, cs.food, files=files, **{"form-purpose": ""}), 422)
    assert "Missing material" in html and html.count('data-testid="slot-error"') == 2
    assert 'value="珠海市香洲区凤凰北路1号"' in html  # typed value kept
    assert "choose every file again" in html
    assert "is required" in html  # the emptied purpose, on its field, in the same round
    assert not Case.objects.exists() and not Material.objects.exists()


def test_forged_type_is_refused_on_its_material(english_client, cs):
    english_client.force_login(cs.citizen)
    files = food_files()
    files["M04"] = pdf("layout.pdf", b"MZ\x90\x00 a windows program")
    html = _html(_apply(english_client, cs.food, files=files), 422)
    assert "This file type is not accepted" in html
    assert 'data-code="M04"' in html and "yw-upload mb-3 is-invalid" in html
    files = food_files()
    files["M04"] = pdf("layout.pdf", b"\xff\xd8\xff\xe0 jpeg bytes")  # JPEG named .pdf
    html = _html(_apply(english_client, cs.food, files=files), 422)
    assert "does not match its content" in html
    assert not Case.objects.exists()


def test_oversize_upload_is_refused(english_client, cs):
    from yiwang.cases.models import ClockPolicy

    ClockPolicy.objects.update(active=False)
    ClockPolicy.objects.create(version=99, max_upload_mb=1)
    english_client.force_login(cs.citizen)
    files = food_files()
    files["M05"] = pdf("big.pdf", PDF + b"0" * (1024 * 1024))
    html = _html(_apply(english_client, cs.food, files=files), 422)
    assert "larger than 1 MB" in html and "at most 1 MB per file" in html
    assert not Case.objects.exists()


def test_item_not_online_says_where_to_go(english_client, cs):
    english_client.force_login(cs.citizen)
    html = _html(english_client.get(f"/cases/apply/{cs.offline.pk}/"))
    assert 'data-testid="not-online"' in html and "service window" in html
    assert f"/services/items/{cs.offline.basic.code}/?at={cs.offline.pk}#s-places" in html
    assert 'data-testid="apply-form"' not in html
    html = _html(_apply(english_client, cs.offline), 422)  # a forged POST is refused too
    assert not Case.objects.exists()
    assert english_client.get("/cases/apply/999999/").status_code == 404


def test_apply_needs_an_applicant_or_an_agent(client, cs, make_staff, org_tree):
    from yiwang.core.choices import Role

    response = client.get(f"/cases/apply/{cs.food.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(cs.leader)  # staff without cases.assist
    assert client.get(f"/cases/apply/{cs.food.pk}/").status_code == 403
    editor = make_staff(org_tree["city"], Role.SERVICE_EDITOR)
    client.force_login(editor)
    assert client.get(f"/cases/apply/{cs.food.pk}/").status_code == 403


def test_an_agent_files_for_a_citizen(english_client, cs):
    english_client.force_login(cs.handler)
    html = _html(english_client.get(f"/cases/apply/{cs.food.pk}/"))
    assert 'data-testid="agent-lookup"' in html and 'data-testid="apply-form"' not in html
    html = _html(english_client.get(f"/cases/apply/{cs.food.pk}/?applicant=nobody"))
    assert "No such citizen or enterprise account" in html
    html = _html(english_client.get(f"/cases/apply/{cs.food.pk}/?applicant=13800138000"))
    assert f'name="applicant_id" value="{cs.citizen.pk}"' in html
    response = _apply(english_client, cs.food, applicant_id=cs.citizen.pk)
    assert response.status_code == 302, response.content[:300]
    case = Case.objects.get()
    assert case.applicant_id == cs.citizen.pk and case.agent_id == cs.handler.pk
    html = _html(english_client.get("/cases/mine/"))  # the agent's filings
    assert case.number in html and "张晓梅" in html


# --- my cases ------------------------------------------------------------------------------


def test_my_cases_list_and_page(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.citizen)
    html = _html(english_client.get("/cases/mine/"))
    assert case.number in html and "Received, awaiting acceptance" in html
    html = _html(english_client.get(f"/cases/mine/{case.number}/"))
    assert "To be accepted by" in html and 'data-testid="withdraw-form"' in html
    assert html.count('data-testid="material"') == 4
    assert _html(english_client.get("/cases/mine/?status=nonsense"))  # ignored, not a 500


def test_someone_elses_case_is_not_found(client, cs):
    case = _case(cs)
    material = Material.objects.filter(case=case).first()
    client.force_login(cs.other)
    for url in (
        f"/cases/mine/{case.number}/",
        f"/cases/mine/{case.number}/receipt/",
        f"/cases/mine/{case.number}/materials/{material.pk}/",
        f"/cases/mine/{case.number}/documents/acceptance/",
        "/cases/mine/SQ%00/",
        "/cases/mine/" + "9" * 40 + "/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/cases/mine/{case.number}/withdraw/", f"/cases/mine/{case.number}/resubmit/"):
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    assert Case.objects.get().status == "submitted"
    # a handler of the holding department does not see it as "mine" either
    client.force_login(cs.handler)
    assert client.get(f"/cases/mine/{case.number}/").status_code == 404


def test_correction_round_from_the_pages(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.handler)
    response = english_client.post(
        f"/cases/inbox/{case.number}/act/",
        {
            "action": "correct",
            "version": case.version,
            "material": ["M03", "M04"],
            "reason_M03": "申请书缺少签名",
            "reason_M04": "平面图不清晰",
            "other": ["补充健康证明", ""],
            "note": "请一次性补正",
        },
    )
    assert response.status_code == 302, response.content[:500]
    english_client.force_login(cs.citizen)
    html = _html(english_client.get(f"/cases/mine/{case.number}/"))
    assert 'data-testid="correction-notice"' in html
    for text in ("申请书缺少签名", "平面图不清晰", "补充健康证明", "Correct by"):
        assert text in html
    assert html.count('data-testid="resubmit-file"') == 2
    url = f"/cases/mine/{case.number}/resubmit/"
    case.refresh_from_db()
    html = _html(english_client.post(url, {"version": case.version, "M03": pdf("v2.pdf")}), 422)
    assert "Missing material" in html  # M04 too
    response = english_client.post(
        url, {"version": case.version, "M03": pdf("v2.pdf"), "M04": pdf("v2.pdf")}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    html = _html(english_client.get(f"/cases/mine/{case.number}/documents/correction/"))
    assert "申请书缺少签名" in html and "Notice to correct the materials" in html


def test_withdraw_from_the_page(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.citizen)
    response = english_client.post(
        f"/cases/mine/{case.number}/withdraw/", {"version": case.version, "reason": "不办了"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    html = _html(english_client.get(f"/cases/mine/{case.number}/"))
    assert 'data-testid="withdraw-form"' not in html
    # withdrawing again: the state allows it no more
    html = _html(
        english_client.post(f"/cases/mine/{case.number}/withdraw/", {"version": case.version}),
        409,
    )
    assert "not possible in the case" in html


# --- the department ------------------------------------------------------------------------


def test_inbox_orders_by_urgency_and_filters(english_client, cs, clock):
    clock.set(at(2026, 11, 2, 9, 0))
    first = _case(cs)
    clock.set(at(2026, 11, 3, 9, 0))
    second = _case(cs)
    services.case_accept(actor=cs.handler, number=second.number)
    clock.set(None)
    english_client.force_login(cs.handler)
    html = _html(english_client.get("/cases/inbox/?status=accepted"))
    assert second.number in html and first.number not in html
    html = _html(english_client.get("/cases/inbox/?status=submitted"))
    assert first.number in html and second.number not in html

    from yiwang.cases.services import case_sweep

    case_sweep(actor=None)  # far past their limits by now: both red, the first deemed accepted
    html = _html(english_client.get("/cases/inbox/"))
    assert html.count('data-testid="warning" data-level="red"') == 2 and "table-danger" in html
    assert "Red warning (overdue)" in html
    html = _html(english_client.get(f"/cases/inbox/?item={FOOD}&warning=red"))
    assert first.number in html and second.number in html
    html = _html(english_client.get("/cases/inbox/?warning=yellow"))
    assert first.number not in html and 'data-testid="inbox-empty"' in html
    html = _html(english_client.get("/cases/inbox/?item=nonsense&warning=purple&page=x"))
    assert first.number in html  # odd filters are ignored
    english_client.force_login(cs.dm_handler)
    assert first.number not in _html(english_client.get("/cases/inbox/"))


def test_inbox_needs_the_handler_role(client, cs):
    assert client.get("/cases/inbox/").status_code == 302
    client.force_login(cs.citizen)
    assert client.get("/cases/inbox/").status_code == 403


def test_case_page_masks_personal_numbers_and_previews_materials(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.handler)
    html = _html(english_client.get(f"/cases/inbox/{case.number}/"))
    assert "138****8000" in html and "13800138000" not in html
    assert case.reveal_id_number() not in html and case.id_number_masked in html
    assert 'data-testid="preview-image"' in html and html.count('data-testid="preview-pdf"') == 3
    assert "/media/" not in html
    jpg = Material.objects.get(case=case, slot="M01")
    response = english_client.get(f"/cases/inbox/{case.number}/materials/{jpg.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "inline" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    for form in ("accept", "correct", "refuse"):
        assert f'data-testid="form-{form}"' in html
    for form in ("decide", "complete", "deliver", "resume"):
        assert f'data-testid="form-{form}"' not in html


def test_a_case_not_held_is_not_found(client, cs):
    case = _case(cs)
    jpg = Material.objects.get(case=case, slot="M01")
    client.force_login(cs.dm_handler)
    assert client.get(f"/cases/inbox/{case.number}/").status_code == 404
    assert client.get(f"/cases/inbox/{case.number}/materials/{jpg.pk}/").status_code == 404
    response = client.post(
        f"/cases/inbox/{case.number}/act/",
        {"action": "decide", "version": case.version, "decision": "approve"},
    )
    assert response.status_code == 404
    assert client.get("/cases/inbox/SQ20260101999999/").status_code == 404
    case.refresh_from_db()
    assert case.status == "submitted" and not case.decision
    # filed as an agent (seen) but held by another department: still 404 on the inbox pages
    filed = services.application_submit(
        actor=cs.dm_handler,
        applicant_id=cs.citizen.pk,
        item_id=cs.food.pk,
        form=FOOD_FORM,
        files=food_files(),
    )
    assert client.get(f"/cases/inbox/{filed.number}/").status_code == 404


def test_illegal_action_is_a_409_message(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.handler)
    html = _html(
        english_client.post(
            f"/cases/inbox/{case.number}/act/",
            {"action": "decide", "version": case.version, "decision": "approve"},
        ),
        409,
    )
    assert "not possible in the case" in html
    case.refresh_from_db()
    assert case.status == "submitted" and not case.decision


def test_stale_form_gets_a_message_instead_of_overwriting(english_client, cs):
    case = _case(cs)
    seen = case.version
    services.case_refuse(actor=cs.handler, number=case.number, reason="非本机关职权")
    english_client.force_login(cs.handler)
    html = _html(
        english_client.post(
            f"/cases/inbox/{case.number}/act/", {"action": "accept", "version": seen}
        ),
        409,
    )
    assert "Someone else changed this case" in html
    case.refresh_from_db()
    assert case.status == "refused" and case.accepted_at is None


def test_bad_action_input_keeps_what_was_typed(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.handler)
    url = f"/cases/inbox/{case.number}/act/"
    html = _html(
        english_client.post(url, {"action": "refuse", "version": case.version, "refer_to": "市局"}),
        422,
    )
    assert "This is required." in html and 'value="市局"' in html
    html = _html(
        english_client.post(
            url, {"action": "correct", "version": case.version, "material": ["M03"]}
        ),
        422,
    )
    assert "Say what is to be corrected" in html
    html = _html(english_client.post(url, {"action": "correct", "version": "x"}), 422)
    assert "outdated" in html
    html = _html(english_client.post(url, {"action": "fly", "version": case.version}), 422)
    assert "Unknown action" in html


def test_the_whole_department_loop_from_the_pages(english_client, cs):
    case = _case(cs)
    english_client.force_login(cs.handler)
    url = f"/cases/inbox/{case.number}/act/"

    def act(action, **data):
        case.refresh_from_db()
        response = english_client.post(url, {"action": action, "version": case.version, **data})
        assert response.status_code == 302, (action, response.content[:800])

    act("accept", note="材料齐全")
    html = _html(english_client.get(f"/cases/inbox/{case.number}/"))
    assert 'data-testid="form-review"' in html and 'data-testid="form-extend"' in html
    act("pause", reason="testing", note="送检")
    act("resume")
    act("extend", reason="情况复杂", approver="王局长")
    html = _html(english_client.get(f"/cases/inbox/{case.number}/"))
    assert 'data-testid="form-extend"' not in html  # once only
    while 'data-testid="form-review"' in html:
        act("review", note="通过")
        html = _html(english_client.get(f"/cases/inbox/{case.number}/"))
    act("decide", decision="approve", reasons="符合条件")
    act("complete")
    act("deliver", method="electronic")
    case.refresh_from_db()
    assert case.status == "delivered" and case.decision == "approve"
    html = _html(english_client.get(f"/cases/inbox/{case.number}/documents/decision/"))
    assert "Decision to grant" in html
    english_client.force_login(cs.citizen)
    html = _html(english_client.get(f"/cases/mine/{case.number}/"))
    for kind in ("acceptance", "decision"):
        assert f"/cases/mine/{case.number}/documents/{kind}/" in html
    html = _html(english_client.get(f"/cases/mine/{case.number}/documents/acceptance/"))
    assert "has been accepted" in html
    assert english_client.get(f"/cases/mine/{case.number}/documents/refusal/").status_code == 404
    assert english_client.get(f"/cases/mine/{case.number}/documents/nope/").status_code == 404


# --- a bundle ------------------------------------------------------------------------------


def _bundle_files(cs) -> dict:
    from yiwang.cases import slots
    from yiwang.catalog import facade as catalog

    bundle = catalog.bundle_get(code="LE10")
    items = [catalog.published_items_of_basic(basic_code=c)[0] for c in bundle.item_codes]
    return {
        s.code: (jpeg(f"{s.code}.jpg") if s.shared else pdf(f"{s.code}.pdf"))
        for s in slots.bundle_slots(bundle.shared_materials, [i.materials for i in items])
        if s.required
    }


def test_bundle_apply_page_and_one_case_with_progress_per_department(english_client, cs):
    english_client.force_login(cs.enterprise)
    html = _html(english_client.get("/cases/bundles/LE10/apply/"))
    assert html.count('data-testid="bundle-item"') == 5
    assert "Shared materials (uploaded once for every item)" in html
    assert 'data-code="S01"' in html and html.count('data-testid="material-group"') >= 3
    assert 'name="form-contact_name"' in html and 'name="form-uscc"' not in html
    response = english_client.post("/cases/bundles/LE10/apply/", {**FORM, **_bundle_files(cs)})
    assert response.status_code == 302, response.content[:2000]
    parent = Case.objects.get(parent__isnull=True)
    assert parent.sub_cases.count() == 5
    html = _html(english_client.get(f"/cases/mine/{parent.number}/"))
    assert html.count('data-testid="sub-case"') == 5
    assert "市消防救援支队" in html and "Progress per department" in html
    sub = parent.sub_cases.order_by("number").first()
    assert english_client.get(f"/cases/mine/{sub.number}/").status_code == 404
    html = _html(english_client.get("/cases/mine/"))
    assert parent.number in html and sub.number not in html


def test_bundle_apply_odd_codes_and_districts(client, cs):
    client.force_login(cs.enterprise)
    assert client.get("/cases/bundles/NOPE/apply/").status_code == 404
    assert client.get("/cases/bundles/%E4%B8%AD/apply/").status_code == 404
    assert client.get("/cases/bundles/LE10/apply/?district=abc").status_code == 200
    html = _html(client.get(f"/cases/bundles/LE10/apply/?district={cs.xz.pk}"))
    assert "香洲区市场监督管理局" in html
