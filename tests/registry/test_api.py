"""The registry API: the jurisdiction's files (filters, keyset pages, pinned queries), one file
(enterprise users: their own only), PUT (create, update, 422 with every field error, 409 on a
stale version), imports (multipart, GBK declared UTF-8, status, error report) — with the
permission cases: anonymous, other organisation, own organisation, wrong role."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import drain_tasks
from tests.registry.conftest import csv_bytes, row, uscc, wrong_check
from yiwang.registry.models import Enterprise, ImportJob, ProfileChange

pytestmark = pytest.mark.django_db
BASE = "/api/v1/registry"


def _as(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _put(client, code, body):
    return client.put(f"{BASE}/enterprises/{code}", body, content_type="application/json")


# --- reading -----------------------------------------------------------------------------------


def test_the_list_follows_the_jurisdiction(client, reg, files_):
    assert client.get(f"{BASE}/enterprises").status_code == 401
    city = _as(client, reg.officer).get(f"{BASE}/enterprises").json()
    assert [e["uscc"] for e in city["items"]] == [uscc(1), uscc(3, "440403")]
    assert city["items"][0]["district"] == "香洲区" and city["items"][0]["street"] == "拱北街道"
    xz = _as(client, reg.xz_officer).get(f"{BASE}/enterprises").json()
    assert [e["uscc"] for e in xz["items"]] == [uscc(1)]
    leader = _as(client, reg.leader).get(f"{BASE}/enterprises").json()
    assert len(leader["items"]) == 2
    for user in (reg.handler, reg.ent_user):  # wrong role, public account
        response = _as(client, user).get(f"{BASE}/enterprises")
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "query, expected",
    [("industry=C39", [3]), ("industry=I", [1]), ("scale=medium", [3]),
     ("qualification=high_tech", [1]), ("status=operating", [1, 3]), ("q=斗门", [3]),
     (f"q={uscc(1)[:10]}", [1]), ("district_id=XZ", [1])],
)  # fmt: skip
def test_filters(client, reg, files_, query, expected):
    query = query.replace("XZ", str(reg.xz.pk))
    body = _as(client, reg.officer).get(f"{BASE}/enterprises?{query}").json()
    codes = {1: uscc(1), 3: uscc(3, "440403")}
    assert [e["uscc"] for e in body["items"]] == [codes[n] for n in expected]


def test_a_bad_filter_is_422_with_the_field(client, reg, files_):
    response = _as(client, reg.officer).get(f"{BASE}/enterprises?industry=X99")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "industry"
    assert _as(client, reg.officer).get(f"{BASE}/enterprises?scale=huge").status_code == 422


def test_keyset_pages_and_queries_do_not_grow_with_rows(client, reg, django_assert_max_num_queries):
    from yiwang.registry.services.profiles import Places, enterprises_upsert, profile_clean

    def add(numbers):
        places = Places.of(reg.city.pk)
        rows = [
            profile_clean({"uscc": uscc(n), "name": f"企业{n}", "industry": "C3911",
                           "district": "香洲区"}, places=places)
            for n in numbers
        ]  # fmt: skip
        enterprises_upsert(actor=None, city_id=reg.city.pk, rows=rows, source="seed")

    add(range(10, 15))
    api = _as(client, reg.officer)
    with django_assert_max_num_queries(12) as few:
        first = api.get(f"{BASE}/enterprises?limit=3").json()
    queries = len(few.captured_queries)  # (a later request resets the connection's log)
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = api.get(f"{BASE}/enterprises?limit=3&cursor={first['next_cursor']}").json()
    assert [e["uscc"] for e in first["items"] + rest["items"]] == [uscc(n) for n in range(10, 15)]
    assert rest["next_cursor"] is None
    add(range(20, 40))
    with django_assert_max_num_queries(queries):
        assert len(api.get(f"{BASE}/enterprises?limit=20").json()["items"]) == 20


def test_one_file_with_sources_qualifications_and_history(client, reg, files_):
    body = _as(client, reg.officer).get(f"{BASE}/enterprises/{uscc(1)}").json()
    assert body["name"] == "珠海测试1科技有限公司" and body["revenue"] == "1200.00"
    assert body["qualifications"][0]["kind"] == "high_tech"
    assert body["tags"] == ["软件"] and body["field_sources"]["revenue"] == "api"
    assert {c["field"] for c in body["history"]} >= {"name", "revenue", "qualifications"}


def test_enterprise_users_read_their_own_file_only(client, reg, files_):
    own = _as(client, reg.ent_user).get(f"{BASE}/enterprises/{uscc(1)}")
    assert own.status_code == 200 and own.json()["uscc"] == uscc(1)
    other = _as(client, reg.ent_user).get(f"{BASE}/enterprises/{uscc(3, '440403')}")
    assert other.status_code == 404
    # the other enterprise's user: its account exists but the registry holds no file yet
    assert _as(client, reg.other_ent_user).get(f"{BASE}/enterprises/{uscc(2)}").status_code == 404
    assert _as(client, reg.other_ent_user).get(f"{BASE}/enterprises/{uscc(1)}").status_code == 404


def test_files_outside_the_jurisdiction_are_404_and_wrong_roles_403(client, reg, files_):
    dm_file = uscc(3, "440403")
    assert _as(client, reg.xz_officer).get(f"{BASE}/enterprises/{dm_file}").status_code == 404
    assert _as(client, reg.dm_officer).get(f"{BASE}/enterprises/{dm_file}").status_code == 200
    assert _as(client, reg.handler).get(f"{BASE}/enterprises/{dm_file}").status_code == 403
    assert _as(client, reg.officer).get(f"{BASE}/enterprises/{uscc(9)}").status_code == 404
    client.logout()
    assert client.get(f"{BASE}/enterprises/{dm_file}").status_code == 401


# --- writing -----------------------------------------------------------------------------------


def test_put_creates_then_updates_with_history(client, reg):
    api = _as(client, reg.officer)
    body = {"name": "珠海新开科技有限公司", "industry": "6513", "district": "香洲区",
            "employees": 12, "revenue": "300", "tags": ["软件"],
            "qualifications": [{"kind": "tech_sme", "valid_from": "2026-01-01",
                                "valid_to": "2026-12-31"}]}  # fmt: skip
    created = _put(api, uscc(7), body)
    assert created.status_code == 201, created.json()
    assert created.json()["industry"] == "I6513" and created.json()["scale"] == "small"
    assert created.json()["version"] == 1
    updated = _put(api, uscc(7), {"employees": 9, "version": 1})
    assert updated.status_code == 200
    assert updated.json()["version"] == 2 and updated.json()["scale"] == "micro"
    changes = ProfileChange.objects.filter(enterprise__uscc=uscc(7)).order_by("pk")
    assert [(c.field, c.old, c.new) for c in changes][-2:] == [
        ("employees", 12, 9), ("scale", "small", "micro")
    ]  # fmt: skip
    assert Enterprise.objects.get(uscc=uscc(7)).field_sources["employees"] == "api"


def test_put_answers_422_with_every_field_error(client, reg):
    response = _put(
        _as(client, reg.officer),
        uscc(7),
        {"name": "", "industry": "H3911", "revenue": "-5", "founded_on": "2099-01-01",
         "district": "广州区", "status": "flying", "employees": "many"},
    )  # fmt: skip
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "registry.invalid_profile"
    assert {e["field"] for e in body["errors"]} == {
        "name", "industry", "revenue", "founded_on", "district", "status", "employees"
    }  # fmt: skip
    assert not Enterprise.objects.exists()


def test_put_with_a_bad_or_mismatched_code_is_422(client, reg):
    api = _as(client, reg.officer)
    bad = _put(api, wrong_check(uscc(7)), {"name": "x", "industry": "C"})
    assert bad.status_code == 422
    assert "Check character" in bad.json()["errors"][0]["message"]
    mismatch = _put(api, uscc(7), {"uscc": uscc(8), "name": "x", "industry": "C"})
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "uscc"


def test_a_stale_version_is_409(client, reg, files_):
    api = _as(client, reg.officer)
    assert _put(api, uscc(1), {"employees": 40, "version": 1}).status_code == 200
    stale = _put(api, uscc(1), {"employees": 41, "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "registry.version_conflict"
    assert Enterprise.objects.get(uscc=uscc(1)).employees == 40


def test_put_permissions(client, reg, files_):
    dm_file = uscc(3, "440403")
    assert _put(_as(client, reg.leader), uscc(1), {"employees": 1}).status_code == 403
    assert _put(_as(client, reg.ent_user), uscc(1), {"employees": 1}).status_code == 403
    assert _put(_as(client, reg.xz_officer), dm_file, {"employees": 1}).status_code == 404
    moved = _put(_as(client, reg.xz_officer), uscc(1), {"district": "斗门区", "street": ""})
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "district"
    new_elsewhere = _put(
        _as(client, reg.xz_officer), uscc(8), {"name": "x", "industry": "C", "district": "斗门区"}
    )
    assert new_elsewhere.status_code == 422
    assert _put(_as(client, reg.xz_officer), uscc(1), {"employees": 2}).status_code == 200
    client.logout()
    assert _put(client, uscc(1), {"employees": 3}).status_code == 401


# --- imports -----------------------------------------------------------------------------------


def test_an_import_through_the_api(client, reg, files_, django_capture_on_commit_callbacks):
    api = _as(client, reg.officer)
    rows = [row(1), row(2, 统一社会信用代码=wrong_check(uscc(2))), row(4)]
    data = csv_bytes(rows, encoding="gbk")
    upload = SimpleUploadedFile("税务.csv", data, content_type="text/csv; charset=utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/imports", {"file": upload, "source": "tax"})
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["status"], job["source"], job["size"]) == ("queued", "tax", len(data))
    drain_tasks()
    done = api.get(f"{BASE}/imports/{job['id']}").json()
    assert (done["status"], done["encoding"], done["rows"]) == ("done", "gb18030", 3)
    assert (done["created"], done["updated"], done["failed"]) == (1, 1, 1)
    assert done["percent"] == 100 and done["errors"][0]["row"] == 3
    report = api.get(done["error_report_url"])
    assert report.status_code == 200
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert wrong_check(uscc(2)) in text and "Check character" in text


def test_a_large_upload_stored_on_disk_imports(client, reg, django_capture_on_commit_callbacks):
    # over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): Django hands over a temporary file
    rows = [row(1)] + [row(1, 注册地址="珠海市" + "某路" * 100)] * 6000
    data = csv_bytes(rows)
    assert len(data) > 3 * 1024 * 1024
    upload = SimpleUploadedFile("big.csv", data, content_type="text/csv")
    api = _as(client, reg.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/imports", {"file": upload, "source": "market"})
    assert response.status_code == 202, response.json()
    drain_tasks()
    done = api.get(f"{BASE}/imports/{response.json()['id']}").json()
    assert (done["status"], done["created"], done["failed"]) == ("done", 1, 6000)
    assert done["bytes_read"] == done["size"] == len(data)


@pytest.mark.parametrize(
    "data, source, field",
    [(b"", "market", "file"), (b"\x80\x80\x80", "market", "file"),
     (b"uscc\n1\n", "police", "source")],
)  # fmt: skip
def test_a_bad_upload_is_422(client, reg, data, source, field):
    upload = SimpleUploadedFile("x.csv", data, content_type="text/csv")
    response = _as(client, reg.officer).post(f"{BASE}/imports", {"file": upload, "source": source})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert not ImportJob.objects.exists()


def test_import_permissions(client, reg):
    from yiwang.registry.services.imports import import_job_create

    job = import_job_create(
        actor=reg.xz_officer, upload=SimpleUploadedFile("a.csv", csv_bytes([row(1)])),
        source="market",
    )  # fmt: skip
    upload = SimpleUploadedFile("b.csv", csv_bytes([row(2)]))
    assert _as(client, reg.leader).post(f"{BASE}/imports", {"file": upload}).status_code == 403
    assert _as(client, reg.leader).get(f"{BASE}/imports/{job.pk}").status_code == 403
    assert _as(client, reg.ent_user).get(f"{BASE}/imports/{job.pk}").status_code == 403
    # another district's officer does not see it; the city's officer and its author do
    assert _as(client, reg.dm_officer).get(f"{BASE}/imports/{job.pk}").status_code == 404
    assert _as(client, reg.officer).get(f"{BASE}/imports/{job.pk}").status_code == 200
    assert _as(client, reg.xz_officer).get(f"{BASE}/imports/{job.pk}").status_code == 200
    assert _as(client, reg.officer).get(f"{BASE}/imports/{job.pk}/errors").status_code == 404
    client.logout()
    assert client.get(f"{BASE}/imports/{job.pk}").status_code == 401
