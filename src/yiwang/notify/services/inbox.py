"""The in-app inbox of every user (staff, citizens, enterprise staff): marking messages read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import Message


def _own_unread(actor):
    return Message.objects.filter(channel=Channel.INBOX, recipient=actor, read_at__isnull=True)


def inbox_mark_read(*, actor, message: Message) -> Message:
    """Mark one inbox message read. Only its recipient may; for anyone else it does not exist."""
    if (
        not getattr(actor, "is_authenticated", False)
        or message.channel != Channel.INBOX
        or message.recipient_id != actor.pk
    ):
        raise NotFound("message")
    if message.read_at is not None:
        return message  # idempotent: reading twice changes nothing
    now = timezone.now()
    with transaction.atomic():
        if _own_unread(actor).filter(pk=message.pk).update(status=MessageStatus.READ, read_at=now):
            audit_record(
                actor=actor,
                action="notify.inbox.read",
                obj=message,
                changes={"status": [message.status, MessageStatus.READ]},
            )
    message.refresh_from_db()
    return message


def inbox_mark_all_read(*, actor) -> int:
    """Mark every unread inbox message of ``actor`` read; returns how many changed."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    with transaction.atomic():
        count = _own_unread(actor).update(status=MessageStatus.READ, read_at=timezone.now())
        if count:
            audit_record(
                actor=actor,
                action="notify.inbox.read_all",
                object_type="notify.message",
                changes={"count": count},
            )
    return count


def inbox_mark_read_by_key(*, actor, dedupe_key: str) -> int:
    """Mark ``actor``'s unread inbox messages of one event (its ``dedupe_key``) read — the
    module that sent them shows the event itself (a pushed policy opened in the enterprise
    desk). Returns how many changed; audited when any did."""
    if not getattr(actor, "is_authenticated", False) or not dedupe_key:
        return 0
    with transaction.atomic():
        count = (
            _own_unread(actor)
            .filter(dedupe_key=dedupe_key)
            .update(status=MessageStatus.READ, read_at=timezone.now())
        )
        if count:
            audit_record(
                actor=actor,
                action="notify.inbox.read",
                object_type="notify.message",
                changes={"dedupe_key": dedupe_key, "count": count},
            )
    return count
