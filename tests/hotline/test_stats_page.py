"""The staff statistics page /hotline/stats/: permissions, filters, KPI cards, chart data, the
ranking, the export link, and the charts rendered in real Chromium."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.hotline import stats
from yiwang.hotline.services import stats_rollup, work_order_close

URL = "/hotline/stats/"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _chart_data(body: str) -> dict:
    return json.loads(
        body.split('id="stats-data" type="application/json">')[1].split("</script>")[0]
    )


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def orders(hl, make_order):
    """Orders over the last days (rolled up) and today (live)."""
    today = stats.local_today()
    now = dt.datetime.now(stats.LOCAL_TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    for back in (1, 2, 4):
        make_order(received_at=now - dt.timedelta(days=back))
    make_order(content="斗门区井岸镇食品店出售过期食品", address="珠海市斗门区井岸镇")
    make_order(content="小区物业乱收费，请处理。", address="珠海市香洲区某小区")
    consult = make_order(category="consult", content="请问如何办理居住证？", auto_dispatch=False)
    work_order_close(actor=hl.operator, order_id=consult.pk, version=consult.version, answer="窗口")
    stats_rollup(actor=None, days=[today - dt.timedelta(days=i) for i in range(1, 6)])


def test_page_needs_the_stats_permission(client, hl):
    r = client.get(URL)
    assert r.status_code == 302 and "login" in r["Location"]  # anonymous
    _login(client, hl.handler)  # staff without hotline.stats
    assert client.get(URL).status_code == 404


def test_page_shows_kpis_charts_data_ranking_and_export(english_client, hl, orders):
    r = _login(english_client, hl.operator).get(URL)
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="kpi-received"' in body and 'data-testid="kpi-satisfaction_rate"' in body
    data = _chart_data(body)
    assert sum(data["trend"]["received"]) == 6
    assert len(data["trend"]["days"]) == 30  # every day of the default range, zeros included
    assert data["trend"]["days"][-1] == stats.local_today().isoformat()
    assert f'value="{stats.local_today().isoformat()}"' in body  # the range in the form
    assert {c["name"] for c in data["category"]} == {"Complaint", "Consultation"}
    assert sum(data["channel"]["values"]) == 6
    assert 'data-testid="stats-ranking"' in body and hl.xz_dept.name in body
    assert "/api/v1/hotline/stats/export.xlsx?start=" in body
    assert "vendor/echarts/echarts.min.js" in body and "hotline/stats.js" in body
    assert "13800138000" not in body and "张三" not in body  # no personal data


def test_page_filters(english_client, hl, orders):
    client = _login(english_client, hl.operator)
    today = stats.local_today().isoformat()
    r = client.get(URL, {"start": today, "end": today, "category": "consult"})
    data = _chart_data(r.content.decode())
    assert sum(data["trend"]["received"]) == 1
    assert 'data-testid="ranking-empty"' in r.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30"},
        {"start": "2026-11-10", "end": "2026-11-01"},
        {"start": "2024-01-01", "end": "2026-11-01"},
        {"category": "gossip"},
        {"lane": "<script>"},
        {"district": "abc"},
    ],
)
def test_bad_filters_show_errors_and_the_default_range(english_client, hl, params):
    r = _login(english_client, hl.operator).get(URL, params)
    assert r.status_code == 200
    body = r.content.decode()
    assert "invalid-feedback" in body or "alert-danger" in body
    assert "<script>" not in body.split("stats-filters")[1].split("</form>")[0]
    today = stats.local_today()
    assert f"to {today.isoformat()}" in body


def test_leader_sees_the_page_scoped_to_the_subtree(english_client, hl, orders):
    r = _login(english_client, hl.xz_leader).get(URL)
    assert r.status_code == 200
    body = r.content.decode()
    data = _chart_data(body)
    assert sum(data["channel"]["values"]) == 3  # only orders led by the 香洲 department
    assert hl.housing.name not in body


def test_workbench_nav_links_the_page(english_client, hl):
    body = _login(english_client, hl.operator).get("/workbench/").content.decode()
    assert URL in body
    body = _login(english_client, hl.handler).get("/workbench/").content.decode()
    assert URL not in body


@pytest.mark.browser
# serialized_rollback: see the note on transactional tests in tests/conftest.py
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stats_page_in_browser(live_server, page, hl, make_order):
    from django.apps import apps

    for name in (
        "yiwang.worktime.migrations.0002_seed_national_calendar",
        "yiwang.hotline.migrations.0002_seed_sla_policies",
    ):
        importlib.import_module(name).seed(apps, None)
    now = dt.datetime.now(stats.LOCAL_TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    for back in (0, 1, 1, 3, 6):
        make_order(received_at=now - dt.timedelta(days=back))
    make_order(content="小区物业乱收费，请处理。", address="珠海市香洲区某小区")
    consult = make_order(category="consult", content="请问如何办理居住证？", auto_dispatch=False)
    work_order_close(actor=hl.operator, order_id=consult.pk, version=consult.version, answer="窗口")
    stats_rollup(actor=None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", hl.operator.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}{URL}")
    page.wait_for_selector("[data-testid=stats-kpis]")
    for chart in ("trend", "category", "channel", "district"):
        page.wait_for_selector(f"[data-testid=chart-{chart}] canvas")
    assert page.locator("[data-testid=stats-ranking] tbody tr").count() >= 1
    href = page.get_attribute("[data-testid=stats-export]", "href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.body()[:2] == b"PK"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hotline-stats.png"), full_page=True)
