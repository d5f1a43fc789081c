"""Walk the web shell in real Chromium as its users would, saving a screenshot of each key page.

Screenshots go to ``var/screenshots/`` for review. Selectors use ``data-testid`` and form
field names, so the walk passes in either interface language.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.portal.conftest import valid_uscc
from yiwang.core import health
from yiwang.core.choices import Role
from yiwang.portal import registry

# serialized_rollback: see the note on transactional tests in tests/conftest.py
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")


def sign_out(page) -> None:
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/")


@pytest.fixture
def demo_task_provider():
    due = timezone.now() + dt.timedelta(hours=3)

    def provider(user):
        if user.username == "wang.audit":
            yield registry.TaskItem(
                "核查 3 月份账号权限变更记录", "/workbench/audit/", module="审计", due_at=due
            )

    registry.register_task_provider(provider)
    yield
    registry.unregister_task_provider(provider)


def test_staff_walk(
    live_server, page, org_tree, make_staff, inbox_message, demo_task_provider, monkeypatch
):
    base = live_server.url
    staff = make_staff(org_tree["city"], Role.AUDITOR, Role.CASE_HANDLER, username="wang.audit")
    inbox_message(staff, "工单 HL-20260302-0017 已派发，请于 2 个工作日内签收", link="/workbench/")
    inbox_message(staff, "《珠海市政务数据共享管理办法》征求意见")

    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-testid^=programme-]").count() == 5
    shot(page, "portal-home")

    page.click("a[href='/accounts/login/']")
    page.wait_for_selector("input[name=username]")
    shot(page, "login")

    page.fill("input[name=username]", "wang.audit")
    page.fill("input[name=password]", "Wrong#pass1")
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=login-error]")
    assert page.input_value("input[name=username]") == "wang.audit"
    shot(page, "login-wrong-password")

    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url("**/workbench/")
    assert "珠海市" in page.inner_text("[data-testid=organisation]")
    assert page.inner_text("[data-testid=unread-badge]").startswith("2")
    assert "核查 3 月份账号权限变更记录" in page.inner_text("[data-testid=tasks]")
    shot(page, "workbench")

    page.click("[data-testid=inbox-link]")
    page.wait_for_url("**/inbox/")
    assert page.locator("[data-testid=inbox-list] li").count() == 2
    shot(page, "inbox")
    with page.expect_navigation():
        page.locator("[data-testid=mark-read]").first.click()
    assert page.inner_text("[data-testid=unread-badge]").startswith("1")
    assert page.locator("[data-testid=inbox-list] li.is-unread").count() == 1
    with page.expect_navigation():
        page.click("[data-testid=mark-all-read]")
    assert page.locator("[data-testid=unread-badge]").count() == 0
    assert page.locator("[data-testid=inbox-list] li.is-unread").count() == 0

    page.click("a[href='/workbench/audit/'].nav-link")
    page.fill("input[name=action]", "core.login")
    page.click("[data-testid=audit-search]")
    page.wait_for_url("**/workbench/audit/?*action=core.login*")
    page.wait_for_selector("[data-testid=audit-table]")
    assert "core.login.failed" in page.inner_text("[data-testid=audit-table]")
    shot(page, "audit")

    with page.expect_download() as download_info:
        page.click("[data-testid=audit-export]")
    exported = Path(download_info.value.path()).read_bytes().decode("utf-8")
    assert exported.startswith("\ufeff") and "core.login.succeeded" in exported

    page.click("a[href='/workbench/organisations/'].nav-link")
    page.wait_for_selector("[data-testid=org-tree]")
    assert page.locator("[data-testid=org-tree] li").count() == 8
    shot(page, "organisations")

    sign_out(page)
    assert page.locator("a[href='/accounts/login/']").count() >= 1


def test_enterprise_walk(live_server, page, org_tree, enterprise_user, inbox_message):
    base = live_server.url
    inbox_message(enterprise_user, "您关注的“高新技术企业认定奖励”政策已发布", link="/me/")
    sign_in(page, base, "ent1", PASSWORD)
    page.wait_for_url("**/me/")
    enterprises = page.inner_text("[data-testid=enterprises]")
    assert "珠海市横琴示范科技有限公司" in enterprises and valid_uscc() in enterprises
    assert page.locator("a[href='/workbench/']").count() == 0
    shot(page, "enterprise-me")
    assert page.goto(f"{base}/workbench/").status == 404
    page.goto(f"{base}/me/")
    sign_out(page)


def test_citizen_me_and_language_switch(live_server, page, org_tree, citizen):
    base = live_server.url
    sign_in(page, base, "citizen1", PASSWORD)
    page.wait_for_url("**/me/")
    masked = page.inner_text("[data-testid=id-number]")
    assert masked == citizen.citizen.id_number_masked and "*" in masked
    shot(page, "citizen-me")
    page.click("[data-testid=lang-en]")
    page.wait_for_url("**/me/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "My account" in page.inner_text("h1")
    shot(page, "citizen-me-en")
    page.click("[data-testid=lang-zh-hans]")
    page.wait_for_url("**/me/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    shot(page, "portal-home-mobile")


def test_lockout_message(live_server, page, org_tree, make_staff):
    base = live_server.url
    make_staff(org_tree["xz"], Role.HOTLINE_OPERATOR, username="li.hotline")
    for _ in range(5):
        sign_in(page, base, "li.hotline", "Wrong#pass1")
        page.wait_for_selector("[data-testid=login-error]")
    sign_in(page, base, "li.hotline", PASSWORD)
    page.wait_for_selector("[data-testid=login-error]")
    assert "/accounts/login/" in page.url
    shot(page, "login-locked")


def test_expired_password_and_admin_banner(
    live_server, page, org_tree, make_staff, django_user_model, monkeypatch
):
    base = live_server.url
    monkeypatch.setattr(
        health, "WARNINGS", [lambda: ["工作日历缺少 2027 年数据 (calendar year 2027 has no data)"]]
    )
    user = make_staff(org_tree["xz"], Role.CASE_HANDLER, username="chen.case")
    django_user_model.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=120)
    )
    sign_in(page, base, "chen.case", PASSWORD)
    page.wait_for_url("**/accounts/password/?expired=1")
    page.wait_for_selector("[data-testid=password-expired]")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", "short")
    page.fill("input[name=new_password2]", "short")
    page.click("main button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    shot(page, "password-expired")
    sign_out(page)

    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN, username="zhao.admin")
    django_user_model.objects.filter(pk=admin.pk).update(is_staff=True)
    sign_in(page, base, "zhao.admin", PASSWORD)
    page.wait_for_url("**/workbench/")
    assert "2027" in page.inner_text("[data-testid=platform-warnings]")
    page.goto(f"{base}/admin/")
    assert "2027" in page.inner_text("[data-testid=admin-warnings]")
    shot(page, "admin")
