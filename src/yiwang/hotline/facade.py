"""What other apps may use of the hotline: order counts and a plain summary of one order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.hotline import selectors


@dataclass(frozen=True)
class WorkOrderRef:
    id: int
    number: str
    status: str
    category: str
    lane: str
    received_at: dt.datetime
    reply_deadline: dt.datetime | None


def work_order_summary(*, actor, pk: int) -> WorkOrderRef:
    """One order visible to ``actor`` (raises ``NotFound`` otherwise)."""
    order = selectors.work_order_get(actor=actor, pk=pk)
    return WorkOrderRef(
        order.pk,
        order.number,
        order.status,
        order.category,
        order.lane,
        order.received_at,
        order.reply_deadline,
    )


@dataclass(frozen=True)
class ClosedOrderRef:
    """A closed (or called-back) order as a 好差评 service event: ``event`` holds the keyword
    arguments of ``ratings.facade.service_event_record`` (without ``actor``), ``rating`` the
    callback's rating (empty when not called back yet)."""

    id: int
    number: str
    event: dict
    rating: str
    called_back_at: dt.datetime | None


def closed_orders(*, exclude_numbers: frozenset[str] | set[str] = frozenset()):
    """Every closed or called-back order (oldest first) except ``exclude_numbers``, for the
    ratings module's backfill of orders closed before the hook existed or bulk-simulated. An
    iterator of :class:`ClosedOrderRef` (contains the caller's phone: for the ratings module,
    which stores it encrypted)."""
    from yiwang.hotline.choices import Status
    from yiwang.hotline.models import WorkOrder
    from yiwang.hotline.services.workflow import rating_event_fields

    qs = (
        WorkOrder.objects.filter(
            status__in=[Status.CLOSED, Status.CALLED_BACK], closed_at__isnull=False
        )
        .select_related("created_by")
        .order_by("closed_at", "id")
    )
    for order in qs.iterator(chunk_size=2000):
        if order.number in exclude_numbers:
            continue
        closer = order.created_by.organisation_id if order.created_by else None
        yield ClosedOrderRef(
            id=order.pk,
            number=order.number,
            event=rating_event_fields(order, closer),
            rating=order.rating if order.status == Status.CALLED_BACK else "",
            called_back_at=order.called_back_at,
        )


def open_order_count(*, actor) -> int:
    """Orders visible to ``actor`` that still need the actor's organisation (workbench)."""
    from yiwang.hotline.choices import OPEN_STATUSES

    return selectors.work_order_list(actor=actor).filter(status__in=OPEN_STATUSES).count()


# --- enterprise requests (诉求) raised from the policy app's enterprise service desk --------------


@dataclass(frozen=True)
class ProgressEvent:
    """One step of an order's public timeline (as the citizen's tracking page shows it)."""

    label: str
    at: dt.datetime


@dataclass(frozen=True)
class EnterpriseRequestRef:
    """An enterprise's request as the enterprise sees it: no staff names, no caller data.

    ``step`` / ``steps``: how far the order went along 受理 → 派单 → 签收 → 办理 → 答复 → 办结 →
    回访 (``step`` is ``None`` for orders that left the normal flow: not accepted, transferred,
    merged). ``reply`` is the unit's reply once the centre approved it (closed orders).
    ``timeline`` is filled by :func:`enterprise_request_detail` only; the list gives the latest
    event in ``last_event``.
    """

    number: str
    title: str
    content: str
    category: str
    category_label: str
    status: str
    status_label: str
    lane: str
    lane_label: str
    received_at: dt.datetime
    sign_deadline: dt.datetime | None
    reply_deadline: dt.datetime | None
    closed_at: dt.datetime | None
    unit: str
    enterprise_uscc: str
    enterprise_name: str
    step: int | None
    steps: tuple[str, ...]
    reply: str = ""
    last_event: ProgressEvent | None = None
    timeline: tuple[ProgressEvent, ...] = ()
    contact_phone_masked: str = ""


def request_categories() -> list[tuple[str, str]]:
    """The hotline's request categories (value, label) for a form's choices."""
    from yiwang.hotline.choices import Category

    return [(value, str(label)) for value, label in Category.choices]


def _member_usccs(actor, usccs) -> list[str]:
    """The credit codes of ``usccs`` that ``actor`` (an enterprise user) acts for."""
    from yiwang.core.choices import AccountKind

    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.kind != AccountKind.ENTERPRISE
    ):
        return []
    wanted = {(u or "").strip().upper() for u in usccs if u}
    if not wanted:
        return []
    return list(
        actor.enterprise_memberships.filter(enterprise__uscc__in=wanted).values_list(
            "enterprise__uscc", flat=True
        )
    )


def _enterprise_orders(actor, usccs):
    """Orders raised on the enterprise lane by users acting for one of ``usccs`` (which
    ``actor`` must act for too): every member of an enterprise sees its requests."""
    from django.contrib.auth import get_user_model

    from yiwang.hotline.choices import RequesterKind
    from yiwang.hotline.models import WorkOrder

    codes = _member_usccs(actor, usccs)
    if not codes:
        return WorkOrder.objects.none()
    members = get_user_model().objects.filter(enterprise_memberships__enterprise__uscc__in=codes)
    return (
        WorkOrder.objects.filter(
            owner__in=members.values("pk"),
            requester_kind=RequesterKind.ENTERPRISE,
            enterprise_uscc__in=codes,
        )
        .select_related("lead_unit")
        .order_by("-received_at", "-pk")
    )


def _public_events(orders) -> dict[int, list[ProgressEvent]]:
    """The public timeline of each order (one query): no SLA warnings, no actors or notes."""
    from yiwang.hotline.choices import Action
    from yiwang.hotline.models import WorkOrderEvent

    events: dict[int, list[ProgressEvent]] = {o.pk: [] for o in orders}
    if not events:
        return events
    rows = (
        WorkOrderEvent.objects.filter(order_id__in=list(events))
        .exclude(action=Action.SLA_WARNING)
        .order_by("at", "id")
        .values_list("order_id", "action", "at")
    )
    for order_id, action, at in rows:
        events[order_id].append(ProgressEvent(str(Action(action).label), at))
    return events


def _request_ref(order, events: list[ProgressEvent], *, full: bool) -> EnterpriseRequestRef:
    from yiwang.hotline.choices import STEP_OF_STATUS, STEPS, Category, Lane, Status

    approved = order.status in (Status.CLOSED, Status.CALLED_BACK)
    return EnterpriseRequestRef(
        number=order.number,
        title=order.title,
        content=order.content,
        category=order.category,
        category_label=str(Category(order.category).label),
        status=order.status,
        status_label=str(Status(order.status).label),
        lane=order.lane,
        lane_label=str(Lane(order.lane).label),
        received_at=order.received_at,
        sign_deadline=order.sign_deadline,
        reply_deadline=order.reply_deadline,
        closed_at=order.closed_at,
        unit=order.lead_unit.name if order.lead_unit_id else "",
        enterprise_uscc=order.enterprise_uscc,
        enterprise_name=order.enterprise_name,
        step=STEP_OF_STATUS.get(order.status),
        steps=tuple(str(s) for s in STEPS),
        reply=order.reply_text if approved else "",
        last_event=events[-1] if events else None,
        timeline=tuple(events) if full else (),
        contact_phone_masked=order.masked_phone,
    )


def enterprise_request_submit(
    *,
    actor,
    uscc: str,
    enterprise_name: str,
    category: str,
    content: str,
    contact_phone: str,
    title: str = "",
    idempotency_key: str | None = None,
) -> tuple[EnterpriseRequestRef, bool]:
    """An enterprise user's 诉求 → an enterprise-lane work order (channel: enterprise
    workbench), through the hotline's own intake (validation, numbering, SLA, dispatch).

    Returns ``(request, created)``; a replayed ``idempotency_key`` returns the stored request.
    ``actor`` must act for ``uscc`` (else ``NotFound``); bad input is the intake's
    ``InvalidInput`` with per-field errors (``category``, ``content``, ``contact_phone`` …).
    """
    from yiwang.core.errors import NotFound
    from yiwang.hotline.choices import Channel, RequesterKind
    from yiwang.hotline.services.intake import work_order_create

    codes = _member_usccs(actor, [uscc])
    if not codes:
        raise NotFound("enterprise")
    key = (idempotency_key or "").strip()
    order, created = work_order_create(
        actor=actor,
        channel=Channel.ENTERPRISE,
        requester_kind=RequesterKind.ENTERPRISE,
        category=category,
        requester_name=(actor.display_name or actor.get_username())[:100],
        contact_phone=contact_phone,
        content=content,
        title=title,
        enterprise_name=enterprise_name,
        enterprise_uscc=codes[0],
        idempotency_key=f"desk-{actor.pk}-{key}"[:100] if key else None,
    )
    order = _enterprise_orders(actor, codes).get(pk=order.pk)
    return _request_ref(order, _public_events([order])[order.pk], full=True), created


def enterprise_requests(
    *, actor, usccs, limit: int = 30, offset: int = 0
) -> tuple[list[EnterpriseRequestRef], int]:
    """The enterprise-lane requests of the enterprises ``usccs`` (those ``actor`` acts for),
    newest first, with their latest event: ``(page, total)``. Three queries."""
    qs = _enterprise_orders(actor, usccs)
    total = qs.count()
    orders = list(qs[max(0, offset) : max(0, offset) + max(1, min(limit, 200))])
    events = _public_events(orders)
    return [_request_ref(o, events[o.pk], full=False) for o in orders], total


def enterprise_request_detail(*, actor, uscc: str, number: str) -> EnterpriseRequestRef:
    """One request of the enterprise ``uscc`` with its public timeline and approved reply;
    another enterprise's (or a missing) number is ``NotFound``."""
    from yiwang.core.errors import NotFound

    order = _enterprise_orders(actor, [uscc]).filter(number=(number or "").strip().upper()).first()
    if order is None:
        raise NotFound("work order")
    return _request_ref(order, _public_events([order])[order.pk], full=True)
