"""Reads of the hotline, already scoped to the acting user.

* centre operators (``hotline.view_city``) see every order of their city (the root of their
  organisation path), whatever unit leads it, including orders still awaiting dispatch;
* other staff (handlers, leaders) see orders whose lead unit is in their subtree, and orders
  on which a unit of their subtree is a co-unit (协办: read only, acting is 403);
* citizens and enterprise users see the orders they own.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yiwang.core.choices import AccountKind
from yiwang.core.errors import NotFound
from yiwang.core.localcache import ProcessCache
from yiwang.core.permissions import has_perm, restrict
from yiwang.hotline import permissions as perms
from yiwang.hotline.models import DispatchRule, SlaPolicy, WorkOrder, WorkOrderEvent


def city_root_id(actor) -> int | None:
    """Primary key of the city at the root of the actor's organisation path."""
    org = getattr(actor, "organisation", None)
    if org is None:
        return None
    parts = [p for p in org.path.strip("/").split("/") if p]
    return int(parts[0]) if parts else None


def _scoped(qs: QuerySet, actor) -> QuerySet:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if actor.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE):
        return restrict(qs, actor, perms.VIEW, owner="owner")
    if getattr(actor, "is_superuser", False):
        return qs
    if has_perm(actor, perms.VIEW_CITY):
        root = city_root_id(actor)
        return restrict(qs, actor, perms.VIEW_CITY, org_path=None).filter(city_id=root)
    return _unit_scoped(qs, actor)


def _unit_scoped(qs: QuerySet, actor) -> QuerySet:
    """Units: orders their subtree leads (主办) or assists on as a co-unit (协办). Co-units read
    the order (list and detail) but do not act as the lead (see :func:`acts_for_lead_unit`)."""
    org = actor.organisation
    if not has_perm(actor, perms.VIEW) or org is None:
        return qs.none()
    assisted = WorkOrder.co_units.through.objects.filter(
        organisation__path__startswith=org.path
    ).values("workorder_id")
    return qs.filter(Q(lead_unit__path__startswith=org.path) | Q(pk__in=assisted))


def acts_for_lead_unit(actor, order: WorkOrder) -> bool:
    """Whether ``actor`` may act as the order's lead unit (sign, reply, return …): the centre,
    a superuser, or staff whose subtree contains the lead unit — not a co-unit's staff."""
    if actor is None or getattr(actor, "is_superuser", False) or has_perm(actor, perms.VIEW_CITY):
        return True
    org = getattr(actor, "organisation", None)
    if org is None or order.lead_unit_id is None:
        return False
    return order.lead_unit.path.startswith(org.path)


def work_order_list(*, actor, filters: dict | None = None) -> QuerySet:
    """Orders visible to ``actor`` with optional ``status``, ``category``, ``lane``,
    ``channel``, ``lead_unit_id``, ``district_id`` and ``number`` filters."""
    qs = _scoped(WorkOrder.objects.all(), actor)
    for key, value in (filters or {}).items():
        if value not in (None, ""):
            qs = qs.filter(**{key: value})
    return qs.select_related("lead_unit", "district")


def work_order_get(*, actor, pk: int, for_update: bool = False) -> WorkOrder:
    """One visible order or ``NotFound`` (missing and invisible answer the same)."""
    qs = _scoped(WorkOrder.objects.all(), actor)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.select_related("lead_unit", "district", "street", "sla_policy").get(pk=pk)
    except WorkOrder.DoesNotExist:
        raise NotFound("work order") from None


def work_order_events(*, order: WorkOrder) -> QuerySet:
    return WorkOrderEvent.objects.filter(order=order).select_related("unit").order_by("at", "id")


def work_order_track(*, number: str, phone: str) -> WorkOrder:
    """Public tracking: the order with this number whose contact phone matches, else 404."""
    order = (
        WorkOrder.objects.filter(number=(number or "").strip().upper())
        .select_related("lead_unit")
        .only(
            "id",
            "number",
            "status",
            "category",
            "received_at",
            "closed_at",
            "contact_phone",
            "confidential",
            "reply_deadline",
            "lead_unit__name",
        )
        .first()
    )
    if order is None or order.contact_phone != (phone or "").strip().replace("-", ""):
        raise NotFound("work order")
    return order


def work_order_public_list(*, city_id: int | None = None) -> QuerySet:
    """Unscoped orders for public read-outs (Open311); callers must drop personal data."""
    qs = WorkOrder.objects.all()
    if city_id is not None:
        qs = qs.filter(city_id=city_id)
    return qs.select_related("lead_unit")


# (lane, category) → the active policy, per process (``core.localcache``); the policy
# services forget it (``sla_policy_forget``).
_policy_cache = ProcessCache("hotline-sla-policy", timeout=300)


def sla_policy_current(*, lane: str, category: str) -> SlaPolicy | None:
    """The active (latest) policy of a lane and category. Read at every dispatch, so cached
    per process until a revision (``services.sla.sla_policy_revise``) forgets it."""

    def load() -> SlaPolicy | None:
        return (
            SlaPolicy.objects.filter(lane=lane, category=category, active=True)
            .order_by("-version")
            .first()
        )

    return _policy_cache.get((lane, category), load)


def sla_policy_forget(*, lane: str, category: str) -> None:
    _policy_cache.forget((lane, category))


def dispatch_rules_active(*, city_id: int) -> QuerySet:
    return (
        DispatchRule.objects.filter(city_id=city_id, active=True)
        .prefetch_related("co_units")
        .order_by("priority", "id")
    )
