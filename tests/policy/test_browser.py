"""Acceptance in real Chromium (issue 5, acceptance 1): a policy officer writes an item with
the form-based rule builder, sees the live count of matching enterprises change as conditions
are added, sees the same rule as text, publishes; the push delivers it; the qualifying
enterprise's user finds it in the 政策计算器 and in the service desk's inbox, reads it, asks
the issuing department and gets the answer. A 免申即享 item grants the benefit to every
qualifying enterprise, which sees it, and the department marks it paid.

Screenshots go to ``var/screenshots/policy-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, drain_tasks
from tests.policy.conftest import DEMO_USCC
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.policy import rules
from yiwang.policy.choices import GrantStatus, ItemStatus, PushStatus
from yiwang.policy.models import Grant, PolicyItem, Push, Question
from yiwang.policy.orm import orm_match

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADD = "[data-testid=rule-group][data-path='r'] > div > [data-testid=add-condition]"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"policy-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")


def htmx(page, action) -> None:
    """Do ``action`` and wait until the preview it triggers has answered and been swapped in
    (a value typed into a row the answer then replaces would be lost)."""
    with page.expect_response(lambda r: "/policy/rules/preview/" in r.url):
        action()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def rule_text(page) -> str:
    return page.eval_on_selector("#rule-text", "e => e.value")


def wait_for_text(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#rule-text').value === t", arg=text)


def count(page) -> int:
    return int(page.get_attribute("[data-testid=rule-count]", "data-count"))


def expected(pol, text: str) -> int:
    return len(orm_match(rules.parse(text), city_id=pol.city.pk, today=timezone.localdate()))


def test_officer_builds_a_rule_sees_the_count_and_publishes(
    live_server, page, migrated_data, pol, published_doc
):
    base = live_server.url
    sign_in(page, base, pol.officer.username)

    # 1. The officer opens the document and starts a new item.
    page.goto(f"{base}/policy/")
    page.click(f"[data-testid=document-row][data-document='{published_doc.pk}'] a")
    page.click("[data-testid=new-item]")
    page.fill("#id_title", "软件企业研发奖励")
    page.select_option("#id_kind", "subsidy")
    page.fill("#id_benefit", "员工50人以上的软件和信息技术服务企业，奖励10万元。")
    page.fill("#id_amount_cap", "10")
    page.wait_for_selector("[data-testid=rule-empty]")

    # 2. First condition with the builder: employees ≥ 50.
    htmx(page, lambda: page.click(ADD))
    page.wait_for_selector("[data-testid=rule-row][data-path='r-0'] [data-testid=row-field]")
    htmx(page, lambda: page.select_option("#b-r-0-field", "employees"))
    htmx(page, lambda: page.select_option("#b-r-0-operator", ">="))
    page.fill("#b-r-0-value", "50")
    wait_for_text(page, "employees >= 50")
    page.wait_for_selector("[data-testid=rule-count]")
    first = count(page)
    assert first == expected(pol, "employees >= 50") > 0
    shot(page, "builder-one-condition")

    # 3. Second condition: industry under I (information and software); the count drops.
    htmx(page, lambda: page.click(ADD))
    page.wait_for_selector("#b-r-1-field")
    htmx(page, lambda: page.select_option("#b-r-1-field", "industry"))
    page.fill("#b-r-1-value", "I")
    wait_for_text(page, 'employees >= 50 and industry ^= "I"')
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=rule-count]').dataset.count !== '{first}'"
    )
    second = count(page)
    assert second == expected(pol, 'employees >= 50 and industry ^= "I"') < first
    shot(page, "builder-live-count")

    # 4. The text view is the same rule; a typing error shows where it is.
    page.fill("#rule-text", 'employees >= 50 and industry ^= "I" and')
    page.wait_for_selector("[data-testid=rule-error-caret]")
    caret = page.inner_text("[data-testid=rule-error-caret]").splitlines()
    assert caret[-1].index("^") == len('employees >= 50 and industry ^= "I" and')
    shot(page, "text-error")
    page.fill("#rule-text", 'employees >= 50 and industry ^= "I"')
    page.wait_for_selector("[data-testid=rule-count]")
    assert count(page) == second

    # 5. Save and publish.
    with page.expect_navigation():
        page.click("[data-testid=publish-item]")
    item = PolicyItem.objects.get(title="软件企业研发奖励")
    assert item.status == ItemStatus.PUBLISHED and item.version == 1
    assert item.rule_text == 'employees >= 50 and industry ^= "I"'
    page.wait_for_selector("[data-testid=rule-words]")
    shot(page, "item-published")

    # 6. The qualifying enterprise's user sees it in the policy calculator and why.
    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/calculator/")
    page.wait_for_selector(f"[data-testid=qualifying-item][data-item='{item.pk}']")
    shot(page, "calculator")
    page.goto(f"{base}/policy/items/{item.pk}/explain/?uscc={DEMO_USCC}")
    page.wait_for_selector("[data-testid=explanation][data-eligible=true]")
    shot(page, "explanation")

    # 7. The push (a worker's job; here the queue is drained): the officer's item page shows
    #    it delivered to the enterprises with users (the qualifying enterprise among them).
    drain_tasks()
    push = Push.objects.get(item=item, enterprise=pol.demo)
    assert push.status == PushStatus.DELIVERED
    sign_in(page, base, pol.officer.username)
    page.goto(f"{base}/policy/manage/items/{item.pk}/")
    page.wait_for_selector("[data-testid=push-panel]")
    assert int(page.inner_text("[data-testid=count-delivered]")) >= 1
    shot(page, "push-panel")

    # 8. The enterprise user finds it in the desk's inbox, unread; opening it reads it.
    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/desk/")
    row = page.locator(f"[data-testid=push-row][data-push='{push.pk}']")
    assert row.get_attribute("data-read") == "false"
    shot(page, "desk-inbox")
    with page.expect_navigation():
        row.locator("a").first.click()
    page.wait_for_selector("[data-testid=next-step]")
    shot(page, "desk-push")
    push.refresh_from_db()
    assert push.status == PushStatus.READ and push.read_by_id == pol.ent_user.pk

    # 9. …and asks the issuing department from the item's page.
    with page.expect_navigation():
        page.click("[data-testid=ask-link]")
    page.fill("[data-testid=ask-form] textarea", "研发投入是否包含委托外部机构的研发费用？")
    with page.expect_response(lambda r: "/ask/" in r.url):
        page.click("[data-testid=ask-submit]")
    page.wait_for_selector("[data-testid=ask-done]")
    question = Question.objects.get(item=item)
    assert question.enterprise_id == pol.demo.pk

    # 10. The officer answers in the queue; the enterprise reads the answer on its desk.
    sign_in(page, base, pol.officer.username)
    page.goto(f"{base}/policy/manage/questions/")
    row = page.locator(f"[data-testid=question-row][data-question='{question.pk}']")
    row.locator("textarea").fill("包含，按实际发生额的80%计入。")
    with page.expect_response(lambda r: "/answer/" in r.url):
        row.locator("[data-testid=answer-submit]").click()
    page.wait_for_selector("[data-testid=question-done]")
    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/desk/questions/")
    assert "按实际发生额的80%计入" in page.inner_text("[data-testid=question-answer]")
    shot(page, "desk-answer")


def test_exempt_item_grants_without_application_and_the_department_pays(
    live_server, page, migrated_data, pol, published_doc
):
    """免申即享: the officer publishes an item whose conditions the registry verifies; the push
    grants it to every qualifying enterprise; the enterprise sees its grant; the department
    marks the grants paid with a payment reference."""
    from yiwang.policy import services

    rule = 'holds "high_tech" and employees >= 50'
    item = services.item_create(
        actor=pol.officer,
        document_id=published_doc.pk,
        data={
            "title": "高新技术企业研发费用补助（免申即享）",
            "kind": "subsidy",
            "benefit": "按上年度研发投入的5%给予补助，最高20万元，无需申请。",
            "amount_cap": "20",
            "exempt_application": True,
        },
        rule_text=rule,
    )
    base = live_server.url
    sign_in(page, base, pol.officer.username)
    page.goto(f"{base}/policy/manage/items/{item.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=publish-item]")
    drain_tasks()
    matched = expected(pol, rule)
    assert Grant.objects.filter(item=item).count() == matched > 0
    grant = Grant.objects.get(item=item, enterprise=pol.demo)
    assert grant.status == GrantStatus.APPROVED and grant.amount == 20

    sign_in(page, base, pol.ent_user.username)
    page.goto(f"{base}/policy/desk/grants/")
    page.wait_for_selector(f"[data-testid=grant-row][data-grant='{grant.pk}']")
    shot(page, "desk-grants")

    sign_in(page, base, pol.officer.username)
    page.goto(f"{base}/policy/manage/items/{item.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=item-grants-link]")
    page.check(f"[data-testid=grant-row][data-grant='{grant.pk}'] input[name=grant_ids]")
    page.fill("#bulk-reference", "GK2026112900001")
    with page.expect_navigation():
        page.click("[data-testid=bulk-pay] button[type=submit]")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAID and grant.payment_reference == "GK2026112900001"
    shot(page, "grants-paid")
