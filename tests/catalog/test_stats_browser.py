"""The catalogue statistics page in real Chromium: the headline figures, the four charts drawn
by stats.js and the tables. Screenshot: ``var/screenshots/catalog-stats.png``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog.test_stats import build_catalogue
from tests.conftest import PASSWORD
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def stats_catalogue(cat):
    return build_catalogue(cat)  # the hand-computed catalogue of test_stats.py


def test_the_statistics_page_draws_its_charts(live_server, page, migrated_data, stats_catalogue):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", stats_catalogue.reviewer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/catalog/stats/")
    assert page.get_by_test_id("kpi-items").inner_text().strip().endswith("5")
    assert "80.0%" in page.get_by_test_id("kpi-online_rate").inner_text()
    for chart in ("chart-kinds", "chart-depth", "chart-district", "chart-department"):
        page.wait_for_selector(f"[data-testid={chart}] canvas")
    districts = page.get_by_test_id("stats-districts")
    assert districts.locator("tbody tr").count() == 3
    dm = districts.locator(f"tr[data-key='{stats_catalogue.dm.pk}']")
    assert dm.locator("[data-col=compression]").inner_text() == "87.5%"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "catalog-stats.png"), full_page=True)
