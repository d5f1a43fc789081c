"""The catalogue's editorial loop in real Chromium: an editor edits a draft and submits it, the
reviewer publishes it from the queue, and the consistency report draws its charts.

Screenshots of each key page go to ``var/screenshots/catalog-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.catalog import services
from yiwang.catalog.choices import VersionStatus

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"catalog-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


def test_edit_submit_publish_and_the_report_in_chromium(live_server, page, migrated_data, cat):
    base = live_server.url
    item = services.implementation_create(
        actor=cat.xz_editor, basic_id=cat.basic.pk, organisation_id=cat.xz_dept.pk
    )
    version = item.versions.get()
    # a second place, published as the standard says, so the report has a row to compare
    other = services.implementation_create(
        actor=cat.dm_editor, basic_id=cat.basic.pk, organisation_id=cat.dm_dept.pk
    )
    other_version = other.versions.get()
    services.version_submit(actor=cat.dm_editor, version_id=other_version.pk)
    services.version_publish(actor=cat.reviewer, version_id=other_version.pk)

    # 1. The editor opens the item from the list, edits the draft and submits it.
    sign_in(page, base, cat.xz_editor.username)
    page.goto(f"{base}/catalog/items/")
    page.click(f"[data-testid=item-row][data-item='{item.pk}'] a")
    page.click("[data-testid=edit-draft]")
    page.fill("#id_promised_limit", "30")  # over the legal limit: refused on the field
    page.click("[data-testid=save]")
    page.wait_for_selector("#id_promised_limit.is-invalid")
    assert page.input_value("#id_promised_limit") == "30"
    page.fill("#id_promised_limit", "5")
    page.select_option("#id_visits", "0")
    page.fill("#id_deviation_reason", "本区推行全程网办，承诺时限压缩")
    shot(page, "edit")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=status-open]")
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW and version.promised_limit == 5

    # 2. The reviewer sees the change against the standard and publishes.
    sign_in(page, base, cat.reviewer.username)
    page.goto(f"{base}/catalog/review/")
    entry = page.locator(f"[data-testid=review-entry][data-version='{version.pk}']")
    entry.locator("[data-testid=diff] tr[data-element=promised_limit]").wait_for()
    shot(page, "review")
    entry.locator("[data-testid=publish]").click()
    page.wait_for_load_state()
    item.refresh_from_db()
    assert item.current_id == version.pk
    page.goto(f"{base}/catalog/items/{item.pk}/")
    page.locator("[data-testid=status-published]").wait_for()
    shot(page, "item")

    # 3. The consistency report draws both charts and lists the item with its deviation.
    page.goto(f"{base}/catalog/consistency/")
    page.wait_for_selector("#chart-district canvas")
    page.wait_for_selector("#chart-department canvas")
    page.locator(f"[data-testid=consistency-impl][data-code='{item.code}']").wait_for()
    shot(page, "consistency")
