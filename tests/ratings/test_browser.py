"""好差评 in real Chromium: a citizen opens the link to a completed service, rates it 差评 with
the dimensions, the department verifies it and plans a rectification, and the public
statistics draw their charts.

Screenshots of each key page go to ``var/screenshots/ratings-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.ratings import services
from yiwang.ratings.models import Rating

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ratings-{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


def test_rate_a_service_handle_the_negative_rating_and_see_the_statistics(
    live_server, page, migrated_data, rt, make_event
):
    base = live_server.url
    event = make_event(channel="window", item_name="个体工商户登记")
    for _ in range(3):  # some good ratings so the statistics have a shape
        good = make_event(user=rt.other)
        services.rating_submit(actor=rt.other, event_id=good.pk, level="very_satisfied")

    # 1. The citizen opens "my services to rate" and follows the link to the form.
    sign_in(page, base, rt.citizen.username)
    page.goto(f"{base}/ratings/mine/")
    page.locator(f"[data-testid=pending-row][data-event='{event.pk}']").wait_for()
    shot(page, "mine")
    page.click(f"[data-testid=pending-row][data-event='{event.pk}'] [data-testid=rate-link]")
    page.wait_for_selector("[data-testid=rate-form]")
    page.click("label[data-level=dissatisfied]")
    page.select_option("#id_dim_overall", "2")
    page.select_option("#id_dim_efficiency", "1")
    page.select_option("#id_dim_service_level", "3")
    page.select_option("#id_dim_attitude", "2")
    page.click("[data-testid=rate-submit]")  # no comment: refused on the field
    page.wait_for_selector("#id_comment.is-invalid")
    assert page.is_checked("input[name=level][value=dissatisfied]")
    page.fill("#id_comment", "排队两个小时，窗口只开了一个。")
    shot(page, "rate")
    page.click("[data-testid=rate-submit]")
    page.wait_for_selector("[data-testid=rated-list]")
    rating = Rating.objects.get(event=event)
    assert rating.level == "dissatisfied" and rating.dimensions["efficiency"] == 1

    # 2. The department verifies it by a callback and plans a rectification.
    sign_in(page, base, rt.handler.username)
    page.goto(f"{base}/ratings/worklist/")
    page.click(f"[data-testid=worklist-row][data-rating='{rating.pk}'] a")
    page.wait_for_selector("[data-testid=form-verify]")
    page.fill("#id_verify-note", "已电话回访，情况属实：当日窗口人手不足。")
    page.check("#id_verify-rectify_0")
    page.click("[data-testid=submit-verify]")
    page.wait_for_selector("[data-testid=form-rectify]")
    shot(page, "detail")
    rating.refresh_from_db()
    assert rating.handling == "rectifying" and rating.rectify_deadline

    # 3. The public statistics draw their charts (anonymous).
    page.context.clear_cookies()
    page.goto(f"{base}/ratings/stats/")
    page.wait_for_selector("#chart-levels canvas")
    page.wait_for_selector("#chart-department canvas")
    page.wait_for_selector("#chart-channel canvas")
    assert page.locator("[data-testid=kpi-total] .fs-4").inner_text() == "4"
    shot(page, "stats")
