"""Order detail for every staff role and the one POST endpoint of its action forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.core import pii
from yiwang.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors, services
from yiwang.hotline.choices import (
    Action,
    Rating,
    Status,
)
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.services.workflow import MAX_EXTENSION_DAYS, MAX_EXTENSIONS, TRANSITIONS
from yiwang.hotline.views_workbench.common import (
    _flag,
    _get_order,
    _int,
    _is_public,
    _safe_next,
    clock_views,
    countdown_formats,
    report_error,
    sees_identity,
    staff_page,
)

# --- order detail and actions ------------------------------------------------------------------


def _units(city_id: int):
    """Units of the city an order can be dispatched to (departments, districts, streets)."""
    org = WorkOrder._meta.get_field("lead_unit").related_model
    return (
        org.objects.filter(
            path__startswith=f"/{city_id}/", kind__in=["department", "district", "area", "street"]
        )
        .exclude(pk=city_id)
        .order_by("path")
        .only("id", "name", "path")
    )


def available_actions(actor, order: WorkOrder) -> set[str]:
    """The workflow actions this actor may take on the order in its current status."""
    if _is_public(actor):
        return set()
    allowed = set()
    lead = selectors.acts_for_lead_unit(actor, order)
    for action, rule in TRANSITIONS.items():
        if rule.perm == perms.HANDLE and not lead:
            continue  # a co-unit (协办) reads the order but does not act for the lead unit
        if order.status in rule.sources and has_perm(actor, rule.perm):
            allowed.add(str(action))
    pending = bool(order.extension_pending_days)
    if not pending:
        allowed -= {Action.EXTENSION_APPROVE, Action.EXTENSION_REJECT}
    if pending or order.extension_count >= MAX_EXTENSIONS:
        allowed.discard(Action.EXTENSION_REQUEST)
    if order.lead_unit_id is None:
        allowed.discard(Action.URGE)
    return allowed


@staff_page(perms.VIEW)
@require_GET
def order_detail(request, pk: int):
    actor = request.user
    order = _get_order(actor, pk)
    now = timezone.now()
    identity = sees_identity(actor, order)
    centre = has_perm(actor, perms.VIEW_CITY)
    actions = available_actions(actor, order)
    needs_units = bool(actions & {Action.DISPATCH, Action.REASSIGN})
    return render(
        request,
        "hotline/order_detail.html",
        {
            "order": order,
            "status_label": Status(order.status).label,
            "identity": identity,
            "requester": order.requester_name if identity else "***",
            "phone": (
                (order.contact_phone if centre else pii.mask_phone(order.contact_phone))
                if identity
                else "***"
            ),
            "clocks": clock_views(order, now),
            "co_units": list(order.co_units.all()),
            "attachments": list(order.attachments.all()),
            "events": list(selectors.work_order_events(order=order).select_related("actor")),
            "actions": actions,
            "units": list(_units(order.city_id)) if needs_units else [],
            "ratings": Rating.choices,
            "max_extension_days": MAX_EXTENSION_DAYS,
            "rating_label": Rating(order.rating).label if order.rating else "",
            "simple_actions": [
                (Action.SIGN.value, _("Sign for")),
                (Action.START.value, _("Start handling")),
                (Action.RESUME.value, _("Resume")),
            ],
            "countdown_formats": countdown_formats(),
        },
    )


def _parent_id(actor, number: str) -> int:
    number = (number or "").strip().upper()
    parent = (
        selectors.work_order_list(actor=actor, filters={"number": number}).first()
        if number
        else None
    )
    if parent is None:
        message = _("No order with this number.")
        raise InvalidInput(
            "hotline.unknown_parent",
            message,
            errors=[{"field": "parent", "code": "hotline.unknown_parent", "message": message}],
        )
    return parent.pk


def _run_action(actor, order_id: int, post) -> WorkOrder:
    action = post.get("action", "")
    common = {"actor": actor, "order_id": order_id, "version": _int(post.get("version"), "version")}
    note = post.get("note", "")
    match action:
        case Action.DISPATCH:
            return services.work_order_dispatch(
                **common, lead_unit_id=_int(post.get("lead_unit_id"), "lead_unit_id"), note=note
            )
        case Action.REASSIGN:
            return services.work_order_reassign(
                **common, lead_unit_id=_int(post.get("lead_unit_id"), "lead_unit_id"), note=note
            )
        case Action.SIGN:
            return services.work_order_sign(**common)
        case Action.START:
            return services.work_order_start(**common)
        case Action.PAUSE:
            return services.work_order_pause(**common, reason=post.get("reason", ""))
        case Action.RESUME:
            return services.work_order_resume(**common)
        case Action.REPLY:
            return services.work_order_reply(**common, result=post.get("result", ""))
        case Action.APPROVE | Action.SEND_BACK:
            return services.work_order_review(**common, approve=action == Action.APPROVE, note=note)
        case Action.CLOSE:
            return services.work_order_close(**common, answer=post.get("answer", ""))
        case Action.CALLBACK:
            return services.work_order_callback(
                **common,
                rating=post.get("rating", ""),
                solved=_flag(post.get("solved")),
                note=note,
            )
        case Action.RETURN:
            return services.work_order_return(**common, reason=post.get("reason", ""))
        case Action.RETURN_ACCEPT | Action.RETURN_REJECT:
            return services.work_order_return_review(
                **common, accept=action == Action.RETURN_ACCEPT, note=note
            )
        case Action.EXTENSION_REQUEST:
            return services.work_order_extension_request(
                **common, days=_int(post.get("days"), "days"), reason=post.get("reason", "")
            )
        case Action.EXTENSION_APPROVE | Action.EXTENSION_REJECT:
            return services.work_order_extension_review(
                **common, approve=action == Action.EXTENSION_APPROVE, note=note
            )
        case Action.URGE:
            return services.work_order_urge(**common, note=note)
        case Action.MERGE:
            return services.work_order_merge(
                **common, parent_id=_parent_id(actor, post.get("parent")), note=note
            )
    raise InvalidInput("hotline.unknown_action", _("Unknown action."))


@staff_page(perms.VIEW)
@require_POST
def order_act(request, pk: int):
    """Every action form of the detail page (and the board's urge buttons) posts here."""
    actor = request.user
    order = _get_order(actor, pk)
    detail = reverse("hotline:order_detail", args=[order.pk])
    try:
        changed = _run_action(actor, order.pk, request.POST)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        report_error(request, exc)
        return redirect(detail)
    except DomainError as exc:
        report_error(request, exc)
        return redirect(detail)
    messages.success(
        request,
        _("%(action)s: order %(number)s is now “%(status)s”.")
        % {
            "action": Action(request.POST["action"]).label,
            "number": changed.number,
            "status": Status(changed.status).label,
        },
    )
    try:
        selectors.work_order_get(actor=actor, pk=order.pk)
    except NotFound:  # e.g. a unit that returned an order which was then re-dispatched
        return redirect("hotline:inbox")
    return redirect(_safe_next(request, detail))
