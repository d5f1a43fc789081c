"""跨市联动: transfer a work order to another city's yiwang and receive its outcome, and the
receiving side of the same protocol (docs/modules/hotline-transfer.md).

The database is the source of truth: a transfer or an outcome is first stored as a
``CrossCityTransfer`` row (``pending`` / ``outcome_pending``), then delivered by a task after
commit; the periodic sweep re-delivers what a lost task or an unreachable peer left behind, with
exponential backoff. The receiving side is idempotent by ``message_id``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from typing import Any
from urllib import error as urlerror
from urllib import request as urlrequest

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.choices import AuditResult
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.hotline import signing
from yiwang.hotline import support as common
from yiwang.hotline.choices import (
    Action,
    Category,
    Channel,
    Lane,
    RequesterKind,
    Status,
    TransferDirection,
    TransferState,
)
from yiwang.hotline.models import CONTENT_MAX_LENGTH, CrossCityTransfer, WorkOrder, WorkOrderEvent
from yiwang.worktime import facade as worktime

log = logging.getLogger("yiwang.hotline.interop")

SEND_TIMEOUT_SECONDS = 10
SWEEP_MIN_AGE_SECONDS = 60  # a fresh row belongs to its own task first
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
MAX_ATTEMPTS = 30  # about a day of retries with the capped backoff, then ``failed``
SWEEP_BATCH = 50
OUTBOUND_STATES = (TransferState.PENDING, TransferState.OUTCOME_PENDING)

_MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


# --- helpers --------------------------------------------------------------------------------


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def _text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise _invalid(field, "hotline.interop.invalid_field", _("Must be a string."))
    if (required and not text) or len(text) > limit:
        raise _invalid(
            field,
            "hotline.interop.invalid_field",
            _("Give a text of at most %(n)d characters.") % {"n": limit},
        )
    return text


def _when(value: Any, field: str) -> dt.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or timezone.is_naive(parsed):
        raise _invalid(
            field,
            "hotline.interop.invalid_datetime",
            _("Give an ISO 8601 date and time with a UTC offset."),
        )
    return parsed


def _message_id(value: Any) -> str:
    if not isinstance(value, str) or not _MESSAGE_ID.match(value):
        raise _invalid(
            "message_id",
            "hotline.interop.invalid_message_id",
            _("A message id is 1-64 letters, digits, '.', '_', ':' or '-'."),
        )
    return value


def backoff_seconds(attempts: int) -> int:
    """Delay before retry number ``attempts + 1``: 30 s, 60 s, 120 s, … capped at one hour."""
    if attempts <= 0:
        return 0
    return min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)


def _enqueue(transfer_id: int) -> None:
    from yiwang.hotline.tasks import hotline_transfer_send_task

    transaction.on_commit(lambda: hotline_transfer_send_task(transfer_id))


# --- sending side: the centre transfers an order ------------------------------------------


def work_order_transfer_city(
    *, actor, order_id: int, version: int, peer: str, reason: str
) -> WorkOrder:
    """跨市转办: a received order belongs to another city; it is sent there (after commit, retried
    until accepted) and waits in ``transferred_city`` for that city's outcome."""
    from yiwang.hotline.services.workflow import TRANSITIONS

    configured = signing.peers()
    if peer not in configured:
        raise _invalid("peer", "hotline.unknown_peer", _("Unknown city for a transfer."))
    text = _text(reason, "reason", limit=500)
    rule = TRANSITIONS[Action.TRANSFER_CITY]
    with transaction.atomic():
        order = common.load_for_action(
            actor=actor,
            order_id=order_id,
            version=version,
            perm=rule.perm,
            allowed=rule.sources,
            action=Action.TRANSFER_CITY,
        )
        at = common.now()
        before = common.apply_change(
            order=order,
            actor=actor,
            action=Action.TRANSFER_CITY,
            changes={"status": rule.target, "transferred_at": at},
            note=f"{configured[peer].name}: {text}",
        )
        transfer = CrossCityTransfer.objects.create(
            order=order,
            direction=TransferDirection.OUTBOUND,
            peer=peer,
            message_id=f"{signing.own_city_code()}-{uuid.uuid4().hex}",
            state=TransferState.PENDING,
            reason=text,
        )
        audit_record(
            actor=actor,
            action="hotline.order.transfer_city",
            obj=order,
            before=before,
            after={
                **common.after_of(order, before),
                "peer": peer,
                "message_id": transfer.message_id,
            },
        )
        _enqueue(transfer.pk)
    return order


def _transfer_body(transfer: CrossCityTransfer) -> dict[str, Any]:
    order = transfer.order
    return {
        "message_id": transfer.message_id,
        "origin_city": signing.own_city_code(),
        "origin_number": order.number,
        "category": order.category,
        "lane": order.lane,
        "requester_kind": order.requester_kind,
        "requester_name": order.requester_name,
        "contact_phone": order.contact_phone,
        "enterprise_name": order.enterprise_name,
        "enterprise_uscc": order.enterprise_uscc,
        "confidential": order.confidential,
        "title": order.title,
        "content": order.content,
        "address": order.address,
        "received_at": order.received_at.isoformat(),
        "reason": transfer.reason,
    }


def _outcome_body(transfer: CrossCityTransfer) -> dict[str, Any]:
    order = transfer.order
    return {
        "message_id": transfer.message_id,
        "remote_number": order.number,
        "outcome": transfer.outcome,
        "closed_at": (order.closed_at or timezone.now()).isoformat(),
        "status": "closed",
    }


def _post(peer: signing.Peer, endpoint: str, body: dict[str, Any]) -> tuple[int, dict]:
    """POST a signed JSON body; returns (status, parsed JSON) for any HTTP answer."""
    url = peer.endpoint(endpoint)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    req = urlrequest.Request(  # noqa: S310 — the URL comes from validated http(s) peer config
        url, data=raw, method="POST", headers=signing.sign_headers(peer, "POST", url, raw)
    )
    try:
        with urlrequest.urlopen(req, timeout=SEND_TIMEOUT_SECONDS) as resp:  # noqa: S310
            status, payload = resp.status, resp.read()
    except urlerror.HTTPError as exc:
        status, payload = exc.code, exc.read()
    try:
        parsed = json.loads(payload or b"{}")
    except ValueError:
        parsed = {}
    return status, parsed if isinstance(parsed, dict) else {}


def transfer_deliver(*, transfer_id: int, actor=None) -> str:
    """Deliver one pending transfer or outcome to its peer (idempotent; safe to repeat).

    Returns the resulting state. The HTTP call runs outside any transaction; the result is
    written with a conditional update, so two concurrent deliveries record one outcome.
    """
    transfer = CrossCityTransfer.objects.select_related("order").filter(pk=transfer_id).first()
    if transfer is None or transfer.state not in OUTBOUND_STATES:
        return transfer.state if transfer else ""
    peer = signing.peers().get(transfer.peer)
    outbound = transfer.state == TransferState.PENDING
    error = ""
    status, answer = 0, {}
    if peer is None:
        error = "peer no longer configured"
    else:
        body = _transfer_body(transfer) if outbound else _outcome_body(transfer)
        try:
            status, answer = _post(peer, "transfers" if outbound else "outcomes", body)
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
            error = f"{type(exc).__name__}: {exc}"[:500]
        if not error and not 200 <= status < 300:
            error = f"HTTP {status} {answer.get('code', '')}".strip()[:500]
    with transaction.atomic():
        if error:
            attempts = transfer.attempts + 1
            state = TransferState.FAILED if attempts >= MAX_ATTEMPTS else transfer.state
            rows = CrossCityTransfer.objects.filter(pk=transfer.pk, state=transfer.state).update(
                attempts=F("attempts") + 1,
                last_error=error,
                state=state,
                updated_at=timezone.now(),
            )
            if rows:
                log.warning(
                    "cross-city delivery %s to %s failed (attempt %d): %s",
                    transfer.message_id,
                    transfer.peer,
                    attempts,
                    error,
                )
                audit_record(
                    actor=actor,
                    action="hotline.transfer.delivery_failed",
                    obj=transfer,
                    changes={"attempts": attempts, "error": error, "state": state},
                    result=AuditResult.FAILURE,
                )
            return state
        state = TransferState.SENT if outbound else TransferState.DONE
        changes: dict[str, Any] = {"state": state, "last_error": "", "updated_at": timezone.now()}
        remote = str(answer.get("number") or "")[:40] if outbound else ""
        if remote:
            changes["remote_number"] = remote
        rows = CrossCityTransfer.objects.filter(pk=transfer.pk, state=transfer.state).update(
            attempts=F("attempts") + 1, **changes
        )
        if not rows:
            return CrossCityTransfer.objects.values_list("state", flat=True).get(pk=transfer.pk)
        order = transfer.order
        if outbound:
            WorkOrderEvent.objects.create(
                order=order,
                action=Action.TRANSFER_CITY,
                from_status=order.status,
                to_status=order.status,
                note=_("Accepted by %(city)s as %(number)s")
                % {"city": peer.name, "number": remote or "-"},
                at=common.now(),
            )
        audit_record(
            actor=actor,
            action="hotline.transfer.sent" if outbound else "hotline.transfer.outcome_sent",
            obj=transfer,
            changes={"state": state, "remote_number": remote, "http_status": status},
        )
    return state


def transfer_retry_sweep(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Re-deliver pending transfers and outcomes whose backoff has elapsed; returns how many
    were attempted. Rows younger than ``SWEEP_MIN_AGE_SECONDS`` are left to their own task."""
    now = now or timezone.now()
    candidates = CrossCityTransfer.objects.filter(
        state__in=OUTBOUND_STATES,
        updated_at__lte=now - dt.timedelta(seconds=SWEEP_MIN_AGE_SECONDS),
    ).order_by("updated_at")
    attempted = 0
    for pk, attempts, updated_at in candidates.values_list("pk", "attempts", "updated_at")[
        : limit * 4
    ]:
        if attempted >= limit:
            break
        if updated_at + dt.timedelta(seconds=backoff_seconds(attempts)) > now:
            continue
        transfer_deliver(transfer_id=pk)
        attempted += 1
    return attempted


def transfer_retry(*, actor, transfer_id: int) -> CrossCityTransfer:
    """Send a ``failed`` message again (the centre's retry after the peer is back): the row
    returns to the state it failed in (``pending`` for a transfer we sent, ``outcome_pending``
    for the outcome of one we received) with the attempt counter reset, and is delivered after
    commit, then retried by the sweep as usual. Same ``message_id`` and body: the peer's
    endpoints are idempotent, so no protocol change is involved."""
    with transaction.atomic():
        transfer = CrossCityTransfer.objects.select_for_update().filter(pk=transfer_id).first()
        if transfer is None:
            raise NotFound("transfer")
        if transfer.state != TransferState.FAILED:
            raise Conflict(
                "hotline.transfer_not_failed", _("Only a failed delivery can be retried.")
            )
        state = (
            TransferState.PENDING
            if transfer.direction == TransferDirection.OUTBOUND
            else TransferState.OUTCOME_PENDING
        )
        CrossCityTransfer.objects.filter(pk=transfer.pk, state=TransferState.FAILED).update(
            state=state, attempts=0, updated_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="hotline.transfer.retry",
            obj=transfer,
            changes={"state": [TransferState.FAILED, state], "attempts": [transfer.attempts, 0]},
        )
        _enqueue(transfer.pk)
        transfer.refresh_from_db()
    return transfer


# --- the sending side receives the outcome ----------------------------------------------


def transfer_outcome_receive(*, peer: str, payload: dict[str, Any]) -> CrossCityTransfer:
    """The other city closed our order: the reply becomes ours, the order is ``closed`` and
    waits for our own callback (the requester's rating stays in the origin city)."""
    message_id = _message_id(payload.get("message_id"))
    outcome = _text(payload.get("outcome"), "outcome", limit=CONTENT_MAX_LENGTH)
    remote = _text(payload.get("remote_number"), "remote_number", limit=40)
    closed_at = _when(payload.get("closed_at"), "closed_at")
    if payload.get("status") != "closed":
        raise _invalid("status", "hotline.interop.invalid_field", _("Only 'closed' is accepted."))
    with transaction.atomic():
        transfer = (
            CrossCityTransfer.objects.select_for_update()
            .filter(message_id=message_id, direction=TransferDirection.OUTBOUND, peer=peer)
            .first()
        )
        if transfer is None:
            raise NotFound("transfer")
        if transfer.state == TransferState.DONE:
            return transfer  # a replayed outcome
        if transfer.state not in (TransferState.PENDING, TransferState.SENT, TransferState.FAILED):
            raise Conflict("hotline.interop.unexpected_outcome", _("No outcome is expected."))
        order = WorkOrder.objects.select_related("sla_policy").get(pk=transfer.order_id)
        if order.status != Status.TRANSFERRED_CITY:
            raise Conflict("hotline.interop.unexpected_outcome", _("No outcome is expected."))
        at = common.now()
        policy = order.sla_policy
        callback = worktime.add_working_days(at, policy.callback_days if policy else 2)
        before = common.apply_change(
            order=order,
            actor=None,
            action=Action.TRANSFER_OUTCOME,
            changes={
                "status": Status.CLOSED,
                "reply_text": outcome,
                "replied_at": min(closed_at, at),
                "closed_at": at,
                "callback_deadline": callback.deadline,
                "deadline_warnings": common.add_warnings(order, callback),
            },
            note=f"{peer} {remote}",
        )
        CrossCityTransfer.objects.filter(pk=transfer.pk).update(
            state=TransferState.DONE,
            outcome=outcome,
            remote_number=remote,
            last_error="",
            updated_at=timezone.now(),
        )
        audit_record(
            actor=None,
            action="hotline.transfer.outcome_received",
            obj=order,
            before=before,
            after={**common.after_of(order, before), "message_id": message_id, "peer": peer},
        )
        transfer.refresh_from_db()
    return transfer


# --- the receiving side --------------------------------------------------------------------


def transfer_receive(*, peer: str, payload: dict[str, Any]) -> tuple[CrossCityTransfer, bool]:
    """A peer transfers an order to us: it is registered like any request (channel
    ``cross_city``, system actor, normal dispatch by the catalogue). ``(row, created)``; a
    replayed ``message_id`` returns the stored row and never creates a second order."""
    message_id = _message_id(payload.get("message_id"))
    existing = CrossCityTransfer.objects.filter(message_id=message_id).first()
    if existing is not None:
        return _replayed(existing, peer)
    origin = payload.get("origin_city")
    if origin != peer:
        raise _invalid(
            "origin_city",
            "hotline.interop.origin_mismatch",
            _("The origin city must be the signing city."),
        )
    origin_number = _text(payload.get("origin_number"), "origin_number", limit=40)
    reason = _text(payload.get("reason"), "reason", limit=500)
    _when(payload.get("received_at"), "received_at")
    category = payload.get("category")
    if category not in Category.values:
        raise _invalid("category", "hotline.unknown_category", _("Unknown category."))
    if payload.get("lane") not in Lane.values:
        raise _invalid("lane", "hotline.interop.unknown_lane", _("Unknown lane."))
    kind = payload.get("requester_kind") or (
        RequesterKind.ENTERPRISE
        if payload.get("lane") == Lane.ENTERPRISE
        else RequesterKind.CITIZEN
    )
    confidential = payload.get("confidential", False)
    if not isinstance(confidential, bool):
        raise _invalid("confidential", "hotline.interop.invalid_field", _("Must be a boolean."))
    fields = {}
    for name, limit in (
        ("requester_name", 100),
        ("contact_phone", 20),
        ("content", CONTENT_MAX_LENGTH),
    ):
        fields[name] = _text(payload.get(name), name, limit=limit)
    for name, limit in (
        ("title", 200),
        ("address", 300),
        ("enterprise_name", 200),
        ("enterprise_uscc", 18),
    ):
        fields[name] = _text(payload.get(name), name, limit=limit, required=False)
    from yiwang.hotline.services.intake import work_order_create

    try:
        with transaction.atomic():
            order, _created = work_order_create(
                actor=None,
                channel=Channel.CROSS_CITY,
                category=category,
                requester_kind=kind,
                confidential=confidential,
                idempotency_key=f"xcity:{message_id}",
                **fields,
            )
            transfer = CrossCityTransfer.objects.create(
                order=order,
                direction=TransferDirection.INBOUND,
                peer=peer,
                remote_number=origin_number,
                message_id=message_id,
                state=TransferState.RECEIVED,
                reason=reason,
            )
            audit_record(
                actor=None,
                action="hotline.transfer.received",
                obj=transfer,
                changes={
                    "peer": peer,
                    "message_id": message_id,
                    "origin_number": origin_number,
                    "order": order.number,
                    "origin_received_at": payload.get("received_at"),
                },
            )
    except IntegrityError:
        # A concurrent delivery of the same message won the unique constraint.
        existing = CrossCityTransfer.objects.filter(message_id=message_id).first()
        if existing is None:
            raise
        return _replayed(existing, peer)
    return transfer, True


def _replayed(existing: CrossCityTransfer, peer: str) -> tuple[CrossCityTransfer, bool]:
    if existing.peer != peer or existing.direction != TransferDirection.INBOUND:
        raise Conflict(
            "hotline.interop.message_id_reused", _("This message id belongs to another message.")
        )
    return existing, False


def transfer_outcome_queue(*, actor, order: WorkOrder) -> CrossCityTransfer | None:
    """Called when an order is closed (review approval or direct close): an order received from
    another city gets its outcome queued back to that city (inside the caller's transaction)."""
    if order.channel != Channel.CROSS_CITY:
        return None
    transfer = (
        CrossCityTransfer.objects.select_for_update()
        .filter(order=order, direction=TransferDirection.INBOUND, state=TransferState.RECEIVED)
        .first()
    )
    if transfer is None:
        return None
    CrossCityTransfer.objects.filter(pk=transfer.pk).update(
        state=TransferState.OUTCOME_PENDING,
        outcome=order.reply_text,
        attempts=0,
        last_error="",
        updated_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="hotline.transfer.outcome_queued",
        obj=transfer,
        changes={"state": [transfer.state, TransferState.OUTCOME_PENDING]},
    )
    _enqueue(transfer.pk)
    transfer.refresh_from_db()
    return transfer


def transfer_rejection_record(*, city: str, code: str, path: str, status: int) -> None:
    """An inbound message failed verification: logged and audited, never its body."""
    city_label = re.sub(r"[^A-Za-z0-9_-]", "?", city or "")[:40]
    log.warning(
        "cross-city message rejected: %s (status %d, city %r, path %s)",
        code,
        status,
        city_label,
        path,
    )
    audit_record(
        actor=None,
        action="hotline.transfer.rejected",
        object_type="hotline.crosscitytransfer",
        changes={"reason": code, "city": city_label, "path": path[:200], "status": status},
        result=AuditResult.FAILURE,
    )
