"""等保 level-3 account rules: lockout, unlock, idle timeout, password expiry."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from tests.conftest import PASSWORD
from yiwang.core.choices import Role
from yiwang.core.models import AuditLog, User
from yiwang.core.services.security import (
    LoginRefused,
    password_expired,
    security_policy_update,
    user_authenticate,
    user_change_password,
    user_unlock,
)


def _login(username, password):
    return user_authenticate(
        request=RequestFactory().post("/"), username=username, password=password
    )


def test_five_failures_lock_the_account_for_30_minutes(org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="h1")
    for _ in range(4):
        with pytest.raises(LoginRefused) as exc:
            _login("h1", "wrong")
        assert exc.value.code == "core.invalid_credentials"
    with pytest.raises(LoginRefused):
        _login("h1", "wrong")
    user.refresh_from_db()
    assert user.locked_until is not None
    minutes = (user.locked_until - timezone.now()).total_seconds() / 60
    assert 29 < minutes <= 30
    # The right password does not open a locked account.
    with pytest.raises(LoginRefused) as exc:
        _login("h1", PASSWORD)
    assert exc.value.code == "core.account_locked"
    assert AuditLog.objects.filter(action="core.login.failed").count() == 5
    assert AuditLog.objects.filter(action="core.login.refused_locked").count() == 1


def test_lock_expires_and_security_admin_can_unlock(org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="h2")
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    secadmin = make_staff(org_tree["city"], Role.SECURITY_ADMIN)
    user_unlock(actor=secadmin, user=User.objects.get(pk=user.pk))
    assert _login("h2", PASSWORD).pk == user.pk
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(minutes=1))
    assert _login("h2", PASSWORD).pk == user.pk


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(db):
    with pytest.raises(LoginRefused) as exc:
        _login("nobody", "whatever")
    assert exc.value.code == "core.invalid_credentials"


def test_policy_is_editable_and_audited(org_tree, make_staff):
    secadmin = make_staff(org_tree["city"], Role.SECURITY_ADMIN)
    security_policy_update(actor=secadmin, max_failed_logins=3)
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="h3")
    for _ in range(3):
        with pytest.raises(LoginRefused):
            _login("h3", "wrong")
    user.refresh_from_db()
    assert user.locked_until is not None
    record = AuditLog.objects.get(action="core.security_policy.update")
    assert record.changes["max_failed_logins"] == [5, 3]


def test_staff_password_expires_after_90_days(org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    assert not password_expired(user)
    user.password_changed_at = timezone.now() - dt.timedelta(days=91)
    assert password_expired(user)
    user_change_password(
        actor=user, user=user, old_password=PASSWORD, new_password="Another#Pass2026"
    )
    assert not password_expired(user)


def test_expired_password_redirects_pages_to_change(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=100)
    )
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert "/accounts/password/" in response["Location"]


def test_idle_timeout_sets_a_sliding_session_expiry(client, org_tree, make_staff):
    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER)
    client.force_login(user)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60


def test_logout_is_audited_and_failed_logins_are_filed_under_the_users_org(
    client, org_tree, make_staff
):
    from yiwang.core.selectors import audit_list

    user = make_staff(org_tree["xz_dept"], Role.CASE_HANDLER, username="h7")
    client.post("/accounts/login/", {"username": "h7", "password": "wrong"})
    xz_auditor = make_staff(org_tree["xz"], Role.AUDITOR)
    dm_auditor = make_staff(org_tree["dm"], Role.AUDITOR)
    assert audit_list(actor=xz_auditor, action="core.login.failed").count() == 1
    assert not audit_list(actor=dm_auditor, action="core.login.failed").exists()
    client.force_login(user)
    client.post("/accounts/logout/")
    assert AuditLog.objects.filter(action="core.logout", actor=user).exists()


def test_admin_password_change_goes_through_the_policy_page(client, org_tree, make_staff):
    admin = make_staff(org_tree["city"], Role.PLATFORM_ADMIN)
    client.force_login(admin)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
