"""SLA clocks: warning levels, the periodic sweep, and policy revisions.

Level of a clock = office time elapsed since the clock started ÷ office time allowed until its
deadline (both from ``worktime.working_minutes_between``, paused time excluded): ≥ yellow
ratio (75 %) yellow, ≥ red ratio (90 %) red, at or past the deadline overdue. The sweep records
each level it notified per order, clock and deadline (``SlaAlert``, unique), so rerunning
sends nothing new; after downtime it notifies the current level at once (skipped lower levels
are recorded as not notified).

``WorkOrder.sla_check_at`` holds the next instant a running clock of the order reaches a new
level (:func:`next_check_at`, kept by ``support.apply_change``); the sweep reads only the orders
whose instant has come, stores alerts and their notifications in one transaction per batch
(orders reaching the same level together get one digest per recipient) and their next instant.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import ROUND_CEILING, Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import Role
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.hotline import selectors
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

logger = logging.getLogger(__name__)

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


def _clock_schedule(
    start: dt.datetime,
    deadline: dt.datetime,
    paused_seconds: int,
    yellow: Decimal,
    red: Decimal,
) -> list[tuple[str, dt.datetime]]:
    """``[(level, instant)]``: the first instant at which the clock is at each warning level.

    Level L is reached when office time elapsed since ``start`` (whole seconds, as
    :func:`clock_level` counts it) reaches ``paused + ceil(ratio × allowed)``; that instant is
    ``add_working_hours(start, those seconds)``, so ``now >= instant`` ⇔ ``clock_level(now) >= L``.
    """
    schedule: list[tuple[str, dt.datetime]] = []
    allowed = worktime.working_minutes_between(start, deadline).seconds - paused_seconds
    if allowed > 0:
        for level, ratio in ((SlaLevel.YELLOW, yellow), (SlaLevel.RED, red)):
            need = paused_seconds + int(
                (Decimal(ratio) * allowed).to_integral_value(rounding=ROUND_CEILING)
            )
            at = worktime.add_working_hours(start, Decimal(need) / Decimal(3600)).deadline
            schedule.append((level, min(at, deadline)))
    schedule.append((SlaLevel.OVERDUE, deadline))
    return schedule


def _ratios(policy: SlaPolicy | None) -> tuple[Decimal, Decimal]:
    if policy is None:
        return DEFAULT_YELLOW, DEFAULT_RED
    return policy.yellow_ratio, policy.red_ratio


def _schedules(order: WorkOrder, policy: SlaPolicy | None):
    yellow, red = _ratios(policy)
    for clock, start, deadline, paused in order_clocks(order):
        try:
            yield clock, deadline, _clock_schedule(start, deadline, paused, yellow, red)
        except InvalidInput:  # an instant outside the calendar's range: no warnings possible
            yield clock, deadline, [(SlaLevel.OVERDUE, deadline)]


def next_check_at(
    order: WorkOrder, policy: SlaPolicy | None, *, now: dt.datetime | None = None
) -> dt.datetime | None:
    """The earliest instant after ``now`` at which a running clock of ``order`` reaches its next
    level (yellow, red or the deadline), in office time with paused time considered; None when
    no clock runs or every running clock is already overdue. Stored as ``sla_check_at``."""
    now = now or common.now()
    upcoming = [
        at
        for _clock, _deadline, schedule in _schedules(order, policy)
        for _level, at in schedule
        if at > now
    ]
    return min(upcoming, default=None)


def order_check_at(order: WorkOrder) -> dt.datetime | None:
    """:func:`next_check_at` with the order's own policy (read only when a clock runs)."""
    if not order_clocks(order):
        return None
    return next_check_at(order, order.sla_policy if order.sla_policy_id else None)


_ROLE_OF = {
    "handlers": Role.CASE_HANDLER,
    "leaders": Role.LEADER,
    "operators": Role.HOTLINE_OPERATOR,
}


class _Recipients:
    """Recipient lists cached for one sweep (a unit's handlers do not change between orders).

    :meth:`prime` fills every list a batch needs at once: one organisation read per unit, one
    role query per unit and role, and one user query for all of them."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int | None], list] = {}
        self._refs: dict[int, object] = {}

    def prime(self, keys) -> None:
        missing = [k for k in dict.fromkeys(keys) if k not in self._cache]
        ids_of: dict[tuple[str, int | None], list[int]] = {}
        for kind, org_id in missing:
            if org_id is None:
                ids_of[(kind, org_id)] = []
                continue
            if org_id not in self._refs:
                self._refs[org_id] = core.organisation_by_id(org_id)
            ref = self._refs[org_id]
            ids_of[(kind, org_id)] = (
                core.users_with_role(_ROLE_OF[kind], within=ref) if ref is not None else []
            )
        wanted = sorted({pk for ids in ids_of.values() for pk in ids})
        users = {u.pk: u for u in common.users_by_ids(wanted)} if wanted else {}
        for key, ids in ids_of.items():
            self._cache[key] = [users[pk] for pk in ids if pk in users]

    def get(self, kind: str, org_id: int | None) -> list:
        key = (kind, org_id)
        if key not in self._cache:
            self.prime([key])
        return self._cache[key]


def _recipient_keys(order: WorkOrder, clock: str, level: str) -> list[tuple[str, int | None]]:
    keys = [
        ("operators", order.city_id)
        if clock == Clock.CALLBACK
        else ("handlers", order.lead_unit_id)
    ]
    if level == SlaLevel.OVERDUE:
        keys += [("leaders", order.lead_unit_id), ("operators", order.city_id)]
    return keys


def _recipients(order: WorkOrder, clock: str, level: str, people: _Recipients) -> list:
    recipients = []
    for kind, org_id in _recipient_keys(order, clock, level):
        recipients += people.get(kind, org_id)
    return list({u.pk: u for u in recipients}.values())


DIGEST_NUMBERS = 20


def _outgoing(
    entries: list[tuple[WorkOrder, str, str, dt.datetime, list[str]]],
    recipients: list,
    now: dt.datetime,
):
    """One message per recipient for ``entries`` (orders reaching the same level of the same
    clock in one batch, with the same recipients): the order's own message for one order, a
    digest listing the numbers for several — a unit never gets an alert storm of hundreds of
    messages after downtime or at a busy hour."""
    first, clock, level, _deadline, _created = entries[0]
    template = "hotline.sla_overdue" if level == SlaLevel.OVERDUE else "hotline.sla_warning"
    extra: dict = {}
    if len(entries) == 1:
        deadline = entries[0][3]
        key = f"hotline:{first.pk}:{clock}:{level}:{deadline.isoformat()}"
    else:
        deadline = min(e[3] for e in entries)
        numbers = ", ".join(e[0].number for e in entries[:DIGEST_NUMBERS])
        if len(entries) > DIGEST_NUMBERS:
            numbers = _("%(numbers)s and %(more)d more") % {
                "numbers": numbers,
                "more": len(entries) - DIGEST_NUMBERS,
            }
        extra["number"] = numbers
        key = f"hotline:digest:{clock}:{level}:{now.isoformat()}:{first.pk}:{len(entries)}"
    return common.outgoing(
        template=template,
        order=first,
        recipients=recipients,
        dedupe_key=key,
        clock=Clock(clock).label,
        level=SlaLevel(level).label,
        deadline=common.fmt(deadline),
        **extra,
    )


SWEEP_FIELDS = (
    "id",
    "number",
    "category",
    "city_id",
    "lead_unit_id",
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
    "sla_check_at",
    "sla_policy_id",
    "sla_policy__yellow_ratio",
    "sla_policy__red_ratio",
    "lead_unit__path",
)
RETRY_AFTER = dt.timedelta(minutes=5)


def _sweep_batch(
    batch: list[WorkOrder], now: dt.datetime, counts: dict, people: _Recipients
) -> None:
    """Alerts, notifications and the next check time of one locked batch (one transaction:
    an alert is recorded exactly when its notification is stored)."""
    known: dict[tuple, set[str]] = defaultdict(set)
    for order_id, clock, level, deadline in SlaAlert.objects.filter(
        order_id__in=[o.pk for o in batch]
    ).values_list("order_id", "clock", "level", "deadline"):
        known[(order_id, clock, deadline)].add(level)
    alerts: list[SlaAlert] = []
    to_notify: list[tuple[WorkOrder, str, str, dt.datetime, list[str]]] = []
    for order in batch:
        counts["orders"] += 1
        policy = order.sla_policy if order.sla_policy_id else None
        upcoming = []
        for clock, deadline, schedule in _schedules(order, policy):
            reached = [lvl for lvl, at in schedule if at <= now]
            upcoming += [at for _lvl, at in schedule if at > now]
            if not reached:
                continue
            level = reached[-1]
            seen = known[(order.pk, clock, deadline)]
            if level in seen:
                continue
            created = [
                lvl
                for lvl in SLA_LEVEL_ORDER[1 : SLA_LEVEL_ORDER.index(level) + 1]
                if lvl not in seen
            ]
            alerts += [
                SlaAlert(
                    order_id=order.pk,
                    clock=clock,
                    level=lvl,
                    deadline=deadline,
                    notified=(lvl == level),
                )
                for lvl in created
            ]
            seen.update(created)
            to_notify.append((order, clock, level, deadline, created))
        order.sla_check_at = min(upcoming, default=None)
    # Rows are locked (or, on SQLite, the database is): no other sweep inserts these alerts.
    SlaAlert.objects.bulk_create(alerts, batch_size=500, ignore_conflicts=True)
    people.prime(
        key
        for order, clock, level, _deadline, _created in to_notify
        for key in _recipient_keys(order, clock, level)
    )
    groups: dict[tuple, tuple[list, list]] = {}
    for entry in to_notify:
        order, clock, level, _deadline, _created = entry
        recipients = _recipients(order, clock, level, people)
        if not recipients:
            counts["alerts"] += 1  # recorded; nobody to tell (as before)
            continue
        key = (clock, level, tuple(sorted(u.pk for u in recipients)))
        groups.setdefault(key, ([], recipients))[0].append(entry)
    grouped = list(groups.values())
    # All the batch's messages in one notify.send_many (one template read, one dedupe read,
    # one bulk insert, one audit record). No savepoint: a message that cannot be rendered is
    # reported (skip_invalid) before anything is written; a database error aborts the whole
    # batch, which then stays due for the next sweep.
    results = (
        common.send_many(
            [_outgoing(entries, recipients, now) for entries, recipients in grouped],
            skip_invalid=True,
        )
        if grouped
        else []
    )
    for (entries, _people), result in zip(grouped, results, strict=True):
        if isinstance(result, InvalidInput):
            # Nothing lost: forget the alerts just recorded and look again soon.
            logger.error(
                "SLA notification of %d order(s) failed (%s); retrying", len(entries), result
            )
            for order, clock, _level, deadline, created in entries:
                SlaAlert.objects.filter(
                    order_id=order.pk, clock=clock, deadline=deadline, level__in=created
                ).delete()
                order.sla_check_at = now + RETRY_AFTER
            continue
        counts["alerts"] += len(entries)
    _store_check_at(batch)


def _store_check_at(orders: list[WorkOrder]) -> None:
    """Write each order's new ``sla_check_at`` in one statement."""
    if connection.vendor != "postgresql":
        WorkOrder.objects.bulk_update(orders, ["sla_check_at"], batch_size=500)
        return
    # bulk_update's CASE WHEN over thousands of ids costs more to build than to run; an
    # UPDATE … FROM unnest(ids, instants) is one cheap statement.
    table = WorkOrder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET sla_check_at = v.at "  # noqa: S608 — our table name
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE o.id = v.id",
            [[o.pk for o in orders], [o.sla_check_at for o in orders]],
        )


def sla_sweep(*, actor=None, now: dt.datetime | None = None, batch_size: int = 2000) -> dict:
    """Urge at yellow/red and escalate overdue for the orders whose ``sla_check_at`` has come.

    Only due orders are read (index on ``sla_check_at``), in batches (2000) locked with
    ``FOR UPDATE SKIP LOCKED`` so concurrent sweeps share the work; each processed order gets
    its next check time. Idempotent: a level already recorded in ``SlaAlert`` is not sent
    again; after downtime only the current level is notified.
    """
    now = now or common.now()
    counts = {"orders": 0, "alerts": 0}
    people = _Recipients()  # the default templates are registered lazily by common.send_many
    while True:
        with transaction.atomic():
            batch = list(
                WorkOrder.objects.filter(sla_check_at__lte=now)
                .select_related("sla_policy", "lead_unit")
                .only(*SWEEP_FIELDS)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("sla_check_at", "id")[:batch_size]
            )
            if batch:
                _sweep_batch(batch, now, counts, people)
        if len(batch) < batch_size:
            break
    if counts["alerts"]:
        audit_record(
            actor=actor,
            action="hotline.sla.sweep",
            object_type="hotline.workorder",
            changes={"now": now.isoformat(), **counts},
        )
    return counts


def sla_check_refresh(*, actor=None, batch_size: int = 2000) -> int:
    """Recompute ``sla_check_at`` of every order with a running clock (after a calendar edit,
    or for rows written before the field existed); returns the number of orders changed."""
    changed = 0
    qs = (
        WorkOrder.objects.filter(Q(status__in=REPLY_CLOCK_STATUSES) | Q(status=Status.CLOSED))
        .select_related("sla_policy")
        .only(*[f for f in SWEEP_FIELDS if not f.startswith("lead_unit__")])
        .order_by("id")
    )
    pending: list[WorkOrder] = []
    for order in qs.iterator(chunk_size=batch_size):
        value = next_check_at(order, order.sla_policy if order.sla_policy_id else None)
        if value != order.sla_check_at:
            order.sla_check_at = value
            pending.append(order)
        if len(pending) >= batch_size:
            WorkOrder.objects.bulk_update(pending, ["sla_check_at"])
            changed += len(pending)
            pending = []
    if pending:
        WorkOrder.objects.bulk_update(pending, ["sla_check_at"])
        changed += len(pending)
    if changed:
        audit_record(
            actor=actor,
            action="hotline.sla.check_refresh",
            object_type="hotline.workorder",
            changes={"changed": changed},
        )
    return changed


SIGN_HOURS_MAX = Decimal("999.99")  # the column holds 5 digits, 2 after the point
LIMIT_DAYS_MAX = 365
# A working day has at most the statutory 8 office hours: the sign-for limit of a policy may not
# exceed its handling limit measured that way (signing for after the reply is due makes no sense).
OFFICE_HOURS_PER_DAY = 8


def _policy_errors(
    *, sign_hours, handle_days, callback_days, yellow_ratio, red_ratio
) -> list[dict]:
    def err(field: str, code: str, message: str) -> dict:
        return {"field": field, "code": code, "message": message}

    errors = []
    try:
        sign = Decimal(sign_hours)
    except (ArithmeticError, TypeError, ValueError):
        sign = Decimal(-1)
    if (
        not sign.is_finite()
        or sign <= 0
        or sign > SIGN_HOURS_MAX
        or sign != sign.quantize(Decimal("0.01"))
    ):
        errors.append(
            err(
                "sign_hours",
                "hotline.invalid_limits",
                _("Give more than 0 and at most %(max)s working hours (two decimals).")
                % {"max": SIGN_HOURS_MAX},
            )
        )
    days_ok = True
    for field, value, low in (("handle_days", handle_days, 1), ("callback_days", callback_days, 0)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not low <= value <= LIMIT_DAYS_MAX
        ):
            days_ok = False
            errors.append(
                err(
                    field,
                    "hotline.invalid_limits",
                    _("Give a whole number of working days from %(low)d to %(max)d.")
                    % {"low": low, "max": LIMIT_DAYS_MAX},
                )
            )
    if not errors and days_ok and sign > handle_days * OFFICE_HOURS_PER_DAY:
        errors.append(
            err(
                "sign_hours",
                "hotline.sign_after_handling",
                _(
                    "The sign-for limit cannot be longer than the handling limit (%(n)d working "
                    "hours for %(days)d working days)."
                )
                % {"n": handle_days * OFFICE_HOURS_PER_DAY, "days": handle_days},
            )
        )
    try:
        yellow, red = Decimal(yellow_ratio), Decimal(red_ratio)
    except (ArithmeticError, TypeError, ValueError):
        yellow = red = Decimal("NaN")
    ratios_ok = (
        yellow.is_finite()
        and red.is_finite()
        and yellow == yellow.quantize(Decimal("0.01"))
        and red == red.quantize(Decimal("0.01"))
        and Decimal(0) < yellow < red <= Decimal(1)
    )
    if not ratios_ok:
        message = _("Need 0 < yellow < red ≤ 1.")
        errors += [
            err("yellow_ratio", "hotline.invalid_ratios", message),
            err("red_ratio", "hotline.invalid_ratios", message),
        ]
    return errors


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
    expected_version: int | None = None,
) -> SlaPolicy:
    """A new version of the policy of ``lane × category``; orders keep their version.

    Every limit is checked at once (per-field errors): sign-for hours in (0, 999.99] and not
    longer than the handling limit, handling 1–365 and callback 0–365 working days, ratios with
    0 < yellow < red ≤ 1. ``expected_version`` (the version the editor saw) turns a concurrent
    revision into 409 ``hotline.concurrent_change``; a revision equal to the current version is
    refused (``hotline.sla_unchanged``)."""
    errors = _policy_errors(
        sign_hours=sign_hours,
        handle_days=handle_days,
        callback_days=callback_days,
        yellow_ratio=yellow_ratio,
        red_ratio=red_ratio,
    )
    if errors:
        first = next((e for e in errors if e["code"] != "hotline.invalid_ratios"), errors[0])
        raise InvalidInput(first["code"], first["message"], errors=errors)
    with transaction.atomic():
        current = (
            SlaPolicy.objects.select_for_update()
            .filter(lane=lane, category=category)
            .order_by("-version")
            .first()
        )
        if current is None:
            raise NotFound("SLA policy")
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                "hotline.concurrent_change",
                _("Someone else revised this policy in the meantime."),
            )
        if (
            current.active
            and Decimal(current.sign_hours) == Decimal(sign_hours)
            and current.handle_days == handle_days
            and current.callback_days == callback_days
            and Decimal(current.yellow_ratio) == Decimal(yellow_ratio)
            and Decimal(current.red_ratio) == Decimal(red_ratio)
        ):
            raise InvalidInput("hotline.sla_unchanged", _("Nothing was changed."))
        SlaPolicy.objects.filter(lane=lane, category=category, active=True).update(active=False)
        selectors.sla_policy_forget(lane=lane, category=category)
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
