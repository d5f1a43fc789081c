"""The service guide in real Chromium, as a citizen uses it: portal home → the guide → a life
event → an item's guide for the body of their district → its printable checklist, and the
bundle of that life event; the pages on a phone-sized screen too.

Screenshots of each page go to ``var/screenshots/guide-*.png``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.catalog.test_guide import FOOD, build_guide_city
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def guide_city(cat):
    return build_guide_city(cat)


SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"guide-{name}.png"), full_page=True)


def test_home_life_event_item_checklist_in_chromium(live_server, page, migrated_data, guide_city):
    base = live_server.url
    xz = guide_city.food_xz

    # 1. From the portal's home page to the guide.
    page.goto(f"{base}/")
    page.click("[data-testid=guide-link]")
    page.wait_for_selector("[data-testid=audience-legal_person]")
    assert page.url == f"{base}/services/"
    shot(page, "home")

    # 2. A life event: its items, and its bundle offered.
    page.click("[data-testid=event][data-code=LE10]")
    page.wait_for_selector("[data-testid=event-intro]")
    assert page.locator("[data-testid=guide-item]").count() == 1
    shot(page, "event")

    # 3. The item: two district bodies, the citizen picks 香洲区's.
    page.click(f"[data-testid=guide-item][data-code='{FOOD}'] a")
    page.wait_for_selector("[data-testid=body-picker]")
    assert page.locator("[data-testid=pick-hint]").is_visible()
    page.click(f"[data-testid=body][data-id='{xz.pk}']")
    page.wait_for_selector(f"[data-testid=body][data-id='{xz.pk}'][aria-current=true]")
    assert page.text_content("[data-testid=item-body]") == "香洲区市场监督管理局"
    assert page.get_attribute("[data-testid=apply-online]", "href") == f"/cases/apply/{xz.pk}/"
    assert page.locator("[data-testid=material]").count() == 3
    shot(page, "item")

    # 4. Its checklist, on screen and as printed (no header, footer or buttons on paper).
    page.click("[data-testid=checklist-link]")
    page.wait_for_selector("[data-testid=checklist]")
    assert page.locator("[data-testid=checklist-row]").count() == 2
    assert page.locator("[data-testid=print]").is_visible()
    shot(page, "checklist")
    page.emulate_media(media="print")
    assert page.locator("body > header").is_hidden()
    assert page.locator("[data-testid=print]").is_hidden()
    assert page.locator("[data-testid=checklist-row]").first.is_visible()
    shot(page, "checklist-print")
    page.emulate_media(media="screen")

    # 5. The life event's bundle: one application for its items.
    page.goto(f"{base}/services/bundles/")
    page.click("[data-testid=bundle][data-code=LE10] a")
    page.wait_for_selector("[data-testid=bundle-apply]")
    assert page.get_attribute("[data-testid=bundle-apply]", "href") == "/cases/bundles/LE10/apply/"
    shot(page, "bundle")

    # 6. A phone: the same guide, one column, nothing cut off sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/services/items/{FOOD}/?at={xz.pk}")
    page.wait_for_selector("[data-testid=guide]")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    shot(page, "item-mobile")
    page.goto(f"{base}/services/")
    shot(page, "home-mobile")


@pytest.mark.skipif(
    importlib.util.find_spec("yiwang.catalog.search") is None, reason="catalogue search not built"
)
def test_search_from_the_guide_home_in_chromium(live_server, page, migrated_data, guide_city):
    page.goto(f"{live_server.url}/services/")
    page.fill("[data-testid=guide-search] input[name=q]", "开饭店要办什么证")
    page.click("[data-testid=guide-search-submit]")
    page.wait_for_selector(f"[data-testid=hit][data-code='{FOOD}']")
    shot(page, "search")
    page.click(f"[data-testid=hit][data-code='{FOOD}'] a")
    page.wait_for_selector("[data-testid=guide]")
