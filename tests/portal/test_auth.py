"""Sign-in with lockout, sign-out, password change and expiry through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from yiwang.core.choices import Role
from yiwang.core.models import AuditLog, User

LOGIN = "/accounts/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


@pytest.mark.django_db
def test_login_page_renders_with_form(en_client):
    response = en_client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert 'autocomplete="current-password"' in body


def test_staff_login_lands_on_workbench(en_client, org_tree, make_staff):
    make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="handler")
    response = _login(en_client, "handler", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:workbench")
    assert AuditLog.objects.filter(action="core.login.succeeded").exists()


def test_public_login_lands_on_me(en_client, citizen):
    response = _login(en_client, "citizen1", PASSWORD)
    assert response["Location"] == reverse("portal:me")


def test_login_follows_safe_next_only(en_client, org_tree, make_staff):
    make_staff(org_tree["city"], Role.AUDITOR, username="aud")
    response = _login(en_client, "aud", PASSWORD, next="/workbench/audit/?action=core")
    assert response["Location"] == "/workbench/audit/?action=core"
    en_client.post(reverse("portal:logout"))
    response = _login(en_client, "aud", PASSWORD, next="https://evil.example/steal")
    assert response["Location"] == reverse("portal:workbench")


def test_wrong_password_shows_message_and_keeps_username(en_client, citizen):
    response = _login(en_client, "citizen1", "Wrong#pass123")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wrong user name or password." in body
    assert 'value="citizen1"' in body
    assert "Wrong#pass123" not in body
    assert "_auth_user_id" not in en_client.session


def test_unknown_user_gets_the_same_message(en_client, db):
    response = _login(en_client, "nobody", "Whatever#123")
    assert "Wrong user name or password." in response.content.decode()


def test_lockout_after_five_failures_refuses_the_right_password(en_client, org_tree, make_staff):
    make_staff(org_tree["xz"], Role.HOTLINE_OPERATOR, username="op")
    for _ in range(5):
        response = _login(en_client, "op", "Wrong#pass123")
        assert response.status_code == 200
    assert User.objects.get(username="op").is_locked()
    response = _login(en_client, "op", PASSWORD)
    assert response.status_code == 200
    assert "This account is locked" in response.content.decode()
    assert "_auth_user_id" not in en_client.session
    assert AuditLog.objects.filter(action="core.login.refused_locked").count() == 1


def test_logout_is_post_only(en_client, citizen):
    en_client.force_login(citizen)
    assert en_client.get(reverse("portal:logout")).status_code == 405
    assert "_auth_user_id" in en_client.session
    response = en_client.post(reverse("portal:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert "_auth_user_id" not in en_client.session


def test_logout_needs_csrf_token(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert strict.post(reverse("portal:logout")).status_code == 403


def test_password_change_requires_login(en_client, db):
    response = en_client.get(reverse("portal:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_weak_new_password_shows_field_error(en_client, citizen):
    en_client.force_login(citizen)
    response = en_client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The password must contain at least 8 characters." in body
    assert 'id="id_new_password1_error"' in body
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_wrong_current_password_is_reported_on_its_field(en_client, citizen):
    en_client.force_login(citizen)
    response = en_client.post(
        reverse("portal:password_change"),
        {
            "old_password": "Not#theone1",
            "new_password1": "New#Passw0rd9",
            "new_password2": "New#Passw0rd9",
        },
    )
    body = response.content.decode()
    assert "The current password is wrong." in body
    assert 'id="id_old_password_error"' in body


def test_mismatched_new_passwords(en_client, citizen):
    en_client.force_login(citizen)
    response = en_client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "New#Passw0rd9",
            "new_password2": "New#Passw0rd8",
        },
    )
    assert "The two new passwords differ." in response.content.decode()


def test_password_change_succeeds_and_keeps_session(en_client, org_tree, make_staff):
    user = make_staff(org_tree["xz"], Role.CASE_HANDLER, username="h2")
    en_client.force_login(user)
    response = en_client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "New#Passw0rd9",
            "new_password2": "New#Passw0rd9",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:workbench")
    user.refresh_from_db()
    assert user.check_password("New#Passw0rd9")
    assert en_client.get(reverse("portal:workbench")).status_code == 200
    assert AuditLog.objects.filter(action="core.user.change_password").exists()


def test_expired_password_redirects_to_change_page(en_client, org_tree, make_staff):
    user = make_staff(org_tree["xz"], Role.CASE_HANDLER, username="old")
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    response = _login(en_client, "old", PASSWORD)
    assert response.status_code == 302
    response = en_client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_change") + "?expired=1"
    response = en_client.get(response["Location"])
    body = response.content.decode()
    assert 'data-testid="password-expired"' in body
    assert "Your password expired after 90 days." in body
    en_client.post(
        reverse("portal:password_change") + "?expired=1",
        {
            "old_password": PASSWORD,
            "new_password1": "New#Passw0rd9",
            "new_password2": "New#Passw0rd9",
        },
    )
    assert en_client.get(reverse("portal:workbench")).status_code == 200


def test_expired_banner_only_when_really_expired(en_client, org_tree, make_staff):
    en_client.force_login(make_staff(org_tree["xz"], Role.CASE_HANDLER))
    response = en_client.get(reverse("portal:password_change") + "?expired=1")
    assert 'data-testid="password-expired"' not in response.content.decode()


def test_admin_login_uses_the_lockout(en_client, org_tree, make_staff):
    user = make_staff(org_tree["city"], Role.PLATFORM_ADMIN, username="adm")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    for _ in range(5):
        response = en_client.post("/admin/login/", {"username": "adm", "password": "Bad#pass12"})
        assert "Wrong user name or password." in response.content.decode()
    response = en_client.post("/admin/login/", {"username": "adm", "password": PASSWORD})
    assert response.status_code == 200
    assert "This account is locked" in response.content.decode()
    User.objects.filter(pk=user.pk).update(locked_until=None)
    response = en_client.post(
        "/admin/login/?next=/admin/", {"username": "adm", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    body = en_client.get("/admin/").content.decode()
    assert f'href="{reverse("portal:password_change")}"' in body
    assert 'href="/admin/password_change/"' not in body
