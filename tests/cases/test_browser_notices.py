"""In real Chromium: the department accepts an application from its page and the citizen finds
the notice in their inbox, with the link to the case; a handler reveals the applicant's full
ID number and phone with "显示完整信息" (htmx swaps the fragment in) until the hourly limit,
whose 429 message is shown in place too.

Screenshots: ``var/screenshots/case-notice-*.png``.
"""

from __future__ import annotations

import pytest

from tests.cases.conftest import FOOD_FORM, food_files, id_number
from tests.cases.test_browser import shot, sign_in, submit
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.cases import services
from yiwang.cases.services import reveal

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_acceptance_notice_in_the_inbox_and_an_audited_reveal(
    live_server, page, migrated_data, cs, monkeypatch
):
    base = live_server.url
    # outside a test transaction: the receipt notice is sent after the real commit
    case = services.application_submit(
        actor=cs.citizen, item_id=cs.food.pk, form=FOOD_FORM, files=food_files()
    )
    number = case.number

    # the handler accepts from the case page
    sign_in(page, base, cs.handler.username)
    page.goto(f"{base}/cases/inbox/{number}/")
    page.wait_for_selector("[data-testid=form-accept]")
    assert "138****8000" in page.text_content("[data-testid=phone]")
    submit(page, "[data-testid=act-accept]")
    page.wait_for_selector(".alert-success")

    # 显示完整信息: the fragment replaces nothing else on the page
    monkeypatch.setattr(reveal, "REVEAL_LIMIT", 1)
    page.click("[data-testid=reveal]")
    page.wait_for_selector("[data-testid=pii-revealed]")
    assert page.text_content("[data-testid=full-id-number]").strip() == id_number(1)
    assert page.text_content("[data-testid=full-phone]").strip() == "13800138000"
    assert "138****8000" in page.text_content("[data-testid=phone]")  # the masked row stays
    shot(page, "notice-1-revealed")
    page.click("[data-testid=reveal]")  # over the limit: the 429 message takes its place
    page.wait_for_selector("[data-testid=pii-limited]")
    assert page.locator("[data-testid=pii-revealed]").count() == 0
    shot(page, "notice-2-limited")

    # the citizen's inbox: the receipt and the acceptance, newest first, linking to the case
    sign_in(page, base, cs.citizen.username)
    page.goto(f"{base}/inbox/")
    page.wait_for_selector("[data-testid=inbox-list]")
    items = page.locator("[data-testid=inbox-list] li")
    assert f"办件 {number} 已受理" in items.nth(0).text_content()
    assert f"办件 {number} 已接收" in items.nth(1).text_content()
    shot(page, "notice-3-inbox")
    with page.expect_navigation():
        page.click(f"text=办件 {number} 已受理")
    assert page.url == f"{base}/cases/mine/{number}/"
    page.wait_for_selector("[data-testid=case-status][data-status=accepted]")
