"""The centre's configuration and interop pages: the dispatch catalogue (派单目录) with its
versions, the SLA policies (时限规则) with their versions, and the cross-city transfers
(跨市联动) with a retry of failed deliveries.

Thin like the other pages: the writes are ``dispatch_rule_create/revise/deactivate``,
``sla_policy_revise`` and ``transfer_retry``; their refusals are shown on the form with every
typed value kept. Rules and transfers of another city answer 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import Conflict, DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import services, signing
from yiwang.hotline.choices import Category, Lane, TransferDirection, TransferState
from yiwang.hotline.forms_centre import (
    CatalogueFilterForm,
    DispatchRuleForm,
    SlaPolicyForm,
)
from yiwang.hotline.models import CrossCityTransfer, DispatchRule, SlaPolicy, WorkOrder
from yiwang.hotline.views_workbench.common import PAGE_SIZE, _city_id, report_error, staff_page

CATALOGUE_PAGE_SIZE = 50

# --- helpers -----------------------------------------------------------------------------------


def _actor_city(actor) -> int:
    """The city whose catalogue the actor edits (a user outside any city gets 403)."""
    city_id = _city_id(actor)
    if city_id is None:
        raise PermissionDenied
    return city_id


def _orgs(city_id: int, kinds: tuple[str, ...]):
    org = WorkOrder._meta.get_field("lead_unit").related_model
    return list(
        org.objects.filter(path__startswith=f"/{city_id}/", kind__in=kinds)
        .exclude(pk=city_id)
        .order_by("path")
        .only("id", "name", "path")
    )


def _units(city_id: int):
    return _orgs(city_id, ("department", "district", "area", "street"))


def _districts(city_id: int):
    return _orgs(city_id, ("district", "area"))


def _rule_of_city(pk: int, city_id: int) -> DispatchRule:
    rule = (
        DispatchRule.objects.filter(pk=pk, city_id=city_id)
        .select_related("district", "lead_unit")
        .prefetch_related("co_units")
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def _matches(rule: DispatchRule, filters: dict) -> bool:
    q = (filters.get("q") or "").strip().lower()
    if q and q not in rule.name.lower() and not any(q in k.lower() for k in rule.keywords):
        return False
    if filters.get("category") and rule.category != filters["category"]:
        return False
    if filters.get("district") and rule.district_id != filters["district"]:
        return False
    return not (filters.get("unit") and rule.lead_unit_id != filters["unit"])


# --- dispatch catalogue ------------------------------------------------------------------------


@staff_page(perms.MANAGE_CATALOGUE)
@require_GET
def catalogue(request):
    """The active rules of the actor's city in routing order (priority, then id), filtered."""
    city_id = _actor_city(request.user)
    units, districts = _units(city_id), _districts(city_id)
    filters_form = CatalogueFilterForm(request.GET or None, units=units, districts=districts)
    filters = filters_form.filters() if request.GET else {}
    # Keywords live in a JSON list (stored ASCII-escaped on SQLite): the city's active
    # catalogue is small (hundreds of rules), so it is filtered here rather than in SQL.
    rules = [
        r
        for r in DispatchRule.objects.filter(city_id=city_id, active=True)
        .select_related("district", "lead_unit")
        .prefetch_related("co_units")
        .order_by("priority", "id")
        if _matches(r, filters)
    ]
    page = Paginator(rules, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline/catalogue.html",
        {
            "filters": filters_form,
            "page": page,
            "rules": page.object_list,
            "total": len(rules),
            "query": query.urlencode(),
        },
    )


def _rule_form_page(request, *, rule: DispatchRule | None):
    actor = request.user
    city_id = _actor_city(actor)
    units, districts = _units(city_id), _districts(city_id)
    initial = None
    if rule is not None:
        initial = {
            "name": rule.name,
            "category": rule.category,
            "district_id": rule.district_id,
            "keywords": "、".join(rule.keywords),
            "lead_unit_id": rule.lead_unit_id,
            "co_unit_ids": [u.pk for u in rule.co_units.all()],
            "priority": rule.priority,
        }
    form = DispatchRuleForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        units=units,
        districts=districts,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                saved = services.dispatch_rule_create(
                    actor=actor, city_id=city_id, **form.service_kwargs()
                )
                messages.success(request, _("Rule “%(name)s” added.") % {"name": saved.name})
            else:
                saved = services.dispatch_rule_revise(
                    actor=actor, rule_id=rule.pk, **form.service_kwargs()
                )
                messages.success(
                    request,
                    _("Rule “%(name)s” is now version %(version)d.")
                    % {"name": saved.name, "version": saved.version},
                )
        except NotFound:
            messages.warning(
                request,
                _(
                    "This rule was revised or deactivated in the meantime; nothing was saved. "
                    "Check its history."
                ),
            )
            if rule is None:  # pragma: no cover — creating never raises NotFound
                return redirect("hotline:catalogue")
            return redirect("hotline:catalogue_history", pk=rule.pk)
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            return redirect("hotline:catalogue_history", pk=saved.pk)
    return render(
        request,
        "hotline/catalogue_form.html",
        {"form": form, "rule": rule},
    )


@staff_page(perms.MANAGE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def catalogue_new(request):
    return _rule_form_page(request, rule=None)


@staff_page(perms.MANAGE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def catalogue_revise(request, pk: int):
    """Edit form of an active rule; saving adds a new version and retires this one."""
    rule = _rule_of_city(pk, _actor_city(request.user))
    if not rule.active:
        messages.warning(request, _("Only the active version of a rule can be revised."))
        return redirect("hotline:catalogue_history", pk=rule.pk)
    return _rule_form_page(request, rule=rule)


@staff_page(perms.MANAGE_CATALOGUE)
@require_POST
def catalogue_deactivate(request, pk: int):
    rule = _rule_of_city(pk, _actor_city(request.user))
    try:
        services.dispatch_rule_deactivate(actor=request.user, rule_id=rule.pk)
    except NotFound:
        messages.warning(request, _("This rule is no longer active."))
    else:
        messages.success(request, _("Rule “%(name)s” deactivated.") % {"name": rule.name})
    return redirect("hotline:catalogue")


def _version_chain(rule: DispatchRule) -> list[DispatchRule]:
    """Every version of the rule ``rule`` belongs to, newest first (one query per version)."""
    first = rule
    seen = {rule.pk}
    while first.supersedes_id and first.supersedes_id not in seen:
        seen.add(first.supersedes_id)
        first = DispatchRule.objects.get(pk=first.supersedes_id)
    chain = [first]
    while True:
        nxt = DispatchRule.objects.filter(supersedes_id=chain[-1].pk).order_by("pk").first()
        if nxt is None or nxt.pk in {r.pk for r in chain}:
            break
        chain.append(nxt)
    ids = [r.pk for r in chain]
    full = {
        r.pk: r
        for r in DispatchRule.objects.filter(pk__in=ids)
        .select_related("district", "lead_unit")
        .prefetch_related("co_units")
    }
    return [full[pk] for pk in reversed(ids)]


@staff_page(perms.MANAGE_CATALOGUE)
@require_GET
def catalogue_history(request, pk: int):
    rule = _rule_of_city(pk, _actor_city(request.user))
    versions = _version_chain(rule)
    routed = dict(
        WorkOrder.objects.filter(dispatch_rule_id__in=[v.pk for v in versions])
        .values("dispatch_rule_id")
        .annotate(n=Count("pk"))
        .values_list("dispatch_rule_id", "n")
    )
    return render(
        request,
        "hotline/catalogue_history.html",
        {
            "rule": rule,
            "versions": [(v, routed.get(v.pk, 0)) for v in versions],
            "current": next((v for v in versions if v.active), None),
        },
    )


# --- SLA policies ------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """2.00 → "2", 1.50 → "1.5" (never "1E+1")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@staff_page(perms.MANAGE_CATALOGUE)
@require_GET
def sla_policies(request):
    """The current policy of every lane × category (SLA policies are the same for every city)."""
    current = {
        (p.lane, p.category): p
        for p in SlaPolicy.objects.filter(active=True).order_by("lane", "category", "-version")
    }
    rows = [
        {
            "lane": lane,
            "lane_label": lane_label,
            "category": category,
            "category_label": category_label,
            "policy": current.get((lane, category)),
        }
        for lane, lane_label in Lane.choices
        for category, category_label in Category.choices
    ]
    return render(request, "hotline/sla_policies.html", {"rows": rows})


@staff_page(perms.MANAGE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def sla_policy(request, lane: str, category: str):
    """Revise form and version history of the policy of one lane × category."""
    if lane not in Lane.values or category not in Category.values:
        raise Http404
    history = list(SlaPolicy.objects.filter(lane=lane, category=category).order_by("-version"))
    current = next((p for p in history if p.active), history[0] if history else None)
    if current is None:
        raise Http404
    form = SlaPolicyForm(
        request.POST if request.method == "POST" else None,
        initial={
            "sign_hours": _plain(current.sign_hours),
            "handle_days": current.handle_days,
            "callback_days": current.callback_days,
            "yellow_ratio": current.yellow_ratio,
            "red_ratio": current.red_ratio,
            "version": current.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            policy = services.sla_policy_revise(
                actor=request.user,
                lane=lane,
                category=category,
                sign_hours=data["sign_hours"],
                handle_days=data["handle_days"],
                callback_days=data["callback_days"],
                yellow_ratio=data["yellow_ratio"],
                red_ratio=data["red_ratio"],
                expected_version=data["version"],
            )
        except Conflict as exc:
            messages.warning(
                request,
                _(
                    "Someone else revised this policy in the meantime; it has been reloaded. "
                    "Check it and try again."
                )
                if exc.code == "hotline.concurrent_change"
                else exc.message,
            )
            return redirect("hotline:sla_policy", lane=lane, category=category)
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("New policy version %(version)d saved; orders already dispatched keep theirs.")
                % {"version": policy.version},
            )
            return redirect("hotline:sla_policy", lane=lane, category=category)
    return render(
        request,
        "hotline/sla_policy.html",
        {
            "form": form,
            "lane_label": Lane(lane).label,
            "category_label": Category(category).label,
            "current": current,
            "history": history,
        },
    )


# --- cross-city transfers ----------------------------------------------------------------------

TRANSFER_DIRECTIONS = {
    "all": None,
    "out": TransferDirection.OUTBOUND,
    "in": TransferDirection.INBOUND,
}


def _peer_names() -> dict[str, str]:
    try:
        return {code: peer.name for code, peer in signing.peers().items()}
    except Exception:  # a malformed peer configuration must not take the list down
        return {}


@staff_page(perms.VIEW_CITY)
@require_GET
def transfers(request):
    """Outgoing and incoming 跨市联动 messages of the actor's city, newest first."""
    actor = request.user
    city_id = _actor_city(actor)
    direction = request.GET.get("direction", "all")
    if direction not in TRANSFER_DIRECTIONS:
        direction = "all"
    state = request.GET.get("state", "")
    if state not in TransferState.values:
        state = ""
    scoped = CrossCityTransfer.objects.filter(order__city_id=city_id)
    counts = scoped.aggregate(
        all=Count("pk"),
        out=Count("pk", filter=Q(direction=TransferDirection.OUTBOUND)),
        **{"in": Count("pk", filter=Q(direction=TransferDirection.INBOUND))},
        failed=Count("pk", filter=Q(state=TransferState.FAILED)),
    )
    qs = scoped.select_related("order").order_by("-created_at", "-pk")
    if TRANSFER_DIRECTIONS[direction]:
        qs = qs.filter(direction=TRANSFER_DIRECTIONS[direction])
    if state:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _peer_names()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline/transfers.html",
        {
            "direction": direction,
            "tabs": [
                ("all", _("All"), counts["all"]),
                ("out", TransferDirection.OUTBOUND.label, counts["out"]),
                ("in", TransferDirection.INBOUND.label, counts["in"]),
            ],
            "state": state,
            "states": TransferState.choices,
            "failed": counts["failed"],
            "page": page,
            "rows": [
                {
                    "t": t,
                    "peer_name": names.get(t.peer, ""),
                    "direction_label": TransferDirection(t.direction).label,
                    "state_label": TransferState(t.state).label,
                }
                for t in page.object_list
            ],
            "can_retry": has_perm(actor, perms.DISPATCH),
            "query": query.urlencode(),
        },
    )


@staff_page(perms.DISPATCH)
@require_POST
def transfer_retry(request, pk: int):
    """Send a failed transfer or outcome again (same message id; the peer is idempotent)."""
    city_id = _actor_city(request.user)
    if not CrossCityTransfer.objects.filter(pk=pk, order__city_id=city_id).exists():
        raise Http404
    try:
        transfer = services.transfer_retry(actor=request.user, transfer_id=pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(
            request,
            _("Message %(message_id)s queued for delivery again.")
            % {"message_id": transfer.message_id},
        )
    back = reverse("hotline:transfers")
    query = request.POST.get("query", "")
    return redirect(f"{back}?{query}" if query and "//" not in query else back)
