"""Delivery configuration administrators edit: channel policies and webhook endpoints."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, NotFound, from_validation_error
from yiwang.core.permissions import require_perm
from yiwang.notify.choices import Channel
from yiwang.notify.models import DEFAULT_POLICIES, ChannelPolicy, WebhookEndpoint

if TYPE_CHECKING:  # models of core are internal; annotations only
    from yiwang.core.models import Organisation

POLICY_FIELDS = ("channel", "max_per_minute", "max_attempts", "backoff_seconds", "timeout_seconds")
ENDPOINT_FIELDS = ("organisation_id", "name", "url", "events", "is_active")


def _full_clean(obj, exclude: Iterable[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc


def channel_policy_get(channel: str) -> ChannelPolicy:
    """The channel's policy row, or an unsaved one with the built-in defaults."""
    policy = ChannelPolicy.objects.filter(channel=channel).first()
    if policy is None:
        policy = ChannelPolicy(channel=channel, **DEFAULT_POLICIES[Channel(channel)])
    return policy


def channel_policy_update(
    *,
    actor,
    channel: str,
    max_per_minute: int,
    max_attempts: int,
    backoff_seconds: list[int],
    timeout_seconds: float,
) -> ChannelPolicy:
    require_perm(actor, "notify.manage")
    with transaction.atomic():
        policy = ChannelPolicy.objects.select_for_update().filter(channel=channel).first()
        if policy is None:
            policy = ChannelPolicy(channel=channel, **DEFAULT_POLICIES[Channel(channel)])
            before = None
        else:
            before = snapshot(policy, POLICY_FIELDS)
        policy.max_per_minute = max_per_minute
        policy.max_attempts = max_attempts
        policy.backoff_seconds = list(backoff_seconds)
        policy.timeout_seconds = timeout_seconds
        _full_clean(policy)
        policy.save()
        audit_record(
            actor=actor,
            action="notify.channel_policy.update",
            obj=policy,
            before=before,
            after=snapshot(policy, POLICY_FIELDS),
        )
    return policy


def _check_org_scope(actor, organisation: Organisation) -> None:
    require_perm(actor, "notify.manage")
    if actor.is_superuser:
        return
    if actor.organisation is None or not actor.organisation.is_ancestor_of(organisation):
        raise NotFound("organisation")


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_endpoint_create(
    *,
    actor,
    organisation: Organisation,
    name: str,
    url: str,
    events: Iterable[str],
    is_active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Register a receiving system; returns the endpoint and its secret (show it once)."""
    _check_org_scope(actor, organisation)
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        organisation=organisation,
        name=name,
        url=url,
        events=sorted(set(events)),
        is_active=is_active,
    )
    endpoint.set_secret(secret)
    _full_clean(endpoint)
    with transaction.atomic():
        try:
            with transaction.atomic():
                endpoint.save()
        except IntegrityError:
            raise Conflict(
                "notify.webhook_exists",
                _("This organisation already has a webhook endpoint of that name."),
            ) from None
        audit_record(
            actor=actor,
            action="notify.webhook.create",
            obj=endpoint,
            after=snapshot(endpoint, ENDPOINT_FIELDS),
        )
    return endpoint, secret


def webhook_endpoint_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    name: str,
    url: str,
    events: Iterable[str],
    is_active: bool,
) -> WebhookEndpoint:
    with transaction.atomic():
        current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        _check_org_scope(actor, current.organisation)
        before = snapshot(current, ENDPOINT_FIELDS)
        current.name = name
        current.url = url
        current.events = sorted(set(events))
        current.is_active = is_active
        _full_clean(current)
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            raise Conflict(
                "notify.webhook_exists",
                _("This organisation already has a webhook endpoint of that name."),
            ) from None
        audit_record(
            actor=actor,
            action="notify.webhook.update",
            obj=current,
            before=before,
            after=snapshot(current, ENDPOINT_FIELDS),
        )
    return current


def webhook_endpoint_rotate_secret(*, actor, endpoint: WebhookEndpoint) -> str:
    """Replace the signing secret; returns the new one (shown once). Pending retries are signed
    with the new secret."""
    _check_org_scope(actor, endpoint.organisation)
    secret = _new_secret()
    with transaction.atomic():
        endpoint.set_secret(secret)
        endpoint.save(update_fields=["secret_encrypted", "secret_hint", "updated_at"])
        audit_record(
            actor=actor,
            action="notify.webhook.rotate_secret",
            obj=endpoint,
            changes={"secret": "rotated"},
        )
    return secret
