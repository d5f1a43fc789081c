import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.audit import audit_purge_expired, audit_record
from yiwang.core.choices import Role
from yiwang.core.models import AuditLog
from yiwang.core.selectors import audit_list
from yiwang.core.services.organisations import organisation_update


def test_service_mutation_records_before_after_request_id_and_ip(client, org_tree, make_staff):
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    from yiwang.core.context import bind

    with bind(request_id="req-123", ip="10.1.2.3", channel="web"):
        organisation_update(actor=admin, org=org_tree["xz_dept"], short_name="香洲市监")
    record = AuditLog.objects.get(action="core.organisation.update")
    assert record.changes == {"short_name": ["", "香洲市监"]}
    assert (record.request_id, record.ip, record.channel) == ("req-123", "10.1.2.3", "web")
    assert record.actor == admin and record.actor_label == str(admin)
    assert record.object_type == "core.organisation"
    assert record.object_id == str(org_tree["xz_dept"].pk)


def test_api_request_id_reaches_the_audit_record(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="h9")
    response = client.post(
        "/accounts/login/",
        {"username": "h9", "password": "wrong"},
        HTTP_X_REQUEST_ID="trace-42",
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code in (200, 302)
    record = AuditLog.objects.get(action="core.login.failed")
    assert (record.request_id, record.ip) == ("trace-42", "192.0.2.7")
    assert record.object_id == str(user.pk)


def test_records_are_append_only(org_tree):
    record = AuditLog.objects.first()
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=record.pk).update(action="forged")


def test_personal_data_is_masked_in_changes(db):
    record = audit_record(
        actor=None,
        action="test.pii",
        changes={"note": "身份证 11010519491231002X 电话 13812345678"},
    )
    assert record.changes["note"] == "身份证 1101**********002X 电话 138****5678"


def test_purge_keeps_the_retention_period(db, settings):
    settings.YIWANG_AUDIT_RETENTION_DAYS = 180
    recent = audit_record(actor=None, action="test.recent")
    AuditLog.objects.create(action="test.old", occurred_at=timezone.now() - dt.timedelta(days=181))
    AuditLog.objects.create(action="test.edge", occurred_at=timezone.now() - dt.timedelta(days=179))
    assert audit_purge_expired() == 1
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"test.recent", "test.edge", "audit.purge"} <= actions
    assert "test.old" not in actions
    assert AuditLog.objects.filter(pk=recent.pk).exists()


def test_auditors_search_within_their_subtree(org_tree, make_staff):
    city_auditor = make_staff(org_tree["city"], Role.AUDITOR)
    xz_auditor = make_staff(org_tree["xz"], Role.AUDITOR)
    xz_admin = make_staff(org_tree["xz"], Role.PLATFORM_ADMIN)
    dm_admin = make_staff(org_tree["dm"], Role.PLATFORM_ADMIN)
    organisation_update(actor=xz_admin, org=org_tree["xz_dept"], short_name="a")
    organisation_update(actor=dm_admin, org=org_tree["dm_dept"], short_name="b")
    xz_seen = audit_list(actor=xz_auditor, action="core.organisation.update")
    city_seen = audit_list(actor=city_auditor, action="core.organisation.update")
    assert [r.actor_id for r in xz_seen] == [xz_admin.pk]
    assert {r.actor_id for r in city_seen} == {xz_admin.pk, dm_admin.pk}
    # system actions (seeding, purges) only for the city-level auditor
    assert audit_list(actor=city_auditor, action="core.organisation.create").exists()
    assert not audit_list(actor=xz_auditor, action="core.organisation.create").exists()
    # non-auditors see nothing
    assert not audit_list(actor=xz_admin).exists()


def test_audit_api_filters_and_pages(client, org_tree, make_staff):
    auditor = make_staff(org_tree["city"], Role.AUDITOR)
    client.force_login(auditor)
    first = client.get("/api/v1/audit/records", {"action": "core.organisation", "limit": 3})
    assert first.status_code == 200
    body = first.json()
    assert len(body["items"]) == 3 and body["next_cursor"]
    second = client.get(
        "/api/v1/audit/records",
        {"action": "core.organisation", "limit": 3, "cursor": body["next_cursor"]},
    ).json()
    assert not {i["id"] for i in body["items"]} & {i["id"] for i in second["items"]}
    bad = client.get("/api/v1/audit/records", {"cursor": "%%%"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


def test_purge_runs_as_a_periodic_task(db):
    from huey.contrib.djhuey import HUEY

    from yiwang.core.tasks import audit_purge_expired_daily

    assert "core.audit_purge_expired" in {t.name for t in HUEY._registry.periodic_tasks}
    AuditLog.objects.create(
        action="test.ancient", occurred_at=timezone.now() - dt.timedelta(days=400)
    )
    assert audit_purge_expired_daily.call_local() == 1
    assert AuditLog.objects.get(action="audit.purge").channel == "task"


def test_audit_api_permission_cases(client, org_tree, make_staff):
    assert client.get("/api/v1/audit/records").status_code == 401  # anonymous
    client.force_login(make_staff(org_tree["xz"], Role.CASE_HANDLER))  # wrong role
    response = client.get("/api/v1/audit/records")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    xz_admin = make_staff(org_tree["xz"], Role.PLATFORM_ADMIN)
    dm_admin = make_staff(org_tree["dm"], Role.PLATFORM_ADMIN)
    organisation_update(actor=xz_admin, org=org_tree["xz_dept"], short_name="own")
    organisation_update(actor=dm_admin, org=org_tree["dm_dept"], short_name="other")
    client.force_login(make_staff(org_tree["xz"], Role.AUDITOR))  # own organisation only
    items = client.get("/api/v1/audit/records", {"action": "core.organisation.update"}).json()
    assert [i["changes"]["short_name"][1] for i in items["items"]] == ["own"]
