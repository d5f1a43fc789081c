"""The whole 12345 loop in real Chromium, as its users would walk it: the operator takes a call
on the intake screen with the keyboard and confirms the suggested unit; the unit's handler signs
and replies from the inbox; the operator approves from the board and calls back; the citizen
tracks the order; an enterprise user files online and finds it under "my requests".

Screenshots of each key page go to ``var/screenshots/hotline-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.conftest import PASSWORD
from tests.portal import conftest as portal_fixtures
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.hotline.choices import Status
from yiwang.hotline.models import WorkOrder

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

enterprise_user = portal_fixtures.enterprise_user
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = "13800138000"
CONTENT = "香洲区凤凰北路超市出售过期食品，请查处。"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hotline-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


def focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


def test_the_whole_loop_in_chromium(live_server, page, migrated_data, hl, enterprise_user):
    base = live_server.url

    # 1. The operator takes the call: phone → name → category → content → address by Tab.
    sign_in(page, base, hl.operator.username)
    page.goto(f"{base}/hotline/intake/")
    assert focused_name(page) == "contact_phone"
    page.keyboard.type(PHONE)
    page.keyboard.press("Tab")
    assert focused_name(page) == "requester_name"
    page.keyboard.type("张三")
    page.keyboard.press("Tab")
    assert focused_name(page) == "category"
    page.select_option("#id_category", "complaint")
    page.keyboard.press("Tab")
    assert focused_name(page) == "content"
    page.keyboard.type(CONTENT)
    page.keyboard.press("Tab")
    assert focused_name(page) == "address"
    page.keyboard.type("珠海市香洲区凤凰北路1号")
    suggestion = page.locator("[data-testid=suggestion]").first
    suggestion.wait_for()
    assert hl.xz_dept.name in suggestion.inner_text()
    page.keyboard.press("Alt+1")  # confirm the top suggestion
    page.wait_for_selector("[data-testid=suggestion][aria-pressed=true]")
    assert hl.xz_dept.name in page.inner_text("[data-testid=confirmed-unit]")
    shot(page, "intake")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-testid=intake-created]")
    number = page.inner_text("[data-testid=created-number]").strip()
    assert page.inner_text("[data-testid=created-unit]").strip() == hl.xz_dept.name
    order = WorkOrder.objects.get(number=number)
    assert order.status == Status.DISPATCHED and order.lead_unit_id == hl.xz_dept.pk

    # 2. The unit's handler finds it in the inbox, signs for it and replies.
    sign_in(page, base, hl.handler.username)
    page.goto(f"{base}/workbench/")
    page.wait_for_selector("[data-testid=tasks]")
    page.click("[data-testid=tasks] a[href*='/hotline/inbox/']")
    row = page.locator(f"[data-testid=order-row][data-number='{number}']")
    row.wait_for()
    assert row.locator(".yw-countdown").inner_text().strip()
    shot(page, "inbox")
    row.locator(f"a:has-text('{number}')").click()
    page.click("[data-testid=act-sign]")
    page.wait_for_selector("[data-testid=form-reply]")
    page.fill("#reply-result", "已到现场检查，过期食品已下架并立案处罚。")
    page.click("[data-testid=act-reply]")
    page.wait_for_selector("[data-testid=reply]")
    shot(page, "detail")

    # 3. The operator reviews from the board, approves, calls back and rates.
    sign_in(page, base, hl.operator.username)
    page.goto(f"{base}/hotline/board/")
    replies = page.locator("[data-testid=section-replies]")
    replies.locator(f"[data-number='{number}']").wait_for()
    shot(page, "board")
    replies.locator(f"a:has-text('{number}')").click()
    page.click("[data-testid=act-approve]")
    page.wait_for_selector("[data-testid=form-callback]")
    page.check("#rating-very_satisfied")
    page.check("#cb-solved")
    page.click("[data-testid=act-callback]")
    page.wait_for_selector("[data-testid=rating]")
    order.refresh_from_db()
    assert order.status == Status.CALLED_BACK and order.rating == "very_satisfied"

    # 4. The citizen tracks the order and sees it closed and rated.
    page.context.clear_cookies()
    page.goto(f"{base}/hotline/track/")
    page.fill("input[name=number]", number)
    page.fill("input[name=phone]", PHONE)
    page.click("[data-testid=track-submit]")
    page.wait_for_selector("[data-testid=track-result]")
    with translation.override("zh-hans"):
        label = str(Status.CALLED_BACK.label)
    assert page.inner_text("[data-testid=track-status]").strip() == label

    # 5. An enterprise user files online and finds it under "my requests".
    sign_in(page, base, enterprise_user.username)
    page.goto(f"{base}/")
    page.click("[data-testid=hotline-new]")
    page.wait_for_selector("[data-testid=enterprise-lane]")
    page.select_option("#id_category", "consult")
    page.fill("#id_content", "企业社保缴费基数怎么调整？")
    page.fill("#id_contact_phone", "13912345678")
    page.click("[data-testid=public-submit]")
    page.wait_for_selector("[data-testid=order-number]")
    filed = page.inner_text("[data-testid=order-number]").strip()
    page.goto(f"{base}/hotline/mine/")
    page.locator(f"[data-testid=mine-row]:has-text('{filed}')").wait_for()
    shot(page, "mine")
    mine = WorkOrder.objects.get(number=filed)
    assert mine.lane == "enterprise" and mine.owner_id == enterprise_user.pk


def test_the_centre_edits_its_catalogue_and_policies_in_chromium(
    live_server, page, migrated_data, hl
):
    """派单目录 and 时限规则 pages: a new rule routes the next order; a policy revision shows
    as a new version; the transfers page renders. Screenshots of the three pages."""
    from yiwang.hotline.models import DispatchRule, SlaPolicy
    from yiwang.hotline.services import work_order_create

    base = live_server.url
    sign_in(page, base, hl.operator.username)
    page.goto(f"{base}/hotline/catalogue/new/")
    page.fill("#id_name", "噪音扰民")
    page.select_option("#id_category", "complaint")
    page.fill("#id_keywords", "噪音、施工扰民")
    page.select_option("#id_lead_unit_id", str(hl.housing.pk))
    page.fill("#id_priority", "5")
    page.click("[data-testid=rule-save]")
    page.wait_for_load_state()
    rule = DispatchRule.objects.get(name="噪音扰民", active=True)
    assert rule.keywords == ["噪音", "施工扰民"] and rule.lead_unit_id == hl.housing.pk
    page.goto(f"{base}/hotline/catalogue/")
    assert "噪音扰民" in page.inner_text("main")
    shot(page, "catalogue")
    order, _created = work_order_create(
        actor=hl.operator,
        channel="phone",
        category="complaint",
        requester_name="李四",
        contact_phone="13800138111",
        content="工地夜间施工扰民，噪音很大。",
    )
    assert order.lead_unit_id == hl.housing.pk and order.dispatch_rule_id == rule.pk

    policy = SlaPolicy.objects.get(lane="general", category="complaint", active=True)
    page.goto(f"{base}/hotline/sla-policies/general/complaint/")
    page.fill("#id_handle_days", str(policy.handle_days + 1))
    page.click("[data-testid=sla-save]")
    page.wait_for_load_state()
    revised = SlaPolicy.objects.get(lane="general", category="complaint", active=True)
    assert revised.version == policy.version + 1
    assert revised.handle_days == policy.handle_days + 1
    page.goto(f"{base}/hotline/sla-policies/")
    shot(page, "sla-policies")
    page.goto(f"{base}/hotline/transfers/")
    assert page.locator("h1").count() == 1
    shot(page, "transfers")
