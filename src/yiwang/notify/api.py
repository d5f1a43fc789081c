"""Notification API: the caller's inbox, and delivery status of messages for administrators."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yiwang.core import pii
from yiwang.core.api_base import keyset_page
from yiwang.notify import selectors
from yiwang.notify.choices import Channel, MessageStatus
from yiwang.notify.models import Message
from yiwang.notify.services import inbox_mark_all_read, inbox_mark_read

router = Router(tags=["notify"])


class InboxQueryIn(Schema):
    unread: bool | None = None
    cursor: str | None = None
    limit: int = 20


class InboxMessageOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def resolve_is_read(obj: Message) -> bool:
        return obj.read_at is not None


class InboxPageOut(Schema):
    items: list[InboxMessageOut]
    next_cursor: str | None
    unread_count: int


class ReadAllOut(Schema):
    updated: int


class MessageQueryIn(Schema):
    status: MessageStatus | None = None
    channel: Channel | None = None
    template_code: str | None = None
    cursor: str | None = None
    limit: int = 50


class MessageStatusOut(Schema):
    """Delivery status; the address and the subject are masked (personal data)."""

    id: int
    channel: str
    status: str
    template_code: str
    template_version: int
    address: str
    subject: str
    recipient_id: int | None
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    read_at: dt.datetime | None

    @staticmethod
    def resolve_address(obj: Message) -> str:
        return obj.masked_address

    @staticmethod
    def resolve_subject(obj: Message) -> str:
        return pii.mask_text(obj.subject)


class MessagePageOut(Schema):
    items: list[MessageStatusOut]
    next_cursor: str | None


@router.get(
    "/inbox",
    response=InboxPageOut,
    operation_id="notify_inbox_list",
    summary="The caller's inbox, newest first",
)
def inbox_list(request: HttpRequest, query: Query[InboxQueryIn]):
    qs = selectors.inbox_list(actor=request.auth, unread=query.unread)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=min(query.limit, 100))
    return {
        "items": items,
        "next_cursor": next_cursor,
        "unread_count": selectors.inbox_unread_count(actor=request.auth),
    }


@router.post(
    "/inbox/read-all",
    response=ReadAllOut,
    operation_id="notify_inbox_mark_all_read",
    url_name="inbox_read_all",  # stable name: the portal's inbox page posts here
    summary="Mark every message of the caller's inbox read",
)
def inbox_read_all(request: HttpRequest):
    return {"updated": inbox_mark_all_read(actor=request.auth)}


@router.post(
    "/inbox/{message_id}/read",
    response=InboxMessageOut,
    operation_id="notify_inbox_mark_read",
    url_name="inbox_read",  # stable name: the portal's inbox page posts here
    summary="Mark one inbox message read",
)
def inbox_read(request: HttpRequest, message_id: int):
    message = selectors.inbox_get(actor=request.auth, message_id=message_id)
    return inbox_mark_read(actor=request.auth, message=message)


@router.get(
    "/messages",
    response=MessagePageOut,
    operation_id="notify_message_list",
    summary="Delivery status of messages (notification administrators)",
)
def message_list(request: HttpRequest, query: Query[MessageQueryIn]):
    qs = selectors.message_list(
        actor=request.auth,
        status=query.status,
        channel=query.channel,
        template_code=query.template_code,
    )
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/messages/{message_id}",
    response=MessageStatusOut,
    operation_id="notify_message_get",
    summary="Delivery status of one message",
)
def message_get(request: HttpRequest, message_id: int):
    return selectors.message_get(actor=request.auth, message_id=message_id)
