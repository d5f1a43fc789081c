"""Acceptance of applications in real Chromium (issue 4): (a) a citizen finds 食品经营许可 by a
colloquial query, applies with materials, gets a 补正 notice, resubmits, the department accepts,
reviews, approves and completes, and the citizen rates the service; (b) an enterprise applies
for the 开餐饮店一件事 bundle and follows one case with the progress of each department.

Screenshots of each step go to ``var/screenshots/case-*.png``.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from tests.cases.conftest import FOOD, JPEG, PDF, id_number
from tests.conftest import PASSWORD
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.cases.models import Case

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FORMS = Path(__file__).resolve().parents[2] / "src/yiwang/cases/data/forms.json"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"case-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")


def _png(width: int = 240, height: int = 150) -> bytes:
    """A real PNG (a light card with a blue band) so the preview shows a picture."""
    rows = b"".join(
        b"\x00" + (b"\x1f\x4e\x99" if 20 <= y < 45 else b"\xee\xf1\xf5") * width
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload(page, code: str, name: str) -> None:
    if name.endswith(".png"):
        kind = ("image/png", _png())
    elif name.endswith(".jpg"):
        kind = ("image/jpeg", JPEG)
    else:
        kind = ("application/pdf", PDF)
    page.set_input_files(
        f"input[type=file][name='{code}']",
        files=[{"name": name, "mimeType": kind[0], "buffer": kind[1]}],
    )


@pytest.fixture
def city(cs):
    """The cases test city with the real application forms and the search index built."""
    from yiwang.cases.services import form_definition_save
    from yiwang.catalog.services.search_index import search_index_rebuild

    for spec in json.loads(FORMS.read_text())["forms"]:
        form_definition_save(
            actor=None,
            **{k: spec[k] for k in ("basic_code", "title", "fields")},
            material_conditions=spec.get("material_conditions", []),
        )
    search_index_rebuild(actor=None)
    return cs


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to (not the one still shown)."""
    with page.expect_navigation():
        page.click(selector)


def handler_act(page, base: str, number: str, action: str, fill=None) -> None:
    page.goto(f"{base}/cases/inbox/{number}/")
    page.wait_for_selector(f"[data-testid=form-{action}]")
    if fill:
        fill(page)
    submit(page, f"[data-testid=act-{action}]")
    page.wait_for_selector(".alert-success")


def test_citizen_finds_applies_corrects_is_approved_and_rates(
    live_server, page, migrated_data, city
):
    base = live_server.url

    # 1. The citizen asks the way people ask, and opens the item for 香洲区.
    sign_in(page, base, city.citizen.username)
    page.goto(f"{base}/services/search/?q=开饭店要办什么证")
    page.wait_for_selector(f"[data-testid=hit][data-code='{FOOD}']")
    shot(page, "1-search")
    page.click(f"[data-testid=hit][data-code='{FOOD}'] a")
    page.click(f"[data-testid=body][data-id='{city.food.pk}']")
    page.wait_for_selector(f"[data-testid=body][data-id='{city.food.pk}'][aria-current=true]")
    page.click("[data-testid=apply-online]")
    page.wait_for_selector("[data-testid=apply-form]")
    assert page.url == f"{base}/cases/apply/{city.food.pk}/"

    # 2. The form of 食品经营许可; one material forgotten: refused on it, typing kept.
    page.fill("[name=form-business_name]", "张记小吃店")
    page.fill("[name=form-premises]", "珠海市香洲区凤凰北路1号")
    page.select_option("[name=form-business_type]", "餐饮服务经营者")
    page.fill("[name=form-food_items]", "热食类食品制售")
    page.select_option("[name=form-online_sales]", "否")
    page.fill("[name=form-area]", "45")
    page.fill("[name=form-safety_manager]", "张晓梅")
    page.fill("[name=form-safety_manager_phone]", "13800138001")
    upload(page, "M01", "身份证.png")
    upload(page, "M03", "申请书.pdf")
    upload(page, "M04", "平面图.pdf")
    shot(page, "2-apply")
    submit(page, "[data-testid=apply-submit]")
    page.wait_for_selector("[data-testid=apply-errors]")
    assert page.locator("[data-testid=slot][data-code=M05] [data-testid=slot-error]").count() == 1
    assert page.input_value("[name=form-business_name]") == "张记小吃店"
    shot(page, "3-apply-missing-material")
    for code, name in (
        ("M01", "身份证.png"),
        ("M03", "申请书.pdf"),
        ("M04", "平面图.pdf"),
        ("M05", "制度.pdf"),
    ):
        upload(page, code, name)
    submit(page, "[data-testid=apply-submit]")
    page.wait_for_selector("[data-testid=receipt]")
    number = page.text_content("[data-testid=case-number]").strip()
    shot(page, "4-receipt")

    # 3. The department's inbox and case page; one notice listing every correction.
    sign_in(page, base, city.handler.username)
    page.goto(f"{base}/cases/inbox/")
    page.wait_for_selector(f"[data-testid=inbox-row][data-number='{number}']")
    shot(page, "5-inbox")
    page.click(f"[data-testid=inbox-row][data-number='{number}'] a")
    page.wait_for_selector("[data-testid=preview-image]")
    assert "138****8000" in page.text_content("[data-testid=phone]")
    shot(page, "6-handler-case")

    def correction(p):
        p.check("#corr-M03")
        p.fill("[name=reason_M03]", "申请书缺少法定代表人签字")
        p.fill("#corr-other", "请补充从业人员健康证明")

    handler_act(page, base, number, "correct", correction)

    # 4. The citizen reads the notice and sends the corrected material.
    sign_in(page, base, city.citizen.username)
    page.goto(f"{base}/cases/mine/{number}/")
    page.wait_for_selector("[data-testid=correction-notice]")
    assert page.locator("[data-testid=correction]").count() == 2
    shot(page, "7-correction-notice")
    upload(page, "M03", "申请书-已签字.pdf")
    submit(page, "[data-testid=resubmit]")
    page.wait_for_selector("[data-testid=case-status][data-status=submitted]")

    # 5. Accepted, reviewed step by step, approved, completed.
    sign_in(page, base, city.handler.username)
    handler_act(page, base, number, "accept")
    shot(page, "8-accepted")
    while page.locator("[data-testid=form-review]").count():
        submit(page, "[data-testid=act-review]")
        page.wait_for_selector(".alert-success")

    def approve(p):
        p.check("#decision-approve")
        p.fill("[name=reasons]", "经审查，符合食品经营许可条件")

    handler_act(page, base, number, "decide", approve)
    handler_act(page, base, number, "complete")
    shot(page, "9-completed-department")
    case = Case.objects.get(number=number)
    assert case.status == "completed" and case.decision == "approve"

    # 6. The citizen sees the decision as a page and rates the service.
    from yiwang.ratings import facade as ratings

    # 办结 recorded the 好差评 event: the citizen is invited to rate
    assert ratings.service_event_get(subject_app="cases", subject_key=number) is not None
    sign_in(page, base, city.citizen.username)
    page.goto(f"{base}/cases/mine/{number}/")
    page.wait_for_selector("[data-testid=rate-panel]")
    shot(page, "10-completed")
    page.click("[data-testid=document-link] >> nth=-1")
    page.wait_for_selector("[data-testid=document][data-kind=decision]")
    shot(page, "11-decision")
    page.goto(f"{base}/cases/mine/{number}/")
    page.click("[data-testid=rate-link]")
    page.wait_for_selector("[data-testid=rate-form]")
    page.click("label[data-level=very_satisfied]")
    shot(page, "12-rate")
    submit(page, "[data-testid=rate-submit]")
    page.wait_for_selector("[data-testid=rated-list]")
    assert ratings.service_event_get(subject_app="cases", subject_key=number).rated


def test_enterprise_applies_for_the_bundle_and_follows_one_case(
    live_server, page, migrated_data, city
):
    base = live_server.url
    sign_in(page, base, city.enterprise.username)
    page.goto(f"{base}/cases/bundles/LE10/apply/")
    page.wait_for_selector("[data-testid=apply-form]")
    values = {
        "phone": "13900139001",
        "id_number": id_number(7),
        "number": "30",
        "date": "2026-12-01",
        "email": "gc@example.com",
    }
    for field in page.locator("[data-testid=field]").all():
        control = field.locator("input, select, textarea").first
        kind = field.get_attribute("data-type")
        if kind == "choice":  # "否" keeps the conditional materials out of this test
            options = control.locator("option").all_text_contents()
            control.select_option("否" if "否" in options else options[1])
        elif not control.input_value():
            control.fill(values.get(kind, "珠海格创餐饮凤凰北路店"))
    for slot in page.locator("[data-testid=slot]:has([data-testid=required])").all():
        code = slot.get_attribute("data-code")
        upload(page, code, f"{code}.jpg" if code.startswith("S") else f"{code}.pdf")
    shot(page, "b1-bundle-apply")
    page.click("[data-testid=apply-submit]")
    page.wait_for_selector("[data-testid=receipt], [data-testid=apply-errors]")
    if page.locator("[data-testid=apply-errors]").count():
        shot(page, "b1-bundle-apply-errors")
        pytest.fail(page.text_content("[data-testid=apply-errors]"))
    assert page.locator("[data-testid=receipt-subs] li").count() == 5
    shot(page, "b2-bundle-receipt")
    page.click("[data-testid=to-case]")
    page.wait_for_selector("[data-testid=sub-cases]")
    assert page.locator("[data-testid=sub-case]").count() == 5
    parent = Case.objects.get(parent__isnull=True)
    from yiwang.cases import services

    fire = parent.sub_cases.get(organisation=city.city_fire)
    services.case_accept(actor=city.fire_handler, number=fire.number)
    page.reload()
    page.wait_for_selector("[data-testid=case-status][data-status=accepted]")
    shot(page, "b3-bundle-case")
