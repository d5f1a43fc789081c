"""SLA clocks: warning levels, the periodic sweep, and policy revisions.

Level of a clock = office time elapsed since the clock started ÷ office time allowed until its
deadline (both from ``worktime.working_minutes_between``, paused time excluded): ≥ yellow
ratio (75 %) yellow, ≥ red ratio (90 %) red, at or past the deadline overdue. The sweep records
each level it notified per order, clock and deadline (``SlaAlert``, unique), so rerunning
sends nothing new; after downtime it notifies the current level at once (skipped lower levels
are recorded as not notified).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.hotline import support as common
from yiwang.hotline.choices import SLA_LEVEL_ORDER, Clock, SlaLevel, Status
from yiwang.hotline.models import SlaAlert, SlaPolicy, WorkOrder
from yiwang.worktime import facade as worktime

REPLY_CLOCK_STATUSES = (
    Status.DISPATCHED,
    Status.SIGNED,
    Status.IN_PROGRESS,
    Status.RETURN_REQUESTED,
)

DEFAULT_YELLOW = Decimal("0.75")
DEFAULT_RED = Decimal("0.90")


def clock_level(
    *,
    start: dt.datetime,
    deadline: dt.datetime,
    now: dt.datetime,
    paused_seconds: int = 0,
    yellow: Decimal = DEFAULT_YELLOW,
    red: Decimal = DEFAULT_RED,
) -> str:
    if now >= deadline:
        return SlaLevel.OVERDUE
    allowed = worktime.working_minutes_between(start, deadline).seconds - paused_seconds
    if allowed <= 0:
        return SlaLevel.NORMAL
    elapsed = max(0, worktime.working_minutes_between(start, now).seconds - paused_seconds)
    ratio = Decimal(elapsed) / Decimal(allowed)
    if ratio >= red:
        return SlaLevel.RED
    if ratio >= yellow:
        return SlaLevel.YELLOW
    return SlaLevel.NORMAL


def order_clocks(order: WorkOrder) -> list[tuple[str, dt.datetime, dt.datetime, int]]:
    """(clock, start, deadline, paused seconds) of the clocks running for ``order``."""
    clocks = []
    if order.status == Status.DISPATCHED and order.sign_deadline and order.dispatched_at:
        clocks.append((Clock.SIGN, order.dispatched_at, order.sign_deadline, 0))
    if order.status in REPLY_CLOCK_STATUSES and order.reply_deadline:
        start = order.called_back_at if order.reopen_count and order.called_back_at else None
        clocks.append(
            (Clock.REPLY, start or order.received_at, order.reply_deadline, order.paused_seconds)
        )
    if order.status == Status.CLOSED and order.callback_deadline and order.closed_at:
        clocks.append((Clock.CALLBACK, order.closed_at, order.callback_deadline, 0))
    return clocks


def order_sla_levels(order: WorkOrder, now: dt.datetime | None = None) -> dict[str, str]:
    """``{clock: level}`` of an order now (for lists and pages)."""
    now = now or common.now()
    policy = order.sla_policy
    result = {}
    for clock, start, deadline, paused in order_clocks(order):
        result[clock] = clock_level(
            start=start,
            deadline=deadline,
            now=now,
            paused_seconds=paused,
            yellow=policy.yellow_ratio if policy else DEFAULT_YELLOW,
            red=policy.red_ratio if policy else DEFAULT_RED,
        )
    return result


def _notify_level(order_id: int, clock: str, level: str, deadline: dt.datetime) -> None:
    order = WorkOrder.objects.filter(pk=order_id).first()
    if order is None:
        return
    if clock == Clock.CALLBACK:
        recipients = common.centre_operators(order.city_id)
    else:
        recipients = common.unit_handlers(order.lead_unit_id)
    if level == SlaLevel.OVERDUE:
        recipients += common.unit_leaders(order.lead_unit_id)
        recipients += common.centre_operators(order.city_id)
        template = "hotline.sla_overdue"
    else:
        template = "hotline.sla_warning"
    unique = list({u.pk: u for u in recipients}.values())
    common.send(
        template=template,
        order=order,
        recipients=unique,
        dedupe_key=f"hotline:{order_id}:{clock}:{level}:{deadline.isoformat()}",
        clock=Clock(clock).label,
        level=SlaLevel(level).label,
        deadline=common.fmt(deadline),
    )


def sla_sweep(*, actor=None, now: dt.datetime | None = None, batch_size: int = 2000) -> dict:
    """Compute every open order's clocks; urge at yellow/red, escalate overdue. Idempotent."""
    now = now or common.now()
    counts = {"orders": 0, "alerts": 0}
    qs = (
        WorkOrder.objects.filter(Q(status__in=REPLY_CLOCK_STATUSES) | Q(status=Status.CLOSED))
        .select_related("sla_policy")
        .only(
            "id",
            "status",
            "received_at",
            "dispatched_at",
            "closed_at",
            "called_back_at",
            "reopen_count",
            "sign_deadline",
            "reply_deadline",
            "callback_deadline",
            "paused_seconds",
            "sla_policy__yellow_ratio",
            "sla_policy__red_ratio",
        )
        .order_by("id")
    )
    known = {}
    for order in qs.iterator(chunk_size=batch_size):
        counts["orders"] += 1
        for clock, level in order_sla_levels(order, now).items():
            if level == SlaLevel.NORMAL:
                continue
            deadline = dict((c, d) for c, _s, d, _p in order_clocks(order))[clock]
            key = (order.pk, clock, deadline)
            if key not in known:
                known[key] = set(
                    SlaAlert.objects.filter(
                        order_id=order.pk, clock=clock, deadline=deadline
                    ).values_list("level", flat=True)
                )
            if level in known[key]:
                continue
            upto = SLA_LEVEL_ORDER[1 : SLA_LEVEL_ORDER.index(level) + 1]
            created_current = False
            for lvl in upto:
                if lvl in known[key]:
                    continue
                try:
                    with transaction.atomic():
                        SlaAlert.objects.create(
                            order_id=order.pk,
                            clock=clock,
                            level=lvl,
                            deadline=deadline,
                            notified=(lvl == level),
                        )
                except IntegrityError:
                    continue  # another sweep recorded it first
                known[key].add(lvl)
                created_current = created_current or lvl == level
            if created_current:
                counts["alerts"] += 1
                args = (order.pk, clock, level, deadline)
                transaction.on_commit(lambda args=args: _notify_level(*args))
    if counts["alerts"]:
        audit_record(
            actor=actor,
            action="hotline.sla.sweep",
            object_type="hotline.workorder",
            changes={"now": now.isoformat(), **counts},
        )
    return counts


def sla_policy_revise(
    *,
    actor,
    lane: str,
    category: str,
    sign_hours: Decimal,
    handle_days: int,
    callback_days: int = 2,
    yellow_ratio: Decimal = DEFAULT_YELLOW,
    red_ratio: Decimal = DEFAULT_RED,
) -> SlaPolicy:
    """A new version of the policy of ``lane × category``; orders keep their version."""
    if not (Decimal(0) < Decimal(yellow_ratio) < Decimal(red_ratio) <= Decimal(1)):
        raise InvalidInput("hotline.invalid_ratios", _("Need 0 < yellow < red ≤ 1."))
    if Decimal(sign_hours) <= 0 or handle_days < 0 or callback_days < 0:
        raise InvalidInput("hotline.invalid_limits", _("Limits must be positive."))
    with transaction.atomic():
        current = (
            SlaPolicy.objects.select_for_update()
            .filter(lane=lane, category=category)
            .order_by("-version")
            .first()
        )
        if current is None:
            raise NotFound("SLA policy")
        SlaPolicy.objects.filter(lane=lane, category=category, active=True).update(active=False)
        policy = SlaPolicy.objects.create(
            lane=lane,
            category=category,
            version=current.version + 1,
            sign_hours=sign_hours,
            handle_days=handle_days,
            callback_days=callback_days,
            yellow_ratio=yellow_ratio,
            red_ratio=red_ratio,
        )
        audit_record(
            actor=actor,
            action="hotline.sla_policy.revise",
            obj=policy,
            before=snapshot(current),
            after=snapshot(policy),
        )
    return policy
