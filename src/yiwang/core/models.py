"""Organisations, people, roles, API credentials, security policy and the audit log."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import pii
from yiwang.core.choices import (
    AccountKind,
    AuditResult,
    EnterpriseMemberRole,
    OrgKind,
    Role,
)
from yiwang.core.validators import validate_division_code_format, validate_uscc


class Division(models.Model):
    """An administrative division (GB/T 2260 / statistical 12-digit code), 行政区划."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(
        _("level"), help_text=_("1 province, 2 city, 3 county/district, 4 town/street, 5 village")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Organisation(models.Model):
    """A node of the government organisation tree (city → district → department → street …).

    ``path`` is a materialised path of primary keys (``/1/4/27/``) maintained by the
    ``organisation_create``/``organisation_move`` services, so "this subtree" is one indexed
    ``startswith`` filter — the basis of every permission scope.
    """

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
    )
    code = models.SlugField(
        _("code"), max_length=64, unique=True, help_text=_("Stable identifier used by imports")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~models.Q(uscc=""),
                name="core_org_uscc_unique",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"], name="core_org_unique_name_per_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.uscc:
            self.uscc = validate_uscc(self.uscc)

    def is_ancestor_of(self, other: Organisation) -> bool:
        return other.path.startswith(self.path)


class User(AbstractUser):
    """Every person who signs in: government staff, citizens, enterprise staff."""

    kind = models.CharField(
        _("account kind"), max_length=20, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("consecutive failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="staff")
                | models.Q(organisation__isnull=False)
                | models.Q(is_superuser=True),
                name="core_user_staff_has_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def masked_mobile(self) -> str:
        return pii.mask_phone(self.mobile)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached


class RoleAssignment(models.Model):
    """A role held by a staff user; its scope is the user's organisation subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="core_role_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class CitizenProfile(models.Model):
    """A natural person's verified identity. The ID number is encrypted at rest."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen")
    real_name = models.CharField(_("real name"), max_length=50)
    id_number_encrypted = models.TextField(_("identity number (encrypted)"), editable=False)
    id_number_digest = models.CharField(max_length=64, editable=False, unique=True)
    id_number_masked = models.CharField(_("identity number"), max_length=18, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return f"{self.real_name} ({self.id_number_masked})"

    def set_id_number(self, number: str) -> None:
        self.id_number_encrypted = pii.encrypt(number)
        self.id_number_digest = pii.digest(number)
        self.id_number_masked = pii.mask_id_number(number)

    def reveal_id_number(self) -> str:
        return pii.decrypt(self.id_number_encrypted)


class EnterpriseAccount(models.Model):
    """An enterprise's account on the platform; several users act for it."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("enterprise name"), max_length=200)
    district = models.ForeignKey(
        Organisation,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")

    def __str__(self) -> str:
        return self.name


class EnterpriseMember(models.Model):
    enterprise = models.ForeignKey(
        EnterpriseAccount, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enterprise_memberships")
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=EnterpriseMemberRole.choices,
        default=EnterpriseMemberRole.AGENT,
    )

    class Meta:
        verbose_name = _("enterprise member")
        verbose_name_plural = _("enterprise members")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"], name="core_enterprise_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class ApiClient(models.Model):
    """A client application (another government system) that calls the API with tokens."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    service_user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="api_client", editable=False
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored; the secret is shown once."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.client} · {self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SecurityPolicy(models.Model):
    """等保 level-3 account rules, one row, edited by the security administrator."""

    min_password_length = models.PositiveSmallIntegerField(_("minimum password length"), default=8)
    min_character_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        default=3,
        help_text=_("Out of lower case, upper case, digits, symbols"),
    )
    max_failed_logins = models.PositiveSmallIntegerField(_("failed logins before lock"), default=5)
    lockout_minutes = models.PositiveSmallIntegerField(_("lock duration (minutes)"), default=30)
    idle_timeout_minutes = models.PositiveSmallIntegerField(_("idle timeout (minutes)"), default=30)
    staff_password_max_age_days = models.PositiveSmallIntegerField(
        _("staff password maximum age (days)"), default=90, help_text=_("0 disables expiry")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_password_length__gte=8), name="core_policy_min_length_8"
            ),
            models.CheckConstraint(
                condition=models.Q(min_character_classes__gte=1)
                & models.Q(min_character_classes__lte=4),
                name="core_policy_classes_1_4",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Security policy"))


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit records are append-only")

    def delete(self):
        raise PermissionError("audit records are append-only; use audit_purge_expired")

    def _purge(self):
        """Deletion reserved for the retention purge (see core.audit.audit_purge_expired)."""
        return super().delete()


class AuditLog(models.Model):
    """One audited action (等保: date, time, type, subject, object, result). Append-only."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_organisation_path = models.CharField(max_length=255, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=AuditResult.choices, default=AuditResult.SUCCESS
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records are append-only")


def validate_division_exists(code: str) -> None:
    validate_division_code_format(code)
    if not Division.objects.filter(code=code).exists():
        raise ValidationError(
            _("Unknown division code %(code)s."),
            code="unknown_division_code",
            params={"code": code},
        )
