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
