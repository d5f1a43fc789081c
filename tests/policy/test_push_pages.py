"""The precise push in the officer's pages (the push panel of the item page, push now and
schedule, the job page and its progress fragment) and in the API (start, schedule, progress,
the item's pushes), with the permission cases: anonymous, enterprise users and staff without
a policy role (403 / 401), another department's officer (404), a withdrawn item (409)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.policy.test_push import run_everything
from yiwang.policy import selectors_push as push_reads
from yiwang.policy import services
from yiwang.policy.choices import PushJobStatus, PushStatus
from yiwang.policy.models import Push, PushJob
from yiwang.policy.services import push as push_service

pytestmark = pytest.mark.django_db
J, S = PushJobStatus, PushStatus
API = "/api/v1/policy"


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def pushed_item(pol, make_item, run_tasks):
    with run_tasks():
        item = make_item("employees >= 50")
    run_everything()
    return item


def _post_json(client, url: str, body: dict | None = None):
    return client.post(f"{API}{url}", data=json.dumps(body or {}), content_type="application/json")


# --- the panel on the item page -------------------------------------------------------------------


def test_the_item_page_shows_the_push_panel_with_counts_and_rates(en, pol, pushed_item):
    en.force_login(pol.officer)
    page = en.get(f"/policy/manage/items/{pushed_item.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    job = PushJob.objects.get(item=pushed_item)
    counts = push_reads.push_counts(Push.objects.filter(item=pushed_item))
    assert 'data-testid="push-panel"' in html
    assert f'data-testid="count-matched">{job.matched}<' in html
    assert f'data-testid="count-new">{job.created_pushes}<' in html
    assert f'data-testid="count-delivered">{counts.reached}<' in html
    assert f'data-testid="count-unreachable">{counts.unreachable}<' in html
    assert f'data-testid="delivery-rate">{counts.delivery_rate * 100:.1f}%<' in html
    assert 'data-testid="read-rate">0.0%<' in html
    assert f'data-job="{job.pk}" data-status="done"' in html
    assert 'data-testid="push-now"' in html and 'data-testid="push-schedule"' in html
    assert 'data-testid="push-progress"' not in html  # nothing running: no polling


def test_the_item_page_polls_the_progress_of_a_running_job(en, pol, make_item):
    item = make_item("employees >= 50")
    job = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    en.force_login(pol.officer)
    html = en.get(f"/policy/manage/items/{item.pk}/").content.decode()
    assert 'data-testid="push-progress"' in html
    assert f'hx-get="/policy/manage/push-jobs/{job.pk}/progress/"' in html
    assert 'hx-trigger="every 1s"' in html


def test_a_leader_sees_the_panel_without_the_buttons(en, pol, pushed_item):
    en.force_login(pol.leader)
    html = en.get(f"/policy/manage/items/{pushed_item.pk}/").content.decode()
    assert 'data-testid="push-panel"' in html and 'data-testid="push-now"' not in html


def test_push_now_starts_a_job_once(en, pol, make_item, run_tasks):
    item = make_item("employees >= 50")
    en.force_login(pol.officer)
    with run_tasks():
        response = en.post(f"/policy/manage/items/{item.pk}/push/")
    assert response.status_code == 302 and response["Location"].endswith("#push-panel")
    job = PushJob.objects.get(item=item)
    assert job.trigger == "manual" and job.created_by == pol.officer
    run_everything()
    job.refresh_from_db()
    assert job.status == J.DONE and Push.objects.filter(item=item).count() == job.matched
    # again: nothing new to push, a second job finds everyone pushed already
    with run_tasks():
        en.post(f"/policy/manage/items/{item.pk}/push/")
    run_everything()
    last = PushJob.objects.filter(item=item).latest("pk")
    assert last.created_pushes == 0 and last.skipped == job.matched


def test_push_now_of_a_withdrawn_item_shows_the_refusal(en, pol, make_item):
    item = make_item("employees >= 50")
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    en.force_login(pol.officer)
    response = en.post(f"/policy/manage/items/{item.pk}/push/", follow=True)
    assert "Only a published item" in response.content.decode()
    assert not PushJob.objects.exists()


def test_schedule_a_push(en, pol, make_item):
    item = make_item("employees >= 50")
    en.force_login(pol.officer)
    when = timezone.localtime() + dt.timedelta(days=1)
    response = en.post(
        f"/policy/manage/items/{item.pk}/push/schedule/",
        {"run_at": when.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    job = PushJob.objects.get(item=item)
    assert job.status == J.SCHEDULED and job.trigger == "schedule"
    assert timezone.localtime(job.run_at).strftime("%Y-%m-%d %H:%M") == when.strftime(
        "%Y-%m-%d %H:%M"
    )
    assert "The push is scheduled for" in response.content.decode()


@pytest.mark.parametrize("value", ["", "tomorrow", "2020-01-01T08:00"])
def test_a_bad_or_past_schedule_is_refused(en, pol, make_item, value):
    item = make_item("employees >= 50")
    en.force_login(pol.officer)
    response = en.post(
        f"/policy/manage/items/{item.pk}/push/schedule/", {"run_at": value}, follow=True
    )
    assert response.status_code == 200
    assert not PushJob.objects.exists()
    assert "alert-danger" in response.content.decode() or "alert-error" in (
        response.content.decode()
    )


# --- the job page ---------------------------------------------------------------------------------


def test_the_job_page_lists_its_pushes_with_a_status_filter(en, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    en.force_login(pol.officer)
    html = en.get(f"/policy/manage/push-jobs/{job.pk}/").content.decode()
    assert f'data-testid="push-count">{job.created_pushes}<' in html
    html = en.get(f"/policy/manage/push-jobs/{job.pk}/?status=delivered").content.decode()
    assert html.count('data-testid="push-row"') == 1 and 'data-status="delivered"' in html
    assert pol.demo.name in html and pol.demo.uscc in html
    html = en.get(f"/policy/manage/push-jobs/{job.pk}/?status=unreachable").content.decode()
    assert html.count('data-testid="push-row"') == min(30, job.created_pushes - 1)


def test_the_job_page_query_count_does_not_grow_with_the_rows(en, pol, pushed_item):
    from django.db import connection

    job = PushJob.objects.get(item=pushed_item)
    en.force_login(pol.officer)
    url = f"/policy/manage/push-jobs/{job.pk}/"
    en.get(url)
    counts = []
    for query in ("?status=delivered", "?status=unreachable"):
        with CaptureQueriesContext(connection) as queries:
            assert en.get(url + query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_progress_fragment(en, pol, make_item, django_capture_on_commit_callbacks):
    item = make_item("employees >= 50")
    with django_capture_on_commit_callbacks(execute=True):
        job = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    en.force_login(pol.officer)
    url = f"/policy/manage/push-jobs/{job.pk}/progress/"
    html = en.get(url).content.decode()
    assert 'data-status="queued"' in html and 'hx-trigger="every 1s"' in html
    assert "no-cache" in en.get(url)["Cache-Control"]
    push_service.push_job_run(job_id=job.pk)
    response = en.get(url)
    html = response.content.decode()
    job.refresh_from_db()
    assert job.status == J.RUNNING  # the batches are queued, not sent yet
    assert 'data-testid="push-phase">Sending the notices' in html
    assert f'data-testid="job-matched">{job.matched}<' in html
    assert f'data-testid="job-pending">{job.created_pushes}<' in html
    run_everything()
    html = en.get(url).content.decode()
    assert 'data-status="done"' in html and "hx-trigger" not in html
    assert 'data-testid="push-progress-bar">100%<' in html


def test_an_officer_cancels_a_scheduled_job_on_its_page(en, pol, make_item):
    item = make_item("employees >= 50")
    job = push_service.push_start(
        actor=pol.officer,
        item_id=item.pk,
        trigger="schedule",
        run_at=timezone.now() + dt.timedelta(hours=3),
    )
    en.force_login(pol.officer)
    assert (
        'data-testid="cancel-job"' in en.get(f"/policy/manage/push-jobs/{job.pk}/").content.decode()
    )
    response = en.post(f"/policy/manage/push-jobs/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == J.CANCELLED


# --- permissions ----------------------------------------------------------------------------------


def _urls(item, job) -> list[tuple[str, str]]:
    return [
        ("get", f"/policy/manage/push-jobs/{job.pk}/"),
        ("get", f"/policy/manage/push-jobs/{job.pk}/progress/"),
        ("post", f"/policy/manage/push-jobs/{job.pk}/cancel/"),
        ("post", f"/policy/manage/items/{item.pk}/push/"),
        ("post", f"/policy/manage/items/{item.pk}/push/schedule/"),
    ]


def test_enterprise_users_and_staff_without_a_role_get_403(client, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    for user in (pol.ent_user, pol.handler):
        client.force_login(user)
        for method, url in _urls(pushed_item, job):
            assert getattr(client, method)(url).status_code == 403, (user, url)


def test_anonymous_is_sent_to_sign_in(client, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    for method, url in _urls(pushed_item, job):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_another_departments_officer_gets_404(client, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    client.force_login(pol.other_officer)
    for method, url in _urls(pushed_item, job):
        assert getattr(client, method)(url).status_code == 404, url
    assert PushJob.objects.count() == 1


def test_a_leader_reads_but_does_not_push(client, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    client.force_login(pol.leader)
    assert client.get(f"/policy/manage/push-jobs/{job.pk}/").status_code == 200
    assert client.post(f"/policy/manage/items/{pushed_item.pk}/push/").status_code == 403


# --- API ------------------------------------------------------------------------------------------


def test_api_start_progress_and_pushes(client, pol, make_item, django_capture_on_commit_callbacks):
    item = make_item("employees >= 50")
    client.force_login(pol.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_json(client, f"/items/{item.pk}/push")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["trigger"] == "manual"
    assert body["progress"] == {"phase": "waiting", "percent": 0, "pending": 0, "processed": 0}
    again = _post_json(client, f"/items/{item.pk}/push")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    run_everything()
    job = client.get(f"{API}/push-jobs/{body['id']}").json()
    assert job["status"] == "done" and job["matched"] == job["created_pushes"] > 0
    assert job["progress"]["phase"] == "finished" and job["progress"]["percent"] == 100
    jobs = client.get(f"{API}/items/{item.pk}/push-jobs").json()
    assert [j["id"] for j in jobs] == [body["id"]]
    page = client.get(f"{API}/items/{item.pk}/pushes?limit=5").json()
    assert len(page["items"]) == 5 and page["next_cursor"]
    assert page["counts"]["total"] == job["created_pushes"]
    assert page["counts"]["delivered"] == 1
    assert page["counts"]["delivery_rate"] == round(1 / job["created_pushes"], 4)
    assert page["counts"]["read_rate"] == 0
    ids = [p["id"] for p in page["items"]]
    assert ids == sorted(ids, reverse=True)
    more = client.get(f"{API}/items/{item.pk}/pushes?limit=5&cursor={page['next_cursor']}").json()
    assert max(p["id"] for p in more["items"]) < min(ids)
    delivered = client.get(f"{API}/items/{item.pk}/pushes?status=delivered").json()["items"]
    assert [(p["uscc"], p["enterprise_name"]) for p in delivered] == [
        (pol.demo.uscc, pol.demo.name)
    ]


def test_api_schedule(client, pol, make_item):
    item = make_item("employees >= 50")
    client.force_login(pol.officer)
    when = (timezone.now() + dt.timedelta(hours=5)).isoformat()
    response = _post_json(client, f"/items/{item.pk}/push", {"run_at": when})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "scheduled" and body["trigger"] == "schedule" and body["run_at"]
    cancelled = _post_json(client, f"/push-jobs/{body['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _post_json(client, f"/push-jobs/{body['id']}/cancel").status_code == 409
    far = (timezone.now() + dt.timedelta(days=500)).isoformat()
    response = _post_json(client, f"/items/{item.pk}/push", {"run_at": far})
    assert response.status_code == 422
    assert response.json()["code"] == "policy.push_run_at_too_far"


def test_api_pushing_a_withdrawn_item_is_409(client, pol, make_item):
    item = make_item("employees >= 50")
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    client.force_login(pol.officer)
    response = _post_json(client, f"/items/{item.pk}/push")
    assert response.status_code == 409
    assert response.json()["code"] == "policy.push_not_published"
    assert response["Content-Type"].startswith("application/problem+json")
    assert not PushJob.objects.exists()


def test_api_permissions(client, pol, pushed_item):
    job = PushJob.objects.get(item=pushed_item)
    reads = [
        f"{API}/push-jobs/{job.pk}",
        f"{API}/items/{pushed_item.pk}/push-jobs",
        f"{API}/items/{pushed_item.pk}/pushes",
    ]
    for url in reads:
        assert client.get(url).status_code == 401, url
    assert _post_json(client, f"/items/{pushed_item.pk}/push").status_code == 401
    for user in (pol.ent_user, pol.handler):
        client.force_login(user)
        for url in reads:
            assert client.get(url).status_code == 403, (user, url)
        assert _post_json(client, f"/items/{pushed_item.pk}/push").status_code == 403
    client.force_login(pol.other_officer)
    for url in reads:
        assert client.get(url).status_code == 404, url
    assert _post_json(client, f"/items/{pushed_item.pk}/push").status_code == 404
    assert _post_json(client, f"/push-jobs/{job.pk}/cancel").status_code == 404
    client.force_login(pol.leader)
    assert client.get(reads[0]).status_code == 200
    assert _post_json(client, f"/items/{pushed_item.pk}/push").status_code == 403


def test_api_bad_status_filter_is_422(client, pol, pushed_item):
    client.force_login(pol.officer)
    assert client.get(f"{API}/items/{pushed_item.pk}/pushes?status=lost").status_code == 422
