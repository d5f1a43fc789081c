"""The sliding idle timeout writes the session only when it changes (at most once a minute):
parallel requests of one signed-in browser no longer queue on SQLite's writer and fail with
"database is locked" (a 400 from Django's session middleware), and idleness still signs out."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import PASSWORD
from yiwang.core.choices import Role
from yiwang.core.middleware import TOUCH_EVERY, TOUCHED_KEY, session_keep_alive
from yiwang.core.services.security import security_policy_update

LOGIN = "/accounts/login/"
PAGE = "/workbench/"


def _age(session_key: str, seconds: int) -> None:
    """Make the stored session look as if its last write was ``seconds`` ago."""
    store = SessionStore(session_key=session_key)
    store[TOUCHED_KEY] -= seconds
    data = store.encode(store._get_session())
    row = Session.objects.get(session_key=session_key)
    Session.objects.filter(pk=session_key).update(
        session_data=data, expire_date=row.expire_date - timezone.timedelta(seconds=seconds)
    )


def _row(session_key: str) -> tuple:
    row = Session.objects.get(session_key=session_key)
    return row.session_data, row.expire_date


def _sign_in(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    browser.get(f"{base}{LOGIN}", timeout=30).raise_for_status()
    response = browser.post(
        f"{base}{LOGIN}",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}{LOGIN}"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_requests_of_one_signed_in_browser_all_succeed_on_sqlite(
    live_server, org_tree, make_staff
):
    make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="parallel")
    browser = _sign_in(live_server.url, "parallel")
    key = browser.cookies["sessionid"]
    stored = _row(key)
    statuses: list[int] = []
    start = threading.Barrier(4)

    def load_pages() -> None:
        tab = requests.Session()  # one per thread, the browser's cookies
        tab.cookies.update(browser.cookies)
        start.wait()
        for _ in range(5):
            response = tab.get(f"{live_server.url}{PAGE}", allow_redirects=False, timeout=30)
            statuses.append(response.status_code)

    threads = [threading.Thread(target=load_pages) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 20
    # signed in a moment ago: none of the twenty requests wrote the session
    assert _row(key) == stored

    # idle for longer than the policy's 30 minutes: the next request is signed out
    _age(key, 31 * 60)
    response = browser.get(f"{live_server.url}{PAGE}", allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN)


def test_a_request_within_a_minute_of_the_last_write_does_not_write(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    key = client.session.session_key
    assert client.session.get_expiry_age() == 30 * 60
    stored = _row(key)
    for _ in range(3):
        assert client.get(PAGE).status_code == 200
    assert _row(key) == stored


def test_the_expiry_slides_once_the_last_write_is_a_minute_old(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    key = client.session.session_key
    _age(key, 25 * 60)  # active, but last written 25 minutes ago: 5 minutes left
    before = Session.objects.get(pk=key).expire_date
    assert before < timezone.now() + timezone.timedelta(minutes=6)
    assert client.get(PAGE).status_code == 200
    after = Session.objects.get(pk=key).expire_date
    assert after > timezone.now() + timezone.timedelta(minutes=29)
    assert abs(client.session[TOUCHED_KEY] - time.time()) < TOUCH_EVERY


def test_idleness_past_the_policy_signs_out(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    _age(client.session.session_key, 30 * 60 + 1)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_new_idle_timeout_in_the_policy_is_written_on_the_next_request(
    client, org_tree, make_staff
):
    secadmin = make_staff(org_tree["city"], Role.SECURITY_ADMIN)
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    security_policy_update(actor=secadmin, idle_timeout_minutes=10)
    assert client.get(PAGE).status_code == 200
    assert client.session.get_expiry_age() == 10 * 60
    expires = Session.objects.get(pk=client.session.session_key).expire_date
    assert expires < timezone.now() + timezone.timedelta(minutes=11)


class _Store(dict):
    modified = False

    def set_expiry(self, value):
        self["_session_expiry"] = value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.modified = True


@pytest.mark.parametrize(
    ("touched", "writes"),
    [
        (None, True),  # never stamped (e.g. a session from before this change)
        ("1000", True),  # not a number
        (1000, False),  # this second
        (1000 - TOUCH_EVERY + 1, False),
        (1000 - TOUCH_EVERY, True),
        (1000 + 5, True),  # from the future (clock moved back): renew
    ],
)
def test_keep_alive_writes_only_when_the_stamp_is_missing_or_old(touched, writes):
    store = _Store(_session_expiry=1800)
    if touched is not None:
        dict.__setitem__(store, TOUCHED_KEY, touched)
    session_keep_alive(store, 1800, now=1000)
    assert store.modified is writes
    assert store[TOUCHED_KEY] == (1000 if writes else touched)
