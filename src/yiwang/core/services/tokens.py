"""API clients and their bearer tokens: created with scopes, shown once, stored hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.choices import AccountKind, Role
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.models import ApiClient, ApiToken, Organisation, RoleAssignment, User
from yiwang.core.permissions import has_perm, require_perm, role_permissions

TOKEN_PREFIX = "yw_"  # noqa: S105 — a public prefix, not a secret


def _digest(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 is not brute-forceable.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_client_create(
    *, actor, name: str, organisation: Organisation, roles: Iterable[str], description: str = ""
) -> ApiClient:
    """A client system acting inside ``organisation`` with the permissions of ``roles``."""
    require_perm(actor, "core.manage_api_client")
    roles = set(roles)
    if roles - set(Role.values):
        raise InvalidInput(
            "core.unknown_role", f"unknown roles: {sorted(roles - set(Role.values))}"
        )
    with transaction.atomic():
        user = User.objects.create(
            username=f"api:{name}"[:150],
            display_name=name,
            kind=AccountKind.SYSTEM,
            organisation=organisation,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
        client = ApiClient.objects.create(
            name=name, organisation=organisation, description=description, service_user=user
        )
        audit_record(
            actor=actor,
            action="core.api_client.create",
            obj=client,
            after={"name": name, "organisation_id": organisation.pk, "roles": sorted(roles)},
        )
    return client


def api_token_create(
    *,
    actor,
    client: ApiClient,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Return the token row and the raw secret, which is never stored and never shown again."""
    require_perm(actor, "core.manage_api_client")
    scopes = sorted(set(scopes))
    grantable: set[str] = set()
    for role in client.service_user.role_codes:
        grantable |= role_permissions().get(role, frozenset())
    if not scopes or set(scopes) - grantable:
        raise InvalidInput(
            "core.invalid_scopes",
            _("Scopes must be a non-empty subset of the client's permissions: %(allowed)s")
            % {"allowed": ", ".join(sorted(grantable))},
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("core.invalid_expiry", _("The expiry must be in the future."))
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            client=client,
            name=name,
            prefix=prefix,
            digest=_digest(raw),
            scopes=scopes,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="core.api_token.create",
            obj=token,
            after={
                "client": client.name,
                "prefix": prefix,
                "scopes": scopes,
                "expires_at": expires_at,
            },
        )
    return token, raw


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if not (has_perm(actor, "core.manage_api_client") or has_perm(actor, "core.revoke_api_token")):
        raise NotFound("token")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="core.api_token.revoke",
                obj=token,
                changes={"revoked_at": [None, token.revoked_at]},
            )
    return token


class TokenRejected(DomainError):
    status = 401


def api_token_authenticate(raw: str) -> User:
    """The service user of a valid token, with the token's scopes attached."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        raise TokenRejected("core.token_invalid", _("The API token is not valid."))
    token = (
        ApiToken.objects.select_related("client__service_user__organisation", "client")
        .filter(digest=_digest(raw))
        .first()
    )
    if token is None:
        raise TokenRejected("core.token_invalid", _("The API token is not valid."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected("core.token_revoked", _("The API token has been revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRejected("core.token_expired", _("The API token has expired."))
    if not token.client.is_active:
        raise TokenRejected("core.client_inactive", _("The API client is disabled."))
    # Coarse last-use tracking: at most one write per token per minute.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.client.service_user
    user._token_scopes = frozenset(token.scopes)
    user._api_token = token
    return user
