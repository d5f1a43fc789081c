"""What other apps use of notifications: send, the inbox summary, default templates.

Other apps import only this module (import-linter contract). Example::

    from yiwang.notify import facade as notify

    notify.template_ensure("hotline.order_assigned", "工单 {{ number }} 已派发",
                           "{{ department }} 请于 {{ deadline }} 前签收。")
    notify.send(template_code="hotline.order_assigned", recipients=[handler],
                channels=[notify.Channel.INBOX, notify.Channel.SMS],
                context={"number": order.number, ...}, dedupe_key=f"order:{order.pk}:assigned")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.notify import selectors
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.services import notification_send, template_register
from yiwang.notify.services.inbox import inbox_mark_read_by_key as _mark_read_by_key
from yiwang.notify.services.sending import Outgoing, notification_send_many
from yiwang.notify.webhooks import verify_signature

__all__ = [
    "Channel",
    "InboxItem",
    "MessageStatus",
    "Outgoing",
    "inbox_mark_read_by_key",
    "inbox_recent",
    "inbox_unread_count",
    "message_statuses",
    "send",
    "send_many",
    "template_ensure",
    "verify_signature",
]


@dataclass(frozen=True)
class InboxItem:
    """One inbox message as a page shows it."""

    id: int
    subject: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    link: str

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def send(
    *,
    template_code: str,
    recipients: Iterable[Any] = (),
    channels: Iterable[str] = (Channel.INBOX,),
    context: Mapping[str, Any] | None = None,
    actor=None,
    dedupe_key: str | None = None,
    link: str = "",
    payload: Mapping[str, Any] | None = None,
    organisation=None,
) -> list[int]:
    """Store and queue notifications; returns the ids of the messages created by this call.

    ``recipients``: users and/or email addresses and mobile numbers. ``channels``: values of
    :class:`Channel`. ``actor``: who caused the notification (``None`` for the platform).
    ``dedupe_key``: the event's identity; the same key never notifies a recipient twice on one
    channel. ``organisation``: limits webhook delivery to endpoints of that organisation and
    its ancestors. Raises ``InvalidInput`` for an unknown template, a template error or a
    missing variable, and an unusable recipient.
    """
    messages = notification_send(
        actor=actor,
        template_code=template_code,
        context=context,
        recipients=recipients,
        channels=channels,
        dedupe_key=dedupe_key,
        link=link,
        payload=payload,
        organisation=organisation,
    )
    return [m.pk for m in messages]


def send_many(
    items: Iterable[Outgoing], *, actor=None, skip_invalid: bool = False
) -> list[list[int] | Exception]:
    """Store many notifications at once (:class:`Outgoing` each: the arguments of :func:`send`);
    returns per item the ids of the messages it created. Same dedupe semantics as :func:`send`,
    a fraction of its queries (one template read, one dedupe read, one bulk insert, one audit
    record). An item that cannot be rendered raises ``InvalidInput`` before anything is stored
    — or, with ``skip_invalid``, gets that exception in its place while the others are sent."""
    results = notification_send_many(actor=actor, items=items, skip_invalid=skip_invalid)
    return [r if isinstance(r, Exception) else [m.pk for m in r] for r in results]


def inbox_unread_count(user) -> int:
    """Unread inbox messages of ``user`` (0 for an anonymous user)."""
    return selectors.inbox_unread_count(actor=user)


def inbox_mark_read_by_key(user, dedupe_key: str) -> int:
    """Mark ``user``'s unread inbox messages of one event (the ``dedupe_key`` it was sent
    with) read, when the sending module shows the event itself; returns how many changed."""
    return _mark_read_by_key(actor=user, dedupe_key=dedupe_key)


def inbox_recent(user, limit: int = 10) -> list[InboxItem]:
    """The ``limit`` newest inbox messages of ``user``, newest first."""
    rows = (
        selectors.inbox_list(actor=user)
        .order_by("-id")
        .only("id", "subject", "body", "created_at", "read_at", "link")[: max(0, limit)]
    )
    return [
        InboxItem(
            id=m.pk,
            subject=m.subject,
            body=m.body,
            created_at=m.created_at,
            read_at=m.read_at,
            link=m.link,
        )
        for m in rows
    ]


def message_statuses(message_ids: Iterable[int]) -> dict[int, str]:
    """Message id → its status (a :class:`MessageStatus` value) for ids a caller got from
    :func:`send` / :func:`send_many`; unknown ids are left out."""
    return selectors.message_statuses(message_ids)


def template_ensure(code: str, subject: str, body: str, *, name: str = "") -> bool:
    """Register a module's default template unless it exists (an administrator's edits are
    kept). Returns True when it was created. Idempotent and safe under concurrency; call it
    from the module's seed/set-up step (not from a migration: it uses the current models)."""
    return template_register(code=code, subject=subject, body=body, name=name)
