"""People: staff users and their roles, citizens, enterprise accounts and their members."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import pii
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import (
    ADMIN_SITE_ROLES,
    SEPARATED_ADMIN_ROLES,
    AccountKind,
    EnterpriseMemberRole,
    Role,
)
from yiwang.core.errors import Conflict, InvalidInput, NotFound, from_validation_error
from yiwang.core.models import (
    CitizenProfile,
    EnterpriseAccount,
    EnterpriseMember,
    Organisation,
    RoleAssignment,
    User,
)
from yiwang.core.permissions import has_perm, require_perm
from yiwang.core.validators import validate_id_number, validate_uscc

USER_FIELDS = ("username", "display_name", "kind", "organisation_id", "email", "is_active")


def _validated_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        err = from_validation_error(exc)
        for e in err.errors:
            e["field"] = "password"
        raise err from exc


def _check_roles(actor, roles: set[str]) -> None:
    unknown = roles - set(Role.values)
    if unknown:
        raise InvalidInput("core.unknown_role", f"unknown roles: {sorted(unknown)}")
    separated = roles & SEPARATED_ADMIN_ROLES
    if len(separated) > 1:
        raise InvalidInput(
            "core.separation_of_duties",
            _("System, security and audit administration must be held by different people."),
        )
    if (
        actor is not None
        and separated
        and not (actor.is_superuser or Role.PLATFORM_ADMIN in actor.role_codes)
    ):
        raise InvalidInput(
            "core.role_not_grantable",
            _("Only a platform administrator can grant administration roles."),
        )


def _check_org_scope(actor, organisation: Organisation) -> None:
    if actor is None:
        return
    require_perm(actor, "core.manage_user")
    if not actor.is_superuser and (
        actor.organisation is None or not actor.organisation.is_ancestor_of(organisation)
    ):
        raise NotFound("organisation")


def staff_user_create(
    *,
    actor,
    username: str,
    display_name: str,
    organisation: Organisation,
    password: str,
    roles: Iterable[str] = (),
    email: str = "",
    mobile: str = "",
) -> User:
    """Create a government staff account. ``actor=None`` only for seeding."""
    roles = set(roles)
    _check_org_scope(actor, organisation)
    _check_roles(actor, roles)
    user = User(
        username=username,
        display_name=display_name,
        organisation=organisation,
        kind=AccountKind.STAFF,
        email=email,
        mobile=mobile,
        is_staff=bool(roles & ADMIN_SITE_ROLES),
    )
    _validated_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    with transaction.atomic():
        try:
            user.save()
        except IntegrityError:
            raise Conflict("core.username_taken", _("This user name is already taken.")) from None
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=user, role=r) for r in sorted(roles)]
        )
        after = snapshot(user, USER_FIELDS) | {"roles": sorted(roles)}
        audit_record(actor=actor, action="core.user.create", obj=user, after=after)
    return user


def user_set_roles(*, actor, user: User, roles: Iterable[str]) -> User:
    roles = set(roles)
    if user.organisation is None:
        raise InvalidInput("core.not_staff", _("Only staff users hold roles."))
    _check_org_scope(actor, user.organisation)
    _check_roles(actor, roles)
    with transaction.atomic():
        before = sorted(user.role_codes)
        RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
        existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=user, role=r) for r in sorted(roles - existing)]
        )
        is_staff = bool(roles & ADMIN_SITE_ROLES)
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])
        user._role_codes = frozenset(roles)
        user._yiwang_perms = None
        audit_record(
            actor=actor,
            action="core.user.set_roles",
            obj=user,
            changes={"roles": [before, sorted(roles)]},
        )
    return user


def user_deactivate(*, actor, user: User) -> User:
    if user.organisation is not None:
        _check_org_scope(actor, user.organisation)
    elif not has_perm(actor, "core.manage_user"):
        raise NotFound("user")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="core.user.deactivate",
            obj=user,
            changes={"is_active": [True, False]},
        )
    return user


def citizen_register(
    *,
    username: str,
    password: str,
    real_name: str,
    id_number: str,
    mobile: str = "",
    email: str = "",
) -> User:
    """Self-registration of a citizen; the ID number is validated, encrypted and masked."""
    try:
        number = validate_id_number(id_number)
    except ValidationError as exc:
        err = from_validation_error(exc)
        for e in err.errors:
            e["field"] = "id_number"
        raise err from exc
    user = User(
        username=username,
        display_name=real_name,
        kind=AccountKind.CITIZEN,
        mobile=mobile,
        email=email,
    )
    _validated_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        if CitizenProfile.objects.filter(id_number_digest=pii.digest(number)).exists():
            raise Conflict(
                "core.id_number_registered",
                _("An account already exists for this identity number."),
            )
        try:
            user.save()
        except IntegrityError:
            raise Conflict("core.username_taken", _("This user name is already taken.")) from None
        profile = CitizenProfile(user=user, real_name=real_name, verified_at=timezone.now())
        profile.set_id_number(number)
        profile.save()
        audit_record(
            actor=user,
            action="core.citizen.register",
            obj=user,
            after=snapshot(user, USER_FIELDS) | {"id_number": profile.id_number_masked},
        )
    return user


def enterprise_account_create(
    *, actor, uscc: str, name: str, district: Organisation | None = None
) -> EnterpriseAccount:
    try:
        code = validate_uscc(uscc)
    except ValidationError as exc:
        err = from_validation_error(exc)
        for e in err.errors:
            e["field"] = "uscc"
        raise err from exc
    with transaction.atomic():
        if EnterpriseAccount.objects.filter(uscc=code).exists():
            raise Conflict(
                "core.enterprise_exists",
                _("An enterprise account already exists for this credit code."),
            )
        account = EnterpriseAccount.objects.create(uscc=code, name=name, district=district)
        audit_record(
            actor=actor,
            action="core.enterprise.create",
            obj=account,
            after={"uscc": code, "name": name, "district_id": district.pk if district else None},
        )
    return account


def enterprise_user_register(
    *,
    enterprise: EnterpriseAccount,
    username: str,
    password: str,
    display_name: str,
    mobile: str = "",
    role: str = EnterpriseMemberRole.AGENT,
    actor=None,
) -> User:
    """Create a user who acts for ``enterprise`` (its administrator or an agent)."""
    user = User(
        username=username, display_name=display_name, kind=AccountKind.ENTERPRISE, mobile=mobile
    )
    _validated_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        try:
            user.save()
        except IntegrityError:
            raise Conflict("core.username_taken", _("This user name is already taken.")) from None
        EnterpriseMember.objects.create(enterprise=enterprise, user=user, role=role)
        audit_record(
            actor=actor or user,
            action="core.enterprise.add_member",
            obj=enterprise,
            changes={"user": user.username, "role": role},
        )
    return user
