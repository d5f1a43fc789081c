"""The registry pages: the list with filters, one file with sources and history, the officer's
edit form (field errors, 409-safe), imports with progress and the error report, an enterprise
user's own file — and who gets 404, 403 or the sign-in page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import drain_tasks
from tests.registry.conftest import csv_bytes, row, uscc, wrong_check
from yiwang.registry.models import Enterprise, ImportJob

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_list_filters_and_follows_the_jurisdiction(client, reg, files_):
    page = _as(client, reg.officer).get("/registry/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="registry-row"') == 2
    filtered = client.get("/registry/", {"industry": "C39", "scale": "medium"}).content.decode()
    assert uscc(3, "440403") in filtered and uscc(1) not in filtered
    bad = client.get("/registry/", {"industry": "X99"}).content.decode()
    assert "not a GB/T 4754" in bad
    xz = _as(client, reg.xz_officer).get("/registry/").content.decode()
    assert uscc(1) in xz and uscc(3, "440403") not in xz


def test_one_file_shows_sources_qualifications_and_history(client, reg, files_):
    page = _as(client, reg.officer).get(f"/registry/enterprises/{uscc(1)}/").content.decode()
    assert "珠海测试1科技有限公司" in page and "I6513" in page
    assert 'data-testid="qualification" data-kind="high_tech"' in page
    assert page.count('data-testid="change"') >= 5
    assert "API" in page  # the source of the values
    assert 'data-testid="edit-link"' in page
    leader = _as(client, reg.leader).get(f"/registry/enterprises/{uscc(1)}/").content.decode()
    assert 'data-testid="edit-link"' not in leader


def test_who_gets_what(client, reg, files_):
    dm_file = f"/registry/enterprises/{uscc(3, '440403')}/"
    assert client.get("/registry/").status_code == 302  # anonymous: sign in
    assert client.get(dm_file).status_code == 302
    assert _as(client, reg.handler).get("/registry/").status_code == 403  # wrong role
    assert client.get(dm_file).status_code == 403
    assert _as(client, reg.xz_officer).get(dm_file).status_code == 404  # other district
    assert client.get(f"/registry/enterprises/{uscc(3, '440403')}/edit/").status_code == 404
    assert _as(client, reg.leader).get("/registry/imports/").status_code == 403
    assert client.get(f"/registry/enterprises/{uscc(1)}/edit/").status_code == 403
    # enterprise users: their own file read-only, never a staff page, never another file
    ent = _as(client, reg.ent_user)
    assert ent.get("/registry/").url == "/registry/mine/"
    mine = ent.get("/registry/mine/")
    assert mine.status_code == 200 and uscc(1) in mine.content.decode()
    assert 'data-testid="edit-link"' not in mine.content.decode()
    assert ent.get(f"/registry/mine/{uscc(1)}/").status_code == 200
    assert ent.get(f"/registry/mine/{uscc(3, '440403')}/").status_code == 404
    assert ent.get(dm_file).status_code == 404
    assert ent.get(f"/registry/enterprises/{uscc(1)}/").status_code == 404
    assert ent.get("/registry/imports/").status_code == 404
    assert _as(client, reg.other_ent_user).get("/registry/mine/").status_code == 404
    assert _as(client, reg.officer).get("/registry/mine/").status_code == 404


def test_the_workbench_lists_the_entries_for_officers_only(client, reg):
    officer = _as(client, reg.officer).get("/workbench/").content.decode()
    assert "/registry/" in officer and "/registry/imports/" in officer
    leader = _as(client, reg.leader).get("/workbench/").content.decode()
    assert "/registry/" in leader and "/registry/imports/" not in leader
    handler = _as(client, reg.handler).get("/workbench/").content.decode()
    assert 'href="/registry/"' not in handler


def _form(enterprise_page: str) -> dict:
    """The edit form's fields as the page filled them (inputs, selects, the textarea)."""
    import re

    data = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', enterprise_page):
        data[name] = value
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', enterprise_page,
                                 re.S):  # fmt: skip
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    area = re.search(r'<textarea name="qualifications"[^>]*>(.*?)</textarea>', enterprise_page,
                     re.S)  # fmt: skip
    data["qualifications"] = area.group(1).strip() if area else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_the_edit_form_saves_shows_field_errors_and_refuses_a_stale_version(client, reg, files_):
    url = f"/registry/enterprises/{uscc(1)}/edit/"
    page = _as(client, reg.officer).get(url).content.decode()
    data = _form(page)
    assert data["district"] == "香洲区" and data["version"] == "1"
    assert data["qualifications"].startswith("高新技术企业:2024-01-01~2026-12-31")
    bad = client.post(url, {**data, "revenue": "lots", "industry": "H3911"}).content.decode()
    assert "Give an amount in 10,000 yuan" in bad and "belongs to section C" in bad
    saved = client.post(url, {**data, "employees": "60", "source": "statistics"})
    assert saved.status_code == 302 and saved.url == f"/registry/enterprises/{uscc(1)}/"
    one = Enterprise.objects.get(uscc=uscc(1))
    assert one.employees == 60 and one.field_sources["employees"] == "statistics"
    assert one.version == 2 and one.qualifications.count() == 1
    stale = client.post(url, {**data, "employees": "61"}, follow=True)
    assert "Someone changed this file meanwhile" in stale.content.decode()
    assert Enterprise.objects.get(uscc=uscc(1)).employees == 60


def test_a_new_file_from_the_page(client, reg, files_):
    page = _as(client, reg.xz_officer).get("/registry/new/")
    assert page.status_code == 200
    data = {"uscc": uscc(5), "name": "珠海新建有限公司", "industry": "F5212",
            "district": "香洲区", "status": "operating", "source": "officer"}  # fmt: skip
    elsewhere = client.post("/registry/new/", {**data, "district": "斗门区"}).content.decode()
    assert "within your jurisdiction" in elsewhere
    existing = client.post("/registry/new/", {**data, "uscc": uscc(1)}).content.decode()
    assert "already has a file" in existing
    bad_code = client.post("/registry/new/", {**data, "uscc": wrong_check(uscc(5))})
    assert "Check character" in bad_code.content.decode()
    assert client.post("/registry/new/", data).status_code == 302
    assert Enterprise.objects.get(uscc=uscc(5)).field_sources["name"] == "officer"


def test_an_import_from_the_page_with_progress_and_the_error_report(
    client, reg, django_capture_on_commit_callbacks
):
    api = _as(client, reg.officer)
    assert api.get("/registry/imports/").status_code == 200
    data = csv_bytes([row(1), row(2, 统一社会信用代码=wrong_check(uscc(2)))], encoding="gbk")
    upload = SimpleUploadedFile("市场监管.csv", data, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post("/registry/imports/", {"file": upload, "source": "market"})
    job = ImportJob.objects.get()
    assert sent.status_code == 302 and sent.url == f"/registry/imports/{job.pk}/"
    queued = api.get(f"/registry/imports/{job.pk}/progress/").content.decode()
    assert 'data-status="queued"' in queued and 'hx-trigger="every 1s"' in queued
    drain_tasks()
    done = api.get(f"/registry/imports/{job.pk}/").content.decode()
    assert 'data-status="done"' in done and "hx-trigger" not in done
    assert "GBK/GB18030" in done and 'data-testid="import-error" data-row="3"' in done
    report = api.get(f"/registry/imports/{job.pk}/errors.csv")
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    assert wrong_check(uscc(2)) in b"".join(report.streaming_content).decode("utf-8-sig")
    assert api.get("/registry/imports/").content.decode().count('data-testid="import-job"') == 1


def test_a_bad_upload_shows_the_reason(client, reg):
    upload = SimpleUploadedFile("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    page = _as(client, reg.officer).post("/registry/imports/", {"file": upload, "source": "tax"})
    assert page.status_code == 200 and "Excel 97" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_my_account_links_an_enterprise_user_to_the_file(client, reg):
    page = _as(client, reg.ent_user).get("/me/").content.decode()
    assert 'data-testid="my-enterprise-file"' in page and 'href="/registry/mine/"' in page
