"""The 一网通办 statistics page in real Chromium: a leader opens it for November 2026, sees the
headline figures, the three charts drawn by stats.js (no script error) and the tables, then
asks for a reversed period and gets the field error. Screenshot:
``var/screenshots/cases-stats.png``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases.test_stats import build_cases
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
def stats_data(cs, clock, monkeypatch):
    from yiwang.ratings import clock as ratings_clock

    monkeypatch.setattr(ratings_clock, "now", clock)
    build_cases(cs, clock)  # the hand-computed applications of test_stats.py
    clock.set(None)  # the pages run on the real time
    return cs


def test_the_statistics_page_draws_its_charts(live_server, page, migrated_data, stats_data):
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error":
            errors.append(f"{message.text} {message.location}")

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", console)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", stats_data.leader.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/cases/stats/")
    page.fill("input[name=start]", "2026-11-01")
    page.fill("input[name=end]", "2026-11-30")
    page.click("[data-testid=stats-apply]")
    page.wait_for_load_state()
    assert "start=2026-11-01" in page.url
    assert page.get_by_test_id("kpi-received").inner_text().strip().endswith("5")
    assert "66.7%" in page.get_by_test_id("kpi-on_time_rate").inner_text()
    assert "66.7%" in page.get_by_test_id("kpi-good_rate").inner_text()
    assert page.get_by_test_id("kpi-items").inner_text().strip().endswith("9")
    for chart in ("chart-trend", "chart-district", "chart-department"):
        page.wait_for_selector(f"[data-testid={chart}] canvas")
    districts = page.get_by_test_id("stats-districts")
    assert districts.locator("tbody tr").count() == 3
    xz = districts.locator(f"tr[data-key='{stats_data.xz.pk}']")
    assert xz.locator("[data-col=received]").inner_text() == "2"
    assert xz.locator("[data-col=on_time]").inner_text() == "50.0%"
    assert xz.locator("[data-col=online]").inner_text() == "66.7%"
    departments = page.get_by_test_id("stats-departments")
    assert departments.locator("tbody tr").count() == 3
    dm = departments.locator(f"tr[data-key='{stats_data.dm_dept.pk}']")
    assert dm.locator("[data-col=good]").inner_text() == "—"  # nothing rated: no rate
    assert page.get_by_test_id("link-catalog-stats").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases-stats.png"), full_page=True)
    assert errors == []

    page.fill("input[name=start]", "2026-11-30")
    page.fill("input[name=end]", "2026-11-01")
    page.click("[data-testid=stats-apply]")
    page.wait_for_load_state()
    assert page.locator("#id_end.is-invalid").count() == 1
    page.wait_for_selector("[data-testid=chart-trend] canvas")  # the default period instead
    assert errors == []
