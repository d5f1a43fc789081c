"""Shared machinery of the hotline services: the conditional update, the timeline, SLA maths
and notifications. Nothing here is a public write service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import snapshot
from yiwang.core.choices import Role
from yiwang.core.errors import Conflict, Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline.choices import Status
from yiwang.hotline.models import WorkOrder, WorkOrderEvent
from yiwang.notify import facade as notify
from yiwang.worktime import facade as worktime

TEMPLATES = {
    "hotline.order_dispatched": (
        "工单 {{ number }} 已派发至 {{ unit }}",
        "新工单 {{ number }}（{{ category }}）请于 {{ sign_deadline }} 前签收，"
        "{{ reply_deadline }} 前办结。",
    ),
    "hotline.order_urged": (
        "工单 {{ number }} 督办",
        "工单 {{ number }} 被催办：{{ note }}。办结时限 {{ reply_deadline }}。",
    ),
    "hotline.sla_warning": (
        "工单 {{ number }} {{ clock }}时限预警（{{ level }}）",
        "工单 {{ number }} 的{{ clock }}时限 {{ deadline }} 即将到期，请尽快处理。",
    ),
    "hotline.sla_overdue": (
        "工单 {{ number }} {{ clock }}已超时",
        "工单 {{ number }} 的{{ clock }}时限 {{ deadline }} 已过，已上报热线中心。",
    ),
}


def now() -> dt.datetime:
    return timezone.now()


def concurrent_change() -> Conflict:
    return Conflict(
        "hotline.concurrent_change",
        _("The work order was changed by someone else; reload it and try again."),
    )


def illegal_transition(action: str, status: str) -> Conflict:
    return Conflict(
        "hotline.illegal_transition",
        _("Action %(action)s is not allowed in status %(status)s.")
        % {"action": action, "status": status},
    )


def load_for_action(
    *, actor, order_id: int, version: int, perm: str, allowed: frozenset[str], action: str
) -> WorkOrder:
    """The order as the actor sees it, after visibility (404), permission (403), version
    (409 ``hotline.concurrent_change``) and status (409 ``hotline.illegal_transition``)."""
    order = selectors.work_order_get(actor=actor, pk=order_id)
    if actor is not None and not has_perm(actor, perm):
        raise Forbidden("hotline.permission_denied", _("You may not do this on a work order."))
    if perm == perms.HANDLE and not selectors.acts_for_lead_unit(actor, order):
        # 协办: a co-unit sees the order but the lead unit (主办) handles it.
        raise Forbidden(
            "hotline.permission_denied",
            _("Only the lead unit acts on this work order; your unit assists on it."),
        )
    if order.version != version:
        raise concurrent_change()
    if order.status not in allowed:
        raise illegal_transition(action, order.status)
    return order


def apply_change(
    *,
    order: WorkOrder,
    actor,
    action: str,
    changes: dict[str, Any],
    note: str = "",
    unit_id: int | None = None,
    related: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``changes`` with ``UPDATE ... WHERE version = seen`` and append the timeline event.

    Returns the snapshot of the changed fields before the change, for the audit record. A lost
    race (0 rows) raises ``hotline.concurrent_change``. ``related``: objects the changes point
    to (``{"sla_policy": policy}`` for ``sla_policy_id``), set on the order so computing
    ``sla_check_at`` does not read them again.
    """
    from yiwang.hotline.services.sla import order_check_at

    before = snapshot(order, [*changes, "version"])
    seen = order.version
    stamp = now()
    from_status = order.status
    previous = {key: getattr(order, key) for key in changes}
    for key, value in changes.items():
        setattr(order, key, value)
    for name, obj in (related or {}).items():
        field = order._meta.get_field(name)
        if obj is not None and getattr(order, field.attname) == obj.pk:
            setattr(order, name, obj)  # same id: only fills the cache
    # The SLA sweep reads only orders whose next warning instant has come: keep it current.
    check_at = order_check_at(order)
    rows = WorkOrder.objects.filter(pk=order.pk, version=seen).update(
        **changes, sla_check_at=check_at, version=F("version") + 1, updated_at=stamp
    )
    if rows != 1:
        for key, value in previous.items():
            setattr(order, key, value)
        raise concurrent_change()
    order.sla_check_at = check_at
    order.version = seen + 1
    order.updated_at = stamp
    WorkOrderEvent.objects.create(
        order=order,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=order.status,
        unit_id=unit_id if unit_id is not None else order.lead_unit_id,
        note=note,
        at=stamp,
    )
    return before


def after_of(order: WorkOrder, before: dict[str, Any]) -> dict[str, Any]:
    return snapshot(order, list(before))


def add_warnings(order: WorkOrder, *deadlines) -> list[str]:
    warnings = list(order.deadline_warnings or [])
    for d in deadlines:
        for w in getattr(d, "warnings", ()):
            if w not in warnings:
                warnings.append(w)
    return warnings


def working_hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.0001"))


def paused_working_seconds(order: WorkOrder, until: dt.datetime) -> worktime.WorkingTime:
    return worktime.working_minutes_between(order.paused_at, until)


# --- notifications ------------------------------------------------------------------------


def _users(ids: list[int]):
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def users_by_ids(ids: list[int]) -> list:
    """The active users of ``ids`` (one query)."""
    return _users(ids)


def _handlers_in(ref) -> list:
    return _users(core.users_with_role(Role.CASE_HANDLER, within=ref)) if ref else []


def unit_handlers(unit_id: int | None) -> list:
    if unit_id is None:
        return []
    return _handlers_in(core.organisation_by_id(unit_id))


def unit_leaders(unit_id: int | None) -> list:
    if unit_id is None:
        return []
    ref = core.organisation_by_id(unit_id)
    return _users(core.users_with_role(Role.LEADER, within=ref)) if ref else []


def centre_operators(city_id: int) -> list:
    ref = core.organisation_by_id(city_id)
    return _users(core.users_with_role(Role.HOTLINE_OPERATOR, within=ref)) if ref else []


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


def _unknown_template(exc: InvalidInput) -> bool:
    return exc.code == "notify.unknown_template"


def send_many(items: list, *, skip_invalid: bool = False) -> list:
    """``notify.send_many`` of hotline notifications. The default templates are registered
    lazily: only when notify reports one unknown (a fresh database) — never four existence
    queries per notification — and the batch is then sent again."""
    try:
        results = notify.send_many(items, skip_invalid=skip_invalid)
    except InvalidInput as exc:
        if not _unknown_template(exc):
            raise
        ensure_templates()
        return notify.send_many(items, skip_invalid=skip_invalid)
    if any(isinstance(r, InvalidInput) and _unknown_template(r) for r in results):
        retry = [i for i, r in zip(items, results, strict=True) if isinstance(r, InvalidInput)]
        ensure_templates()
        again = iter(notify.send_many(retry, skip_invalid=True))
        results = [next(again) if isinstance(r, InvalidInput) else r for r in results]
    return results


def fmt(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def outgoing(
    *,
    template: str,
    order: WorkOrder,
    recipients: list,
    dedupe_key: str,
    webhook_unit=None,
    **context,
):
    """The :class:`notify.Outgoing` of an order's notification: inbox, plus the webhook channel
    (endpoints of ``webhook_unit``'s chain that subscribe to ``template``) when it is given."""
    return notify.Outgoing(
        template_code=template,
        recipients=recipients,
        channels=[notify.Channel.INBOX, notify.Channel.WEBHOOK]
        if webhook_unit
        else [notify.Channel.INBOX],
        organisation=webhook_unit,
        context={
            "number": order.number,
            "category": order.get_category_display(),
            "reply_deadline": fmt(order.reply_deadline),
            **context,
        },
        dedupe_key=dedupe_key,
        link=f"/workbench/hotline/orders/{order.pk}/",
    )


def send(
    *,
    template: str,
    order: WorkOrder,
    recipients: list,
    dedupe_key: str,
    ensure: bool = True,
    webhook: bool = True,
    **context,
) -> None:
    """Store the notification (inbox at once; webhook endpoints of the lead unit's chain that
    subscribe to ``template`` get a pending message a worker delivers). An empty recipient list
    sends nothing. ``ensure`` is kept for callers; the templates are registered lazily."""
    if not recipients:
        return
    unit = order.lead_unit if order.lead_unit_id and webhook else None
    send_many(
        [
            outgoing(
                template=template,
                order=order,
                recipients=recipients,
                dedupe_key=dedupe_key,
                webhook_unit=unit,
                **context,
            )
        ]
    )


def notify_dispatched(
    order_id: int,
    version: int,
    *,
    order: WorkOrder | None = None,
    co_unit_ids: list[int] | None = None,
) -> None:
    """Tell the handlers of the lead unit and co-units of a (re-)dispatch: inbox (+ webhook
    endpoints of the lead unit's chain) and an SMS to the lead unit's handlers with a mobile.

    ``order``/``co_unit_ids`` (the dispatch's own in-memory state, as committed) spare the
    re-read; each unit's handlers are looked up once and everything is stored with one
    ``notify.send_many`` (one template read, one dedupe read, one insert, one audit record)."""
    if order is None:
        order = WorkOrder.objects.filter(pk=order_id).first()
        if order is None or order.lead_unit_id is None:
            return
        co_unit_ids = list(order.co_units.values_list("pk", flat=True))
    if order.lead_unit_id is None:
        return
    lead = core.organisation_by_id(order.lead_unit_id)
    if lead is None:
        return
    handlers = _handlers_in(lead)
    recipients = list(handlers)
    for co_unit in co_unit_ids or []:
        if co_unit != order.lead_unit_id:
            recipients += unit_handlers(co_unit)
    key = f"hotline:{order_id}:dispatch:{version}"
    context = {"unit": lead.name, "sign_deadline": fmt(order.sign_deadline)}
    items = []
    if recipients:
        items.append(
            outgoing(
                template="hotline.order_dispatched",
                order=order,
                recipients=list({u.pk: u for u in recipients}.values()),
                dedupe_key=key,
                webhook_unit=lead,
                **context,
            )
        )
    # An SMS as well to the lead unit's handlers that have a mobile (the text carries the
    # number, category and deadlines only — no requester data, confidential or not).
    texted = [u for u in handlers if u.mobile]
    if texted:
        sms = outgoing(
            template="hotline.order_dispatched",
            order=order,
            recipients=texted,
            dedupe_key=key,
            **context,
        )
        sms.channels = [notify.Channel.SMS]
        items.append(sms)
    if items:
        send_many(items)


def on_commit(fn) -> None:
    # robust: the request was already committed and is answered as accepted; a failing
    # follow-up is logged, never turned into a 500 that would make the client file it again.
    transaction.on_commit(fn, robust=True)


OPEN_FOR_UNIT = frozenset({Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS, Status.PAUSED})
