"""The enterprise service desk's inbox: the pushes of the user's enterprise (unread first,
cancelled hidden, unread count), opening one marks it read once (audited), the next step of a
push (免申即享 → the grant, else 快申快享 → apply), the API, and the permission cases —
another enterprise's push is 404 (page and API), staff get 403.

Push and Grant rows are written with the ORM here (the fan-out is the push module's)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.policy.conftest import OTHER_USCC
from yiwang.core.models import AuditLog
from yiwang.policy.choices import GrantStatus, PushStatus
from yiwang.policy.models import Grant, Push
from yiwang.policy.services.inbox import push_mark_read

pytestmark = pytest.mark.django_db
API = "/api/v1/policy"


def make_push(item, enterprise, *, status=PushStatus.DELIVERED, ago_minutes: int = 0) -> Push:
    """A delivered push of ``item`` to ``enterprise`` (a registry Enterprise)."""
    push = Push.objects.create(
        item=item,
        enterprise_id=enterprise.pk,
        version=item.version,
        status=status,
        sent_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    if ago_minutes:
        Push.objects.filter(pk=push.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=ago_minutes)
        )
    return push


def make_grant(item, enterprise, *, amount="30", status=GrantStatus.APPROVED) -> Grant:
    return Grant.objects.create(
        item=item,
        enterprise_id=enterprise.pk,
        version=item.version,
        amount=amount,
        status=status,
        approved_at=timezone.now(),
        paid_at=timezone.now() if status == GrantStatus.PAID else None,
    )


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def desk(pol, make_item):
    """Three published items pushed to the demo enterprise (one 免申即享 with its grant, one
    read, one cancelled) and one to the other enterprise."""
    from types import SimpleNamespace

    plain = make_item('holds "high_tech"', title="研发投入奖励")
    exempt = make_item(
        'holds "high_tech"', title="高企认定奖励（免申即享）", exempt_application=True
    )
    read = make_item("employees > 1", title="稳岗补贴")
    gone = make_item("employees > 2", title="已撤回事项")
    p_plain = make_push(plain, pol.demo, ago_minutes=30)
    p_exempt = make_push(exempt, pol.demo, ago_minutes=20)
    p_read = make_push(read, pol.demo, ago_minutes=10)
    Push.objects.filter(pk=p_read.pk).update(
        status=PushStatus.READ, read_at=timezone.now(), read_by=pol.ent_user
    )
    p_cancelled = make_push(gone, pol.demo, status=PushStatus.CANCELLED)
    p_other = make_push(read, pol.other)
    grant = make_grant(exempt, pol.demo)
    return SimpleNamespace(
        plain=plain,
        exempt=exempt,
        read=read,
        p_plain=p_plain,
        p_exempt=p_exempt,
        p_read=p_read,
        p_cancelled=p_cancelled,
        p_other=p_other,
        grant=grant,
    )


# --- the inbox page -------------------------------------------------------------------------------


def test_inbox_lists_unread_first_then_newest_and_hides_cancelled(en, pol, desk):
    en.force_login(pol.ent_user)
    response = en.get("/policy/desk/")
    assert response.status_code == 200
    html = response.content.decode()
    order = [desk.p_exempt.pk, desk.p_plain.pk, desk.p_read.pk]
    positions = [html.index(f'data-push="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert f'data-push="{desk.p_cancelled.pk}"' not in html
    assert f'data-push="{desk.p_other.pk}"' not in html
    assert 'data-testid="unread-count"' in html
    assert response.context["unread"] == 2
    assert html.count('data-testid="exempt-badge"') == 1
    assert "一次性奖励30万元" in html  # the benefit summary


def test_inbox_unread_filter(en, pol, desk):
    en.force_login(pol.ent_user)
    html = en.get("/policy/desk/?unread=1").content.decode()
    assert f'data-push="{desk.p_plain.pk}"' in html
    assert f'data-push="{desk.p_read.pk}"' not in html


def test_opening_a_push_marks_it_read_once_and_audits(en, pol, desk):
    en.force_login(pol.ent_user)
    response = en.get(f"/policy/desk/pushes/{desk.p_plain.pk}/")
    assert response.status_code == 200
    push = Push.objects.get(pk=desk.p_plain.pk)
    assert push.status == PushStatus.READ
    assert push.read_by == pol.ent_user
    first = push.read_at
    assert first is not None
    entries = AuditLog.objects.filter(action="policy.push.read", object_id=str(push.pk))
    assert entries.count() == 1
    assert entries.get().changes["status"] == ["delivered", "read"]
    en.get(f"/policy/desk/pushes/{desk.p_plain.pk}/")
    push.refresh_from_db()
    assert push.read_at == first
    assert entries.count() == 1
    assert en.get("/policy/desk/").context["unread"] == 1


def test_push_page_shows_the_item_and_the_next_step(en, pol, desk):
    en.force_login(pol.ent_user)
    html = en.get(f"/policy/desk/pushes/{desk.p_plain.pk}/").content.decode()
    assert "研发投入奖励" in html and "高新技术企业证书" in html  # item, materials
    assert "0756-2121234" in html  # contact
    assert f'href="/policy/desk/apply/{desk.plain.pk}/"' in html
    assert f"/policy/items/{desk.plain.pk}/explain/?uscc=" in html
    assert 'data-testid="ask-link"' in html and f'href="/policy/items/{desk.plain.pk}/"' in html
    html = en.get(f"/policy/desk/pushes/{desk.p_exempt.pk}/").content.decode()
    assert 'data-testid="see-grant"' in html and 'data-testid="apply-link"' not in html
    assert 'data-testid="next-granted"' in html


def test_another_enterprises_push_is_404_on_the_page(en, pol, desk):
    en.force_login(pol.ent_user)
    assert en.get(f"/policy/desk/pushes/{desk.p_other.pk}/").status_code == 404
    assert en.get(f"/policy/desk/pushes/{desk.p_cancelled.pk}/").status_code == 404
    assert en.get(f"/policy/desk/?uscc={OTHER_USCC}").status_code == 404
    assert en.get("/policy/desk/?uscc=not-a-code").status_code == 404
    assert Push.objects.get(pk=desk.p_other.pk).read_at is None


def test_push_mark_read_refuses_another_enterprise_and_staff(pol, desk):
    from yiwang.core.errors import Forbidden, NotFound

    with pytest.raises(NotFound):
        push_mark_read(actor=pol.ent_user, push_id=desk.p_other.pk)
    with pytest.raises(NotFound):
        push_mark_read(actor=pol.ent_user, push_id=desk.p_cancelled.pk)
    with pytest.raises(Forbidden):
        push_mark_read(actor=pol.officer, push_id=desk.p_plain.pk)


@pytest.mark.parametrize(
    "url", ["/policy/desk/", "/policy/desk/grants/", "/policy/desk/applications/"]
)
def test_desk_pages_are_for_enterprise_users(client, pol, url):
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(pol.officer)
    assert client.get(url).status_code == 403
    client.force_login(pol.ent_user)
    assert client.get(url).status_code == 200


def test_desk_tabs_show_the_desk_pages(en, pol, desk):
    en.force_login(pol.ent_user)
    html = en.get("/policy/desk/").content.decode()
    for key in ("inbox", "grants", "applications", "calculator"):
        assert f'data-testid="desk-tab-{key}"' in html


def test_inbox_query_count_does_not_grow(en, pol, make_item, django_assert_max_num_queries):
    en.force_login(pol.ent_user)
    for n in range(8):
        make_push(make_item(f"employees > {n}", title=f"事项{n}"), pol.demo)
    en.get("/policy/desk/")  # warm-up (session, permissions)
    with django_assert_max_num_queries(12):
        response = en.get("/policy/desk/")
    assert len(response.context["page"].object_list) == 8


# --- the API --------------------------------------------------------------------------------------


def test_api_pushes_and_mark_read(client, pol, desk):
    client.force_login(pol.ent_user)
    body = client.get(f"{API}/desk/pushes").json()
    assert body["unread"] == 2
    ids = [p["id"] for p in body["items"]]
    assert set(ids) == {desk.p_plain.pk, desk.p_exempt.pk, desk.p_read.pk}
    steps = {p["id"]: p["next_step"] for p in body["items"]}
    assert steps[desk.p_exempt.pk] == "granted" and steps[desk.p_plain.pk] == "apply"
    body = client.get(f"{API}/desk/pushes?unread=true").json()
    assert {p["id"] for p in body["items"]} == {desk.p_plain.pk, desk.p_exempt.pk}
    one = client.get(f"{API}/desk/pushes/{desk.p_plain.pk}").json()
    assert one["read_at"] is None  # reading through GET does not mark it
    read = client.post(f"{API}/desk/pushes/{desk.p_plain.pk}/read").json()
    assert read["status"] == "read" and read["read_at"]
    again = client.post(f"{API}/desk/pushes/{desk.p_plain.pk}/read").json()
    assert again["read_at"] == read["read_at"]
    assert client.get(f"{API}/desk/pushes").json()["unread"] == 1


def test_api_another_enterprises_push_is_404(client, pol, desk):
    client.force_login(pol.ent_user)
    assert client.get(f"{API}/desk/pushes/{desk.p_other.pk}").status_code == 404
    assert client.post(f"{API}/desk/pushes/{desk.p_other.pk}/read").status_code == 404
    assert client.get(f"{API}/desk/pushes?uscc={OTHER_USCC}").status_code == 404
    client.force_login(pol.other_user)
    body = client.get(f"{API}/desk/pushes").json()
    assert [p["id"] for p in body["items"]] == [desk.p_other.pk]


def test_api_desk_is_for_enterprise_users(client, pol, desk):
    assert client.get(f"{API}/desk/pushes").status_code == 401
    client.force_login(pol.officer)
    assert client.get(f"{API}/desk/pushes").status_code == 403
    response = client.post(
        f"{API}/desk/pushes/{desk.p_plain.pk}/read",
        data=json.dumps({}),
        content_type="application/json",
    )
    assert response.status_code == 403
