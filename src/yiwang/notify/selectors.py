"""Reads of the notification app, scoped to the actor: a user sees only their own inbox;
delivery status of messages is for holders of ``notify.view_message``."""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.core.errors import NotFound
from yiwang.core.permissions import require_perm
from yiwang.notify.choices import Channel
from yiwang.notify.models import Message


def inbox_list(*, actor, unread: bool | None = None) -> QuerySet[Message]:
    if not getattr(actor, "is_authenticated", False):
        return Message.objects.none()
    qs = Message.objects.filter(channel=Channel.INBOX, recipient=actor)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def inbox_get(*, actor, message_id: int) -> Message:
    message = inbox_list(actor=actor).filter(pk=message_id).first()
    if message is None:
        raise NotFound("message")
    return message


def inbox_unread_count(*, actor) -> int:
    return inbox_list(actor=actor, unread=True).count()


def message_list(
    *,
    actor,
    status: str | None = None,
    channel: str | None = None,
    template_code: str | None = None,
) -> QuerySet[Message]:
    """Messages whose delivery the actor may follow: all of them for a holder of
    ``notify.view_message`` at the root of the organisation tree, otherwise those sent by
    staff of the actor's subtree. Without the permission: 403."""
    require_perm(actor, "notify.view_message")
    qs = Message.objects.all()
    org = getattr(actor, "organisation", None)
    if not actor.is_superuser:
        if org is None:
            return Message.objects.none()
        if org.parent_id is not None:
            qs = qs.filter(sender__organisation__path__startswith=org.path)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if template_code:
        qs = qs.filter(template_code=template_code)
    return qs


def message_get(*, actor, message_id: int) -> Message:
    message = message_list(actor=actor).filter(pk=message_id).first()
    if message is None:
        raise NotFound("message")
    return message


def message_statuses(ids) -> dict[int, str]:
    """Message id → delivery status (unknown ids are left out); for the apps that follow the
    delivery of the notifications they sent (one query per 5,000 ids)."""
    ids = [int(i) for i in ids]
    found: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        found.update(
            Message.objects.filter(pk__in=ids[start : start + 5000]).values_list("pk", "status")
        )
    return found
