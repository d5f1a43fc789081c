"""The public tracking page /hotline/track/: progress without personal data, no enumeration,
a per-IP rate limit, and a walk in real Chromium."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.hotline.conftest import HTML
from tests.portal.conftest import (  # noqa: F401  (Playwright launch fixtures)
    browser_context_args,
    browser_type_launch_args,
)
from yiwang.hotline import views
from yiwang.hotline.services import work_order_sign

URL = "/hotline/track/"
PHONE = "13800138000"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NOT_FOUND = "未找到匹配的工单"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def zh_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


@pytest.fixture
def signed_order(hl, make_order):
    order = make_order()
    assert order.lead_unit_id == hl.xz_dept.pk
    return work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)


def test_found_order_shows_status_steps_and_timeline_in_chinese(zh_client, hl, signed_order):
    response = zh_client.post(URL, {"number": signed_order.number, "phone": PHONE})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="track-result"' in body
    assert "已签收" in body or "签收" in body
    for step in ("受理", "派单", "签收", "办理", "答复", "办结", "回访"):
        assert step in body
    assert 'aria-current="step"' in body
    assert hl.xz_dept.name in body  # responsible unit
    assert "办理时限" in body or "答复期限" in body
    timeline = body.split('data-testid="track-timeline"')[1].split("</ul>")[0]
    assert timeline.count("<li>") == 3  # received, dispatched, signed
    # no personal data, no staff, no content
    for secret in (
        PHONE,
        "张三",
        "凤凰北路",
        "过期食品",
        hl.handler.username,
        hl.operator.username,
    ):
        assert secret not in body
    for staff in (hl.handler, hl.operator):
        if staff.display_name:
            assert staff.display_name not in body


def test_phone_with_dashes_and_lowercase_number_match(zh_client, signed_order):
    response = zh_client.post(
        URL, {"number": signed_order.number.lower(), "phone": "138-0013-8000"}
    )
    assert 'data-testid="track-result"' in response.content.decode()


def test_wrong_phone_and_unknown_number_give_the_same_answer(zh_client, signed_order):
    wrong_phone = zh_client.post(URL, {"number": signed_order.number, "phone": "13900000000"})
    unknown = zh_client.post(URL, {"number": "HL-NOPE", "phone": PHONE})
    assert wrong_phone.status_code == unknown.status_code == 200
    a, b = wrong_phone.content.decode(), unknown.content.decode()
    assert NOT_FOUND in a and NOT_FOUND in b
    assert 'data-testid="track-result"' not in a
    assert a.split('aria-live="polite">')[1] == b.split('aria-live="polite">')[1]


def test_order_content_is_never_rendered(zh_client, make_order):
    order = make_order(content=f"物业问题 {HTML}", title=HTML, confidential=True)
    response = zh_client.post(URL, {"number": order.number, "phone": PHONE})
    body = response.content.decode()
    assert 'data-testid="track-result"' in body
    assert "<script>alert" not in body and "onerror=alert" not in body
    assert "物业问题" not in body


def test_empty_form_and_invalid_submit(zh_client, db):
    assert zh_client.get(URL).status_code == 200
    response = zh_client.post(URL, {"number": "", "phone": ""})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


def test_rate_limit_per_ip(zh_client, signed_order, monkeypatch):
    monkeypatch.setattr(views, "TRACK_LIMIT", 3)
    for _ in range(3):
        ok = zh_client.post(URL, {"number": "HL-NOPE", "phone": PHONE})
        assert ok.status_code == 200
    limited = zh_client.post(URL, {"number": signed_order.number, "phone": PHONE})
    assert limited.status_code == 429
    body = limited.content.decode()
    assert 'data-testid="track-limited"' in body and 'data-testid="track-result"' not in body
    other_ip = zh_client.post(
        URL, {"number": signed_order.number, "phone": PHONE}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 200


def test_home_card_links_to_tracking(zh_client, db):
    body = zh_client.get("/").content.decode()
    card = body.split('data-testid="programme-hotline"')[1].split("</div>")[0]
    assert f'href="{URL}"' in card


@pytest.mark.browser
# serialized_rollback: see the note on transactional tests in tests/conftest.py
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_track_in_browser(live_server, page, hl, make_order):
    # Earlier transactional tests flush the migrations' data: put the calendar and SLA back.
    from django.apps import apps

    for name in (
        "yiwang.worktime.migrations.0002_seed_national_calendar",
        "yiwang.hotline.migrations.0002_seed_sla_policies",
    ):
        importlib.import_module(name).seed(apps, None)
    order = make_order()
    order = work_order_sign(actor=hl.handler, order_id=order.pk, version=order.version)
    page.goto(f"{live_server.url}/")
    page.click("[data-testid=programme-hotline] a")
    page.wait_for_selector("[data-testid=track-form]")
    page.fill("input[name=number]", "HL-NOPE")
    page.fill("input[name=phone]", PHONE)
    page.click("[data-testid=track-submit]")
    page.wait_for_selector("[data-testid=track-not-found]")
    page.fill("input[name=number]", order.number)
    page.fill("input[name=phone]", PHONE)
    page.click("[data-testid=track-submit]")
    page.wait_for_selector("[data-testid=track-result]")
    assert page.locator(".yw-step[aria-current=step]").count() == 1
    assert PHONE not in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hotline-track.png"), full_page=True)
