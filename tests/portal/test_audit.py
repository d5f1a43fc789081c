"""The auditor's pages: search, pagination, masked CSV export, and who may not see them."""

from __future__ import annotations

import csv
import io

import pytest

from tests.portal.conftest import valid_id_number
from yiwang.core.audit import audit_record
from yiwang.core.choices import Role
from yiwang.core.models import AuditLog

AUDIT = "/workbench/audit/"
EXPORT = "/workbench/audit/export.csv"


@pytest.fixture
def auditor(org_tree, make_staff):
    return make_staff(org_tree["city"], Role.AUDITOR, username="auditor")


@pytest.fixture
def raw_pii_record(org_tree):
    """A record holding a clear ID number and mobile (as an import or old version might)."""
    return AuditLog.objects.create(
        actor_label="导入程序",
        actor_organisation_path=org_tree["city"].path,
        action="registry.person.import",
        object_type="registry.person",
        object_id="77",
        object_repr=f"王五 {valid_id_number()}",
        changes={"id_number": valid_id_number(), "mobile": "13812345678"},
        request_id="req-pii-1",
    )


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    assert client.get(AUDIT).status_code == 302
    assert client.get(EXPORT).status_code == 302


def test_staff_without_audit_permission_gets_404(client, org_tree, make_staff):
    client.force_login(make_staff(org_tree["city"], Role.PLATFORM_ADMIN))
    assert client.get(AUDIT).status_code == 404
    assert client.get(EXPORT).status_code == 404


def test_citizen_gets_404(client, citizen):
    client.force_login(citizen)
    assert client.get(AUDIT).status_code == 404
    assert client.get(EXPORT).status_code == 404


def test_auditor_searches_by_action_prefix(en_client, auditor, org_tree, make_staff):
    make_staff(org_tree["xz"], Role.CASE_HANDLER, username="xzuser")
    en_client.force_login(auditor)
    response = en_client.get(AUDIT, {"action": "core.user.create"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "core.user.create" in body
    assert "core.organisation.create" not in body
    assert 'data-testid="audit-export"' in body


def test_auditor_filters_by_request_id_and_object(en_client, auditor, raw_pii_record):
    en_client.force_login(auditor)
    body = en_client.get(AUDIT, {"request_id": "req-pii-1"}).content.decode()
    assert "registry.person.import" in body
    assert "1 record" in body
    body = en_client.get(AUDIT, {"object_type": "registry.person", "object_id": "78"}).content
    assert "No audit record matches." in body.decode()


def test_search_page_masks_personal_data(en_client, auditor, raw_pii_record):
    en_client.force_login(auditor)
    body = en_client.get(AUDIT, {"action": "registry."}).content.decode()
    full = valid_id_number()
    assert full not in body
    assert full[:4] + "**********" + full[-4:] in body
    assert "13812345678" not in body and "138****5678" in body


def test_invalid_date_range_shows_error(en_client, auditor):
    en_client.force_login(auditor)
    body = en_client.get(AUDIT, {"date_from": "2026-03-05", "date_to": "2026-03-01"}).content
    assert "The end date is before the start date." in body.decode()


def test_date_range_is_inclusive_local_days(en_client, auditor):
    import datetime as dt

    from django.utils import timezone

    en_client.force_login(auditor)
    today = timezone.localdate()
    body = en_client.get(
        AUDIT,
        {
            "date_from": today.isoformat(),
            "date_to": today.isoformat(),
            "action": "core.user.create",
        },
    ).content.decode()
    assert "1 record" in body
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    body = en_client.get(AUDIT, {"date_to": yesterday}).content.decode()
    assert "No audit record matches." in body


def test_pagination_keeps_filters(en_client, auditor):
    for i in range(55):
        audit_record(actor=None, action="test.bulk", object_type="t", object_id=i)
    en_client.force_login(auditor)
    body = en_client.get(AUDIT, {"action": "test.bulk"}).content.decode()
    assert "55 records" in body
    assert "?action=test.bulk&amp;page=2" in body
    body = en_client.get(AUDIT, {"action": "test.bulk", "page": 2}).content.decode()
    assert "Page 2 of 2" in body


def test_htmx_search_returns_only_the_results(en_client, auditor):
    en_client.force_login(auditor)
    response = en_client.get(
        AUDIT, {"action": "core."}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="audit-results"
    )
    body = response.content.decode()
    assert 'data-testid="audit-count"' in body
    assert "<html" not in body


def test_export_is_masked_streamed_and_audited(en_client, auditor, raw_pii_record):
    en_client.force_login(auditor)
    response = en_client.get(EXPORT, {"action": "registry."})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = _csv(response)
    assert len(rows) == 2
    header, row = rows
    assert header[0] == "Time" and "Changes" in header
    text = ",".join(row)
    full = valid_id_number()
    assert full not in text and "13812345678" not in text
    assert full[:4] + "**********" + full[-4:] in text
    assert "138****5678" in text
    assert "导入程序" in text
    export = AuditLog.objects.get(action="core.audit.export")
    assert export.actor_id == auditor.pk
    assert export.changes == {"filters": {"action": "registry."}}


def test_export_defuses_spreadsheet_formulas(en_client, auditor, org_tree):
    AuditLog.objects.create(
        actor_label='=HYPERLINK("http://x")',
        action="test.formula",
        actor_organisation_path=org_tree["city"].path,
    )
    en_client.force_login(auditor)
    rows = _csv(en_client.get(EXPORT, {"action": "test.formula"}))
    assert rows[1][1].startswith("'=")


def test_auditor_below_the_root_sees_only_the_subtree(en_client, org_tree, make_staff):
    make_staff(org_tree["xz"], Role.CASE_HANDLER, username="in-xz")
    make_staff(org_tree["dm"], Role.CASE_HANDLER, username="in-dm")
    xz_admin = make_staff(org_tree["xz"], Role.ORG_ADMIN, username="xz-admin")
    from yiwang.core.services.accounts import user_set_roles

    user_set_roles(
        actor=xz_admin,
        user=make_staff(org_tree["xz_dept"], username="xz-aud"),
        roles=[Role.AUDITOR],
    )
    dm_admin = make_staff(org_tree["dm"], Role.ORG_ADMIN, username="dm-admin")
    user_set_roles(
        actor=dm_admin,
        user=make_staff(org_tree["dm_dept"], username="dm-x"),
        roles=[Role.CASE_HANDLER],
    )
    xz_auditor = make_staff(org_tree["xz"], Role.AUDITOR, username="xz-auditor")
    en_client.force_login(xz_auditor)
    body = en_client.get(AUDIT, {"action": "core.user.set_roles"}).content.decode()
    assert "1 record" in body


def test_audit_page_query_count_does_not_grow_with_rows(
    en_client, auditor, django_assert_max_num_queries
):
    for i in range(60):
        audit_record(
            actor=auditor, action="test.bulk", object_type="t", object_id=i, changes={"n": i}
        )
    en_client.force_login(auditor)
    en_client.get(AUDIT)  # warm the session and the security-policy cache
    with django_assert_max_num_queries(10):
        response = en_client.get(AUDIT, {"action": "test."})
    assert response.status_code == 200
