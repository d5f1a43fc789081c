"""Hotline API at /api/v1/hotline: intake, scoped lists, one order, transitions, tracking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core import pii
from yiwang.core.api_base import keyset_page
from yiwang.core.choices import AccountKind
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors, services
from yiwang.hotline.api_knowledge import router as knowledge_router
from yiwang.hotline.api_stats import router as stats_router
from yiwang.hotline.api_suggest import router as suggest_router
from yiwang.hotline.choices import Category, Channel, RequesterKind, Status
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.services.sla import order_sla_levels

router = Router(tags=["hotline"])
router.add_router("/stats", stats_router)
router.add_router("", knowledge_router)  # /knowledge, /orders/{id}/attachments
router.add_router("", suggest_router)  # /suggestions

# Plain literals, not the TextChoices classes: OpenAPI component names come from class names
# and "Channel"/"Status" would collide with other apps' enums.
ChannelName = Literal.__getitem__(tuple(Channel.values))
CategoryName = Literal.__getitem__(tuple(Category.values))
StatusName = Literal.__getitem__(tuple(Status.values))
RequesterKindName = Literal.__getitem__(tuple(RequesterKind.values))


class WorkOrderIn(Schema):
    """A new request (受理). Content is stored as plain text (never rendered as HTML)."""

    channel: ChannelName = "api"  # type: ignore[valid-type]
    category: str = Field(description="consult, help, complaint, report, suggestion, praise")
    requester_kind: RequesterKindName = "citizen"  # type: ignore[valid-type]
    requester_name: str
    contact_phone: str
    content: str
    title: str = ""
    enterprise_name: str = ""
    enterprise_uscc: str = ""
    address: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    organisation_id: int | None = None
    confidential: bool = False
    emergency: bool = False
    transferred_to: str = ""
    exclusion_reason: str = ""


class UnitOut(Schema):
    id: int
    name: str


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    unit: str | None
    note: str
    at: dt.datetime


class WorkOrderListItemOut(Schema):
    id: int
    number: str
    version: int
    status: str
    channel: str
    category: str
    lane: str
    title: str
    requester_name: str
    contact_phone: str
    lead_unit: UnitOut | None
    district: UnitOut | None
    confidential: bool
    emergency: bool
    received_at: dt.datetime
    sign_deadline: dt.datetime | None
    reply_deadline: dt.datetime | None


class WorkOrderOut(WorkOrderListItemOut):
    content: str
    address: str
    enterprise_name: str
    enterprise_uscc: str
    transferred_to: str
    exclusion_reason: str
    co_units: list[UnitOut]
    parent_id: int | None
    callback_deadline: dt.datetime | None
    deadline_warnings: list[str]
    sla_levels: dict[str, str]
    sla_policy_version: int | None
    paused_seconds: int
    extension_count: int
    extension_pending_days: int | None
    reopen_count: int
    urge_count: int
    reply_text: str
    return_reason: str
    rating: str
    solved: bool | None
    dispatched_at: dt.datetime | None
    signed_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    called_back_at: dt.datetime | None
    events: list[EventOut]


class WorkOrderPageOut(Schema):
    items: list[WorkOrderListItemOut]
    next_cursor: str | None


class OrderQueryIn(Schema):
    status: StatusName | None = None  # type: ignore[valid-type]
    category: CategoryName | None = None  # type: ignore[valid-type]
    lane: str | None = None
    channel: ChannelName | None = None  # type: ignore[valid-type]
    lead_unit_id: int | None = None
    district_id: int | None = None
    number: str | None = None
    cursor: str | None = None
    limit: int = 50


ActionName = Literal[
    "dispatch",
    "sign",
    "start",
    "pause",
    "resume",
    "reply",
    "review",
    "close",
    "callback",
    "return",
    "return_review",
    "reassign",
    "extension_request",
    "extension_review",
    "urge",
    "merge",
    "transfer_city",
]


class TransitionIn(Schema):
    """One workflow action with the ``version`` the client saw (optimistic concurrency)."""

    action: ActionName
    version: int
    lead_unit_id: int | None = None
    co_unit_ids: list[int] = []
    result: str = ""
    answer: str = ""
    note: str = ""
    reason: str = ""
    approve: bool | None = None
    accept: bool | None = None
    rating: str = ""
    solved: bool | None = None
    reopen: bool = True
    days: int | None = None
    parent_id: int | None = None
    article_id: int | None = Field(None, description="close: knowledge article answered from")
    peer: str = Field("", description="transfer_city: the other city's code")


class TrackEventOut(Schema):
    action: str
    to_status: str
    at: dt.datetime


class TrackOut(Schema):
    """Public tracking: no personal data, no unit staff, no texts."""

    number: str
    status: str
    category: str
    received_at: dt.datetime
    closed_at: dt.datetime | None
    timeline: list[TrackEventOut]


def _unit(org) -> dict | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def _sees_identity(actor, order: WorkOrder) -> bool:
    """保密: units never see a confidential requester's identity; the centre and the owner do."""
    if not order.confidential:
        return True
    if actor.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE):
        return True
    return has_perm(actor, perms.VIEW_CITY)


def _list_item(actor, order: WorkOrder) -> dict:
    identity = _sees_identity(actor, order)
    return {
        "id": order.pk,
        "number": order.number,
        "version": order.version,
        "status": order.status,
        "channel": order.channel,
        "category": order.category,
        "lane": order.lane,
        "title": order.title,
        "requester_name": order.requester_name if identity else "***",
        "contact_phone": pii.mask_phone(order.contact_phone) if identity else "***",
        "lead_unit": _unit(order.lead_unit),
        "district": _unit(order.district),
        "confidential": order.confidential,
        "emergency": order.emergency,
        "received_at": order.received_at,
        "sign_deadline": order.sign_deadline,
        "reply_deadline": order.reply_deadline,
    }


def _detail(actor, order: WorkOrder) -> dict:
    identity = _sees_identity(actor, order)
    out = _list_item(actor, order)
    out.update(
        contact_phone=order.contact_phone if identity else "***",
        content=order.content,
        address=order.address,
        enterprise_name=order.enterprise_name,
        enterprise_uscc=order.enterprise_uscc,
        transferred_to=order.transferred_to,
        exclusion_reason=order.exclusion_reason,
        co_units=[_unit(u) for u in order.co_units.all()],
        parent_id=order.parent_id,
        callback_deadline=order.callback_deadline,
        deadline_warnings=list(order.deadline_warnings or []),
        sla_levels=order_sla_levels(order),
        sla_policy_version=order.sla_policy.version if order.sla_policy_id else None,
        paused_seconds=order.paused_seconds,
        extension_count=order.extension_count,
        extension_pending_days=order.extension_pending_days,
        reopen_count=order.reopen_count,
        urge_count=order.urge_count,
        reply_text=order.reply_text,
        return_reason=order.return_reason,
        rating=order.rating,
        solved=order.solved,
        dispatched_at=order.dispatched_at,
        signed_at=order.signed_at,
        replied_at=order.replied_at,
        closed_at=order.closed_at,
        called_back_at=order.called_back_at,
        events=[
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "unit": e.unit.name if e.unit_id else None,
                "note": e.note,
                "at": e.at,
            }
            for e in selectors.work_order_events(order=order)
        ],
    )
    return out


@router.post(
    "/orders",
    response={200: WorkOrderOut, 201: WorkOrderOut},
    operation_id="hotline_order_create",
    summary="Register a request (受理); a replayed Idempotency-Key returns the stored order",
)
def order_create(
    request: HttpRequest,
    payload: WorkOrderIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    order, created = services.work_order_create(
        actor=request.user, idempotency_key=idempotency_key, **payload.dict()
    )
    try:
        order = selectors.work_order_get(actor=request.user, pk=order.pk)
    except NotFound:
        # An intake-only client (scope hotline.intake without hotline.view) still gets the
        # receipt of what it just filed, never a 404 that would make it file the order again.
        order.refresh_from_db()
    return HttpStatus(201 if created else 200, _detail(request.user, order))


@router.get(
    "/orders",
    response=WorkOrderPageOut,
    operation_id="hotline_order_list",
    summary="Work orders visible to the caller (newest first, keyset cursor; phones masked)",
)
def order_list(request: HttpRequest, query: Query[OrderQueryIn]):
    filters = query.dict(exclude={"cursor", "limit"}, exclude_none=True)
    if "number" in filters:
        filters["number"] = filters["number"].strip().upper()
    qs = selectors.work_order_list(actor=request.user, filters=filters)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": [_list_item(request.user, o) for o in items], "next_cursor": next_cursor}


@router.get(
    "/orders/track",
    response=TrackOut,
    auth=None,
    operation_id="hotline_order_track",
    summary="Public tracking by order number and contact phone (no personal data)",
)
def order_track(request: HttpRequest, number: str, phone: str):
    order = selectors.work_order_track(number=number, phone=phone)
    return {
        "number": order.number,
        "status": order.status,
        "category": order.category,
        "received_at": order.received_at,
        "closed_at": order.closed_at,
        "timeline": [
            {"action": e.action, "to_status": e.to_status, "at": e.at}
            for e in selectors.work_order_events(order=order)
        ],
    }


@router.get(
    "/orders/{order_id}",
    response=WorkOrderOut,
    operation_id="hotline_order_get",
    summary="One work order with its timeline and SLA levels",
)
def order_get(request: HttpRequest, order_id: int):
    return _detail(request.user, selectors.work_order_get(actor=request.user, pk=order_id))


def _required(value, field: str):
    if value is None or value == "":
        raise InvalidInput(
            "required",
            f"{field} is required for this action",
            errors=[{"field": field, "code": "required", "message": f"{field} is required"}],
        )
    return value


@router.post(
    "/orders/{order_id}/transitions",
    response=WorkOrderOut,
    operation_id="hotline_order_transition",
    summary="Apply one workflow action (409 on a stale version or an illegal transition)",
)
def order_transition(request: HttpRequest, order_id: int, payload: TransitionIn):
    actor, v, p = request.user, payload.version, payload
    common = {"actor": actor, "order_id": order_id, "version": v}
    match p.action:
        case "dispatch":
            services.work_order_dispatch(
                **common,
                lead_unit_id=_required(p.lead_unit_id, "lead_unit_id"),
                co_unit_ids=p.co_unit_ids,
                note=p.note,
            )
        case "reassign":
            services.work_order_reassign(
                **common,
                lead_unit_id=_required(p.lead_unit_id, "lead_unit_id"),
                co_unit_ids=p.co_unit_ids,
                note=p.note,
            )
        case "sign":
            services.work_order_sign(**common)
        case "start":
            services.work_order_start(**common)
        case "pause":
            services.work_order_pause(**common, reason=p.reason)
        case "resume":
            services.work_order_resume(**common)
        case "reply":
            services.work_order_reply(**common, result=p.result)
        case "review":
            services.work_order_review(
                **common, approve=_required(p.approve, "approve"), note=p.note
            )
        case "close":
            services.work_order_close(**common, answer=p.answer, article_id=p.article_id)
        case "callback":
            services.work_order_callback(
                **common,
                rating=p.rating,
                solved=_required(p.solved, "solved"),
                note=p.note,
                reopen=p.reopen,
            )
        case "return":
            services.work_order_return(**common, reason=p.reason)
        case "return_review":
            services.work_order_return_review(
                **common, accept=_required(p.accept, "accept"), note=p.note
            )
        case "extension_request":
            services.work_order_extension_request(
                **common, days=_required(p.days, "days"), reason=p.reason
            )
        case "extension_review":
            services.work_order_extension_review(
                **common, approve=_required(p.approve, "approve"), note=p.note
            )
        case "urge":
            services.work_order_urge(**common, note=p.note)
        case "merge":
            services.work_order_merge(
                **common, parent_id=_required(p.parent_id, "parent_id"), note=p.note
            )
        case "transfer_city":
            services.work_order_transfer_city(**common, peer=p.peer, reason=p.reason)
    return _detail(actor, selectors.work_order_get(actor=actor, pk=order_id))
