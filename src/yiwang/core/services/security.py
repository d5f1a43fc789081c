"""Security policy, sign-in with lockout, password changes (等保 level-3 baseline)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import AccountKind, AuditResult
from yiwang.core.errors import DomainError, from_validation_error
from yiwang.core.models import SecurityPolicy, User
from yiwang.core.permissions import require_perm

_POLICY_CACHE_KEY = "core:security_policy"
POLICY_FIELDS = (
    "min_password_length",
    "min_character_classes",
    "max_failed_logins",
    "lockout_minutes",
    "idle_timeout_minutes",
    "staff_password_max_age_days",
)


def security_policy_get() -> SecurityPolicy:
    policy = cache.get(_POLICY_CACHE_KEY)
    if policy is None:
        policy = SecurityPolicy.objects.order_by("pk").first() or SecurityPolicy()
        cache.set(_POLICY_CACHE_KEY, policy, 60)
    return policy


def security_policy_update(*, actor, **values) -> SecurityPolicy:
    require_perm(actor, "core.manage_security_policy")
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError("core.unknown_policy_field", f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        policy = SecurityPolicy.objects.select_for_update().order_by("pk").first()
        if policy is None:
            policy = SecurityPolicy.objects.create()
        before = snapshot(policy, POLICY_FIELDS)
        for key, value in values.items():
            setattr(policy, key, value)
        try:
            policy.full_clean()
        except ValidationError as exc:
            raise from_validation_error(exc) from exc
        policy.save()
        audit_record(
            actor=actor,
            action="core.security_policy.update",
            obj=policy,
            before=before,
            after=snapshot(policy, POLICY_FIELDS),
        )
    cache.delete(_POLICY_CACHE_KEY)
    return policy


class LoginRefused(DomainError):
    status = 401


def user_authenticate(*, request, username: str, password: str) -> User:
    """Check credentials with lockout: N failures lock the account for M minutes.

    Raises :class:`LoginRefused` with code ``core.account_locked`` or
    ``core.invalid_credentials``. The lock check comes first so a locked account cannot be
    probed for its password.
    """
    policy = security_policy_get()
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_locked(now):
        audit_record(
            actor=None,
            action="core.login.refused_locked",
            obj=user,
            result=AuditResult.FAILURE,
            changes={"username": username},
            organisation_path=_org_path(user),
        )
        raise LoginRefused(
            "core.account_locked",
            _("This account is locked after repeated failed sign-ins; try again after %(time)s.")
            % {"time": timezone.localtime(user.locked_until).strftime("%H:%M")},
        )
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        if user is not None:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
                user.refresh_from_db(fields=["failed_logins"])
                changes = {"failed_logins": user.failed_logins}
                if user.failed_logins >= policy.max_failed_logins:
                    user.locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
                    user.failed_logins = 0
                    user.save(update_fields=["locked_until", "failed_logins"])
                    changes["locked_until"] = user.locked_until.isoformat()
                audit_record(
                    actor=None,
                    action="core.login.failed",
                    obj=user,
                    result=AuditResult.FAILURE,
                    changes=changes,
                    organisation_path=_org_path(user),
                )
        else:
            audit_record(
                actor=None,
                action="core.login.failed",
                object_type="core.user",
                result=AuditResult.FAILURE,
                changes={"username": username[:150]},
            )
        raise LoginRefused("core.invalid_credentials", _("Wrong user name or password."))
    if authenticated.failed_logins or authenticated.locked_until:
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=authenticated, action="core.login.succeeded", obj=authenticated)
    return authenticated


def _org_path(user: User) -> str:
    return user.organisation.path if user.organisation_id else ""


def user_logout(*, request) -> None:
    """End the session; audited so the trail shows when a person stopped acting."""
    from django.contrib.auth import logout

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit_record(actor=user, action="core.logout", obj=user)
    logout(request)


def user_unlock(*, actor, user: User) -> User:
    require_perm(actor, "core.unlock_user")
    with transaction.atomic():
        before = snapshot(user, ["failed_logins", "locked_until"])
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
        audit_record(
            actor=actor,
            action="core.user.unlock",
            obj=user,
            before=before,
            after=snapshot(user, ["failed_logins", "locked_until"]),
        )
    return user


def user_change_password(
    *, actor: User, user: User, old_password: str | None, new_password: str
) -> User:
    """Change a password after checking the old one (own account) and the policy."""
    if actor.pk == user.pk and not user.check_password(old_password or ""):
        raise DomainError("core.wrong_password", _("The current password is wrong."), status=422)
    if old_password and old_password == new_password:
        raise DomainError(
            "core.password_reused",
            _("The new password must differ from the current one."),
            status=422,
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        audit_record(actor=actor, action="core.user.change_password", obj=user)
    return user


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    if user.kind != AccountKind.STAFF:
        return False
    days = security_policy_get().staff_password_max_age_days
    if not days:
        return False
    changed = user.password_changed_at or user.date_joined
    return changed + dt.timedelta(days=days) < (now or timezone.now())
