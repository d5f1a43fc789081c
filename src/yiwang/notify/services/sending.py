"""Sending: render a template once, store one message per recipient and channel, queue them.

Everything is written in one transaction before any delivery is attempted; delivery tasks are
queued only after the commit. If queueing fails (Redis down, worker stopped) the rows stay
``pending`` and the periodic sweep queues them again.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.permissions import require_perm
from yiwang.notify.choices import EXTERNAL_CHANNELS, Channel, MessageStatus
from yiwang.notify.models import Message, Template, WebhookEndpoint
from yiwang.notify.rendering import render

if TYPE_CHECKING:  # models of core are internal; annotations only
    from yiwang.core.models import Organisation, User

logger = logging.getLogger(__name__)

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")
AUDITED_IDS_MAX = 100


def normalise_phone(value: str) -> str | None:
    """Mainland mobile number without separators or +86, or None when it is not one."""
    digits = _PHONE_NOISE.sub("", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _PHONE.match(digits) else None


def normalise_email(value: str) -> str | None:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        return None
    local, _sep, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


@dataclass
class _Target:
    channel: str
    recipient: User | None = None
    address: str = ""
    webhook: WebhookEndpoint | None = None
    key: str = ""
    missing: str = ""  # why a user cannot be reached on this channel (message stored as failed)


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def _channels(channels: Iterable[str]) -> list[str]:
    result: list[str] = []
    for channel in channels:
        if channel not in Channel.values:
            raise _invalid(
                "channels",
                "notify.unknown_channel",
                _("Unknown channel %(channel)s; use one of %(known)s.")
                % {"channel": channel, "known": ", ".join(Channel.values)},
            )
        if channel not in result:
            result.append(channel)
    if not result:
        raise _invalid("channels", "notify.no_channel", _("Give at least one channel."))
    return result


def _json_payload(value: Mapping[str, Any] | None) -> dict[str, Any]:
    # Model instances and other objects in a rendering context become their str().
    return json.loads(json.dumps(dict(value or {}), cls=DjangoJSONEncoder, default=str))


def _targets(
    channels: list[str],
    recipients: Iterable[Any],
    template_code: str,
    organisation: Organisation | None,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[_Target]:
    users: dict[int, User] = {}
    emails: list[str] = []
    phones: list[str] = []
    unusable: list[str] = []
    for recipient in recipients:
        if isinstance(recipient, get_user_model()):
            users.setdefault(recipient.pk, recipient)
        elif isinstance(recipient, str) and (email := normalise_email(recipient)):
            if Channel.EMAIL in channels:
                emails.append(email)
            else:
                unusable.append(recipient)
        elif isinstance(recipient, str) and (phone := normalise_phone(recipient)):
            if Channel.SMS in channels:
                phones.append(phone)
            else:
                unusable.append(recipient)
        else:
            raise _invalid(
                "recipients",
                "notify.invalid_recipient",
                _("A recipient must be a user, an email address or a mobile number; got %(value)r.")
                % {"value": str(recipient)[:50]},
            )
    if unusable:
        raise _invalid(
            "recipients",
            "notify.recipient_channel_mismatch",
            _("No requested channel can reach these addresses: %(values)s")
            % {"values": ", ".join(sorted(set(unusable)))},
        )

    targets: list[_Target] = []
    users_list = list(users.values())
    for channel in channels:
        if channel == Channel.INBOX:
            targets += [_Target(channel, user, key=f"user:{user.pk}") for user in users_list]
        elif channel == Channel.EMAIL:
            for user in users_list:
                address = normalise_email(user.email)
                targets.append(
                    _Target(
                        channel,
                        user,
                        address or "",
                        key=f"user:{user.pk}",
                        missing="" if address else "no_email",
                    )
                )
            targets += [_Target(channel, address=a, key=f"addr:{a}") for a in dict.fromkeys(emails)]
        elif channel == Channel.SMS:
            for user in users_list:
                address = normalise_phone(user.mobile)
                targets.append(
                    _Target(
                        channel,
                        user,
                        address or "",
                        key=f"user:{user.pk}",
                        missing="" if address else "no_mobile",
                    )
                )
            targets += [_Target(channel, address=a, key=f"addr:{a}") for a in dict.fromkeys(phones)]
        elif channel == Channel.WEBHOOK:
            if endpoints is None:
                endpoints = _active_endpoints()
            for endpoint in endpoints:
                if not endpoint.subscribes_to(template_code):
                    continue
                # An organisation receives events of its own subtree.
                if organisation is not None and not organisation.path.startswith(
                    endpoint.organisation.path
                ):
                    continue
                targets.append(
                    _Target(
                        channel,
                        address=endpoint.url,
                        webhook=endpoint,
                        key=f"webhook:{endpoint.pk}",
                    )
                )
    return targets


def _active_endpoints() -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.objects.filter(is_active=True).select_related("organisation").order_by("pk")
    )


_MISSING_TEXT = {
    "no_email": "The recipient has no valid email address.",
    "no_mobile": "The recipient has no valid mobile number.",
}


def _insert(rows: list[Message], deduplicated: bool) -> list[Message]:
    try:
        with transaction.atomic():
            return Message.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:
        if not deduplicated:
            raise
    # A concurrent send with the same dedupe key won a race: insert one by one, skip its rows.
    created = []
    for row in rows:
        row.pk = None
        row._state.adding = True
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        created.append(row)
    return created


def enqueue_delivery(message_ids: list[int]) -> None:
    """Queue one delivery task per message (called after commit). A failure here loses
    nothing: the rows are pending and the sweep queues them on its next run."""
    from yiwang.notify.tasks import message_deliver_task

    try:
        for pk in message_ids:
            message_deliver_task(pk)
    except Exception:
        logger.warning(
            "could not queue %d notification(s); the sweep will retry",
            len(message_ids),
            exc_info=True,
        )
        try:
            Message.objects.filter(pk__in=message_ids, status=MessageStatus.PENDING).update(
                enqueued_at=None
            )
        except Exception:
            logger.warning("could not mark notifications for the sweep", exc_info=True)


def notification_send(
    *,
    actor,
    template_code: str,
    context: Mapping[str, Any] | None = None,
    recipients: Iterable[Any] = (),
    channels: Iterable[str] = (Channel.INBOX,),
    dedupe_key: str | None = None,
    link: str = "",
    payload: Mapping[str, Any] | None = None,
    organisation: Organisation | None = None,
) -> list[Message]:
    """Render ``template_code`` with ``context`` and store a message for every recipient on
    every channel; returns the messages created by this call.

    ``recipients`` mixes users (inbox, their email address, their mobile) and plain email
    addresses / mobile numbers. The webhook channel goes to every active endpoint subscribed to
    the template code (limited to endpoints of ``organisation`` and its ancestors when given).
    With ``dedupe_key``, a recipient+channel that already has a message for that key is
    skipped, so re-running the same event never notifies anyone twice. Inbox messages are
    delivered at once; the others are queued for a worker after the commit.
    """
    channel_list = _channels(channels)
    template = Template.objects.filter(code=template_code).first()
    if template is None:
        raise _invalid(
            "template_code",
            "notify.unknown_template",
            _("There is no notification template with code %(code)s.") % {"code": template_code},
        )
    context = dict(context or {})
    subject = " ".join(
        render(
            code=template.code, field="subject", source=template.subject, context=context
        ).split()
    )[:500]
    body = render(code=template.code, field="body", source=template.body, context=context)
    data = _json_payload(payload if payload is not None else context)
    dedupe = (dedupe_key or "").strip()[:200]
    targets = _targets(channel_list, recipients, template.code, organisation)

    now = timezone.now()
    sender = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        existing: set[tuple[str, str]] = set()
        if dedupe:
            existing = set(
                Message.objects.filter(dedupe_key=dedupe, channel__in=channel_list).values_list(
                    "channel", "recipient_key"
                )
            )
        rows = []
        for target in targets:
            if (target.channel, target.key) in existing:
                continue
            row = Message(
                channel=target.channel,
                recipient=target.recipient,
                address=target.address,
                webhook=target.webhook,
                recipient_key=target.key,
                template_code=template.code,
                template_version=template.version,
                subject=subject,
                body=body,
                link=link[:500],
                payload=data,
                dedupe_key=dedupe,
                sender=sender,
            )
            if target.channel == Channel.INBOX:
                row.status, row.sent_at = MessageStatus.DELIVERED, now
            elif target.missing:
                row.status, row.last_error = MessageStatus.FAILED, _MISSING_TEXT[target.missing]
            else:
                row.status, row.next_attempt_at, row.enqueued_at = MessageStatus.PENDING, now, now
            rows.append(row)
        created = _insert(rows, bool(dedupe)) if rows else []
        ids = [m.pk for m in created]
        counts: dict[str, int] = {}
        for m in created:
            counts[f"{m.channel}.{m.status}"] = counts.get(f"{m.channel}.{m.status}", 0) + 1
        audit_record(
            actor=actor,
            action="notify.send",
            object_type="notify.message",
            object_id=ids[0] if len(ids) == 1 else "",
            changes={
                "template": template.code,
                "template_version": template.version,
                "channels": channel_list,
                "dedupe_key": dedupe,
                "created": len(created),
                "duplicates": len(targets) - len(created),
                "by_status": counts,
                "message_ids": ids[:AUDITED_IDS_MAX],
            },
        )
        queued = [
            m.pk
            for m in created
            if m.channel in EXTERNAL_CHANNELS and m.status == MessageStatus.PENDING
        ]
        if queued:
            transaction.on_commit(partial(enqueue_delivery, queued))
    return created


def message_resend(*, actor, message: Message) -> Message:
    """Put a failed (or waiting) message back in the queue with a fresh set of attempts.

    A message that was sent, delivered or read is never sent again (409).
    """
    require_perm(actor, "notify.manage")
    now = timezone.now()
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk,
            channel__in=EXTERNAL_CHANNELS,
            status__in=[MessageStatus.FAILED, MessageStatus.PENDING],
        ).update(
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            enqueued_at=now,
            claimed_at=None,
        )
        if not updated:
            raise Conflict(
                "notify.not_resendable",
                _(
                    "Only failed or waiting email, SMS and webhook messages can be sent "
                    "again; this one is %(status)s."
                )
                % {"status": message.get_status_display()},
            )
        audit_record(
            actor=actor,
            action="notify.message.resend",
            obj=message,
            changes={
                "status": [message.status, MessageStatus.PENDING],
                "attempts": [message.attempts, 0],
            },
        )
        transaction.on_commit(partial(enqueue_delivery, [message.pk]))
    message.refresh_from_db()
    return message


@dataclass
class Outgoing:
    """One notification of a :func:`notification_send_many` call (the arguments of
    :func:`notification_send` but ``actor``)."""

    template_code: str
    recipients: Iterable[Any] = ()
    channels: Iterable[str] = (Channel.INBOX,)
    context: Mapping[str, Any] | None = None
    dedupe_key: str | None = None
    link: str = ""
    payload: Mapping[str, Any] | None = None
    organisation: Organisation | None = None


def notification_send_many(
    *, actor, items: Iterable[Outgoing], skip_invalid: bool = False
) -> list[list[Message] | InvalidInput]:
    """Store many notifications in one go: one query for the templates, at most one for the
    webhook endpoints, one for the dedupe keys, one bulk insert and one audit record
    (``notify.send_many``) — where :func:`notification_send` per item costs all of that per
    item. Same semantics per item: a recipient+channel that already has a message with the
    item's ``dedupe_key`` (stored before, or earlier in this batch) is skipped.

    Returns, per item, the messages it created. An item whose template is unknown or cannot be
    rendered, or whose recipients are unusable, raises ``InvalidInput`` before anything is
    written — or, with ``skip_invalid``, gets the exception in its place and the others are
    stored.
    """
    items = list(items)
    codes = {item.template_code for item in items}
    templates = {t.code: t for t in Template.objects.filter(code__in=codes)} if codes else {}
    endpoints: list[WebhookEndpoint] | None = None
    prepared: list[tuple[Outgoing, Template, list[_Target], dict] | InvalidInput] = []
    for item in items:
        try:
            channel_list = _channels(item.channels)
            template = templates.get(item.template_code)
            if template is None:
                raise _invalid(
                    "template_code",
                    "notify.unknown_template",
                    _("There is no notification template with code %(code)s.")
                    % {"code": item.template_code},
                )
            context = dict(item.context or {})
            fields = {
                "subject": " ".join(
                    render(
                        code=template.code,
                        field="subject",
                        source=template.subject,
                        context=context,
                    ).split()
                )[:500],
                "body": render(
                    code=template.code, field="body", source=template.body, context=context
                ),
                "payload": _json_payload(item.payload if item.payload is not None else context),
                "dedupe_key": (item.dedupe_key or "").strip()[:200],
            }
            if Channel.WEBHOOK in channel_list and endpoints is None:
                endpoints = _active_endpoints()
            targets = _targets(
                channel_list, item.recipients, template.code, item.organisation, endpoints
            )
        except InvalidInput as exc:
            if not skip_invalid:
                raise
            prepared.append(exc)
            continue
        prepared.append((item, template, targets, fields))

    # At the top level (no caller's transaction) the rows go in without a savepoint: should a
    # concurrent send win a dedupe key race, the whole transaction rolls back and is done again
    # the careful way (existing keys read anew, row by row). Inside a caller's transaction a
    # savepoint protects it, as in notification_send.
    top = not transaction.get_connection().in_atomic_block
    try:
        return _store_many(actor, items, codes, prepared, savepoint=not top)
    except IntegrityError:
        if not top:
            raise
        return _store_many(actor, items, codes, prepared, savepoint=True)


def _store_many(actor, items, codes, prepared, *, savepoint: bool):
    now = timezone.now()
    sender = actor if getattr(actor, "is_authenticated", False) else None
    results: list[list[Message] | InvalidInput] = []
    with transaction.atomic():
        keys = {p[3]["dedupe_key"] for p in prepared if not isinstance(p, InvalidInput)} - {""}
        existing: set[tuple[str, str, str]] = set()
        if keys:
            existing = set(
                Message.objects.filter(dedupe_key__in=keys).values_list(
                    "dedupe_key", "channel", "recipient_key"
                )
            )
        rows: list[Message] = []
        owners: list[int] = []
        targeted = 0
        for index, entry in enumerate(prepared):
            if isinstance(entry, InvalidInput):
                continue
            item, template, targets, fields = entry
            targeted += len(targets)
            dedupe = fields["dedupe_key"]
            for target in targets:
                identity = (dedupe, target.channel, target.key)
                if dedupe and identity in existing:
                    continue
                if dedupe:
                    existing.add(identity)
                row = Message(
                    channel=target.channel,
                    recipient=target.recipient,
                    address=target.address,
                    webhook=target.webhook,
                    recipient_key=target.key,
                    template_code=template.code,
                    template_version=template.version,
                    subject=fields["subject"],
                    body=fields["body"],
                    link=item.link[:500],
                    payload=fields["payload"],
                    dedupe_key=dedupe,
                    sender=sender,
                )
                if target.channel == Channel.INBOX:
                    row.status, row.sent_at = MessageStatus.DELIVERED, now
                elif target.missing:
                    row.status, row.last_error = (
                        MessageStatus.FAILED,
                        _MISSING_TEXT[target.missing],
                    )
                else:
                    row.status, row.next_attempt_at, row.enqueued_at = (
                        MessageStatus.PENDING,
                        now,
                        now,
                    )
                rows.append(row)
                owners.append(index)
        if not rows:
            created = []
        elif savepoint:
            created = _insert(rows, any(r.dedupe_key for r in rows))
        else:
            created = Message.objects.bulk_create(rows, batch_size=500)
        created_ids = {id(m) for m in created}
        per_item: dict[int, list[Message]] = defaultdict(list)
        for row, index in zip(rows, owners, strict=True):
            if id(row) in created_ids:
                per_item[index].append(row)
        for index, entry in enumerate(prepared):
            results.append(entry if isinstance(entry, InvalidInput) else per_item[index])
        counts: dict[str, int] = {}
        for m in created:
            counts[f"{m.channel}.{m.status}"] = counts.get(f"{m.channel}.{m.status}", 0) + 1
        if items:
            audit_record(
                actor=actor,
                action="notify.send_many",
                object_type="notify.message",
                changes={
                    "templates": sorted(codes),
                    "items": len(items),
                    "invalid": sum(isinstance(p, InvalidInput) for p in prepared),
                    "dedupe_keys": sorted(keys)[:AUDITED_IDS_MAX],
                    "created": len(created),
                    "duplicates": targeted - len(created),
                    "by_status": counts,
                    "message_ids": [m.pk for m in created][:AUDITED_IDS_MAX],
                },
            )
        queued = [
            m.pk
            for m in created
            if m.channel in EXTERNAL_CHANNELS and m.status == MessageStatus.PENDING
        ]
        if queued:
            transaction.on_commit(partial(enqueue_delivery, queued))
    return results
