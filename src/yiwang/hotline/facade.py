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


def open_order_count(*, actor) -> int:
    """Orders visible to ``actor`` that still need the actor's organisation (workbench)."""
    from yiwang.hotline.choices import OPEN_STATUSES

    return selectors.work_order_list(actor=actor).filter(status__in=OPEN_STATUSES).count()
