"""The staff workbench, the personal page, the inbox, the organisation tree, the admin banner."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from yiwang.core import health
from yiwang.core.choices import Role
from yiwang.portal import registry

WORKBENCH = "/workbench/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(WORKBENCH)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/workbench/"


@pytest.mark.parametrize("path", [WORKBENCH, "/workbench/audit/", "/workbench/organisations/"])
def test_citizen_and_enterprise_get_404(client, citizen, enterprise_user, path):
    for user in (citizen, enterprise_user):
        client.force_login(user)
        assert client.get(path).status_code == 404


def test_workbench_greets_staff_with_organisation_roles_inbox(
    en_client, org_tree, make_staff, inbox_message
):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, Role.DATA_OFFICER)
    inbox_message(user, "工单 HL-0001 已派发", link="/workbench/")
    inbox_message(user, "External", link="https://evil.example/")
    en_client.force_login(user)
    response = en_client.get(WORKBENCH)
    assert response.status_code == 200
    body = response.content.decode()
    assert user.display_name in body
    assert "香洲区市场监督管理局" in body
    assert "Case handler" in body and "Chief data officer" in body
    assert "工单 HL-0001 已派发" in body
    assert 'href="https://evil.example/"' not in body
    assert 'data-testid="unread-badge">2<' in body
    assert 'data-testid="tasks-empty"' in body
    # Module navigation follows permissions: no audit log for a case handler.
    assert reverse("portal:organisations") in body
    assert reverse("portal:audit") not in body


def test_workbench_shows_registered_tasks(en_client, org_tree, make_staff):
    import datetime as dt

    from django.utils import timezone

    user = make_staff(org_tree["xz"], Role.HOTLINE_OPERATOR)
    due = timezone.now() + dt.timedelta(hours=4)

    def provider(u):
        if u.pk == user.pk:
            yield registry.TaskItem(
                title="签收工单 HL-0042", url="/workbench/", module="12345", due_at=due
            )

    def broken(u):
        raise RuntimeError("module down")

    registry.register_task_provider(provider)
    registry.register_task_provider(broken)
    try:
        en_client.force_login(user)
        body = en_client.get(WORKBENCH).content.decode()
    finally:
        registry.unregister_task_provider(provider)
        registry.unregister_task_provider(broken)
    assert "签收工单 HL-0042" in body
    assert 'data-testid="tasks-empty"' not in body


def test_platform_admin_sees_health_warnings(en_client, org_tree, make_staff, monkeypatch):
    monkeypatch.setattr(health, "WARNINGS", [lambda: ["calendar year 2027 has no data"]])
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    en_client.force_login(admin)
    assert "calendar year 2027 has no data" in en_client.get(WORKBENCH).content.decode()
    handler = make_staff(org_tree["city"], Role.CASE_HANDLER)
    en_client.force_login(handler)
    assert "calendar year 2027 has no data" not in en_client.get(WORKBENCH).content.decode()


def test_failing_warning_provider_does_not_break_the_page(
    en_client, org_tree, make_staff, monkeypatch
):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "WARNINGS", [broken])
    en_client.force_login(make_staff(org_tree["city"], Role.PLATFORM_ADMIN))
    response = en_client.get(WORKBENCH)
    assert response.status_code == 200
    assert "A warning check failed: boom" in response.content.decode()


def test_admin_banner_shows_health_warnings(en_client, django_user_model, monkeypatch):
    monkeypatch.setattr(health, "WARNINGS", [lambda: ["calendar year 2027 has no data"]])
    root = django_user_model.objects.create_superuser("root", "root@example.cn", PASSWORD)
    en_client.force_login(root)
    body = en_client.get("/admin/").content.decode()
    assert "yiwang 一网 administration" in body
    assert "calendar year 2027 has no data" in body


def test_citizen_me_page_masks_id_number(en_client, citizen, inbox_message):
    from tests.portal.conftest import valid_id_number

    inbox_message(citizen, "您的诉求已受理")
    en_client.force_login(citizen)
    response = en_client.get(reverse("portal:me"))
    assert response.status_code == 200
    body = response.content.decode()
    full = valid_id_number()
    assert full not in body
    assert citizen.citizen.id_number_masked in body
    assert full[:4] + "**********" + full[-4:] in body
    assert "138****5678" in body and "13812345678" not in body
    assert "您的诉求已受理" in body


def test_enterprise_me_page_lists_memberships(en_client, enterprise_user):
    from tests.portal.conftest import valid_uscc

    en_client.force_login(enterprise_user)
    body = en_client.get(reverse("portal:me")).content.decode()
    assert "珠海市横琴示范科技有限公司" in body
    assert valid_uscc() in body
    assert "Enterprise administrator" in body


def test_inbox_page_lists_messages(en_client, citizen, inbox_message):
    inbox_message(citizen, "第一条", body="正文一")
    inbox_message(citizen, "第二条", body="正文二")
    en_client.force_login(citizen)
    body = en_client.get(reverse("portal:inbox")).content.decode()
    assert body.index("第二条") < body.index("第一条")
    assert "正文二" in body
    assert "2 unread" in body


@pytest.mark.django_db
def test_inbox_requires_login(client):
    assert client.get(reverse("portal:inbox")).status_code == 302


def test_organisation_tree_is_scoped_and_indented(en_client, org_tree, make_staff):
    user = make_staff(org_tree["xz"], Role.CASE_HANDLER)
    en_client.force_login(user)
    response = en_client.get(reverse("portal:organisations"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "香洲区" in body and "拱北街道" in body and "港昌社区" in body
    assert "斗门区" not in body and "市政务服务数据管理局" not in body
    assert "440402005000" in body
    # 香洲区 is the visible root; 港昌社区 sits two levels below it.
    community = body.split("港昌社区")[0].rsplit("<li", 1)[1]
    assert 'data-level="2"' in community
    assert body.index("香洲区") < body.index("拱北街道") < body.index("港昌社区")


def test_organisation_page_needs_permission(en_client, org_tree, make_staff):
    en_client.force_login(make_staff(org_tree["xz"]))  # staff without any role
    assert en_client.get(reverse("portal:organisations")).status_code == 404
    assert en_client.get(WORKBENCH).status_code == 200


def test_nav_registry_filters_by_permission(org_tree, make_staff):
    auditor = make_staff(org_tree["city"], Role.AUDITOR)
    handler = make_staff(org_tree["city"], Role.CASE_HANDLER)
    registry.register_nav("Ghost", "nowhere:page", None)
    try:
        auditor_urls = [link.url_name for link in registry.nav_for(auditor)]
        handler_urls = [link.url_name for link in registry.nav_for(handler)]
    finally:
        registry.unregister_nav("nowhere:page")
    assert auditor_urls == ["portal:organisations", "portal:audit"]
    assert handler_urls == [
        "hotline:inbox",
        "cases:inbox",
        "cases:mine",
        "cases:stats",
        "ratings:worklist",
        "ratings:stats",
        "portal:organisations",
    ]


def test_task_registry_orders_overdue_first():
    import datetime as dt

    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    items = [
        registry.TaskItem("later", "/a", due_at=now + dt.timedelta(days=2)),
        registry.TaskItem("no due", "/b"),
        registry.TaskItem("overdue", "/c", due_at=now - dt.timedelta(hours=1), overdue=True),
        registry.TaskItem("soon", "/d", due_at=now + dt.timedelta(hours=1)),
    ]

    def provider(user):
        return items

    registry.register_task_provider(provider)
    registry.register_task_provider(provider)  # idempotent
    try:
        titles = [t.title for t in registry.tasks_for(object())]
    finally:
        registry.unregister_task_provider(provider)
    assert titles == ["overdue", "soon", "later", "no due"]


def test_workbench_query_count(
    en_client, org_tree, make_staff, inbox_message, django_assert_max_num_queries
):
    user = make_staff(org_tree["city"], Role.AUDITOR, Role.CASE_HANDLER)
    for i in range(12):
        inbox_message(user, f"消息 {i}")
    en_client.force_login(user)
    en_client.get(WORKBENCH)
    # session, user, profile, organisation, roles, enterprises, inbox list + unread count, one
    # query per task provider (hotline, ratings), session save in a savepoint
    with django_assert_max_num_queries(13):
        assert en_client.get(WORKBENCH).status_code == 200
