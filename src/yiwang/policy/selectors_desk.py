"""Reads of the enterprise service desk and of the officers' grants and application queue,
already scoped to the actor.

* Enterprise users (anyone else: 403) see the pushes, 免申即享 grants and 快申快享
  applications of the enterprises they act for (``selectors.enterprise_seats``); another
  enterprise's record — or a cancelled push, which the enterprise was never told about — is
  :class:`NotFound`, exactly like a missing one. :func:`application_prefill` is what a
  快申快享 application of an item would hold: the profile values its rule reads, the
  explanation and the materials.
* Officers see the grants and applications of items issued inside their scope
  (``selectors.item_get`` / ``scope_prefix``; 404 outside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import rules, selectors
from yiwang.policy.choices import ApplicationStatus, GrantStatus, PushStatus
from yiwang.policy.describe import Row, explain, field_label, format_ratio, format_value, misses
from yiwang.policy.matching import matcher_for
from yiwang.policy.models import Grant, PolicyItem, Push, QuickApplication
from yiwang.policy.selectors import EnterpriseSeat
from yiwang.registry import facade as registry

A = ApplicationStatus
G = GrantStatus


def enterprise_actor(actor) -> None:
    """The desk is for enterprise users: anyone else gets 403."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.kind != AccountKind.ENTERPRISE
    ):
        raise Forbidden("policy.enterprise_only", "The service desk is for enterprise users.")


def seat_enterprise_ids(actor) -> dict[int, EnterpriseSeat]:
    """Registry id → seat of every enterprise ``actor`` acts for that has a registry file."""
    return {s.enterprise.id: s for s in selectors.enterprise_seats(actor) if s.enterprise}


# --- the inbox -----------------------------------------------------------------------------------


def desk_pushes(*, actor, seat: EnterpriseSeat) -> QuerySet:
    """The pushes of one of the actor's enterprises, unread first, then newest; cancelled
    pushes hidden. ``seat`` comes from ``selectors.enterprise_seat_get`` (already checked)."""
    enterprise_actor(actor)
    if seat.enterprise is None:
        return Push.objects.none()
    return (
        Push.objects.filter(enterprise_id=seat.enterprise.id)
        .exclude(status=PushStatus.CANCELLED)
        .select_related("item", "item__document", "item__document__organisation")
        .annotate(
            unread=Case(
                When(read_at__isnull=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-unread", "-created_at", "-pk")
    )


def desk_unread_count(*, actor, seat: EnterpriseSeat) -> int:
    enterprise_actor(actor)
    if seat.enterprise is None:
        return 0
    return (
        Push.objects.filter(enterprise_id=seat.enterprise.id, read_at__isnull=True)
        .exclude(status=PushStatus.CANCELLED)
        .count()
    )


def desk_push_get(*, actor, push_id: int) -> tuple[Push, EnterpriseSeat]:
    """A push of one of the actor's enterprises with the seat it belongs to (404 otherwise)."""
    enterprise_actor(actor)
    seats = seat_enterprise_ids(actor)
    push = (
        Push.objects.filter(pk=push_id, enterprise_id__in=list(seats))
        .exclude(status=PushStatus.CANCELLED)
        .select_related("item", "item__document", "item__document__organisation")
        .first()
    )
    if push is None:
        raise NotFound("policy push")
    return push, seats[push.enterprise_id]


def push_follow_up(push: Push) -> tuple[Grant | None, QuickApplication | None]:
    """What followed a push for its enterprise: the grant of a 免申即享 item, else the
    enterprise's 快申快享 application of the item (None when there is none yet)."""
    if push.item.exempt_application:
        grant = Grant.objects.filter(item_id=push.item_id, enterprise_id=push.enterprise_id)
        return grant.first(), None
    applications = QuickApplication.objects.filter(
        item_id=push.item_id, enterprise_id=push.enterprise_id
    )
    return None, applications.first()


def applied_items(enterprise_id: int, item_ids: list[int]) -> set[int]:
    """The items among ``item_ids`` the enterprise has applied for (快申快享)."""
    return set(
        QuickApplication.objects.filter(
            enterprise_id=enterprise_id, item_id__in=item_ids
        ).values_list("item_id", flat=True)
    )


# --- 免申即享 grants --------------------------------------------------------------------------


def desk_grants(*, actor, seat: EnterpriseSeat) -> QuerySet:
    """The grants of one of the actor's enterprises, newest first."""
    enterprise_actor(actor)
    if seat.enterprise is None:
        return Grant.objects.none()
    return (
        Grant.objects.filter(enterprise_id=seat.enterprise.id)
        .select_related("item", "item__document", "item__document__organisation")
        .order_by("-approved_at", "-pk")
    )


def desk_grant_get(*, actor, grant_id: int) -> Grant:
    """A grant of one of the actor's enterprises (another enterprise's is 404)."""
    enterprise_actor(actor)
    ids = [s.enterprise.id for s in selectors.enterprise_seats(actor) if s.enterprise]
    grant = (
        Grant.objects.filter(pk=grant_id, enterprise_id__in=ids)
        .select_related("item", "item__document", "item__document__organisation", "enterprise")
        .first()
    )
    if grant is None:
        raise NotFound("grant")
    return grant


@dataclass(frozen=True)
class GrantTotals:
    """Counts and amounts (10,000 yuan) of an item's grants by disbursement status."""

    approved_count: int
    approved_amount: Decimal
    paid_count: int
    paid_amount: Decimal
    revoked_count: int


def item_grants(
    *,
    actor,
    item_id: int,
    status: str | None = None,
    district_id: int | None = None,
) -> tuple[PolicyItem, QuerySet]:
    """An item in the officer's scope (404 otherwise) and its grants (:func:`grants_of`)."""
    item = selectors.item_get(actor=actor, item_id=item_id)
    return item, grants_of(item, status=status, district_id=district_id)


def grants_of(
    item: PolicyItem, *, status: str | None = None, district_id: int | None = None
) -> QuerySet:
    """The grants of an item already checked to be in scope, filtered by status and the
    enterprise's district; approved first, then newest."""
    qs = Grant.objects.filter(item_id=item.pk).select_related("enterprise", "enterprise__district")
    if status:
        qs = qs.filter(status=status)
    if district_id:
        qs = qs.filter(enterprise__district_id=district_id)
    return qs.order_by("status", "-approved_at", "-pk")


def grant_totals(qs: QuerySet) -> GrantTotals:
    """Counts and amounts of a grant list by status (one query; amounts to the fen on every
    database — SQLite's sum drops trailing zeros)."""
    cent = Decimal("0.01")
    row = qs.order_by().aggregate(
        approved_count=Count("pk", filter=Q(status=G.APPROVED)),
        approved_amount=Sum("amount", filter=Q(status=G.APPROVED)),
        paid_count=Count("pk", filter=Q(status=G.PAID)),
        paid_amount=Sum("amount", filter=Q(status=G.PAID)),
        revoked_count=Count("pk", filter=Q(status=G.REVOKED)),
    )
    return GrantTotals(
        approved_count=row["approved_count"],
        approved_amount=Decimal(row["approved_amount"] or 0).quantize(cent),
        paid_count=row["paid_count"],
        paid_amount=Decimal(row["paid_amount"] or 0).quantize(cent),
        revoked_count=row["revoked_count"],
    )


def grant_districts(item: PolicyItem) -> list[tuple[int, str]]:
    """The districts of the enterprises an item's grants went to (the district filter)."""
    rows = (
        Grant.objects.filter(item_id=item.pk, enterprise__district__isnull=False)
        .values_list("enterprise__district_id", "enterprise__district__name")
        .distinct()
        .order_by("enterprise__district__name")
    )
    return list(rows)


# --- 快申快享 ----------------------------------------------------------------------------------

# Still waiting for the department: undecided, or approved with money not yet paid.
OPEN = Q(status=A.SUBMITTED) | Q(status=A.APPROVED, amount__gt=0)


@dataclass(frozen=True)
class PrefillField:
    """One profile value the item's rule reads, as the registry file holds it today."""

    name: str
    label: str
    value: str
    source: str = ""  # the department the value came from ("" when not recorded)
    recorded_at: dt.datetime | None = None  # when the registry recorded it (None: unknown)


@dataclass
class Prefill:
    item: PolicyItem
    seat: EnterpriseSeat
    today: dt.date
    eligible: bool
    row: Row | None  # the whole explanation (None: the item has no rule)
    missing: list[Row] = field(default_factory=list)
    fields: list[PrefillField] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    application: QuickApplication | None = None  # the enterprise applied before

    def snapshot(self) -> dict[str, Any]:
        """What the enterprise confirmed, stored with the application."""
        return {
            "evaluated_on": self.today.isoformat(),
            "item_version": self.item.version,
            "rule_text": self.item.rule_text,
            "fields": [
                {
                    "name": f.name,
                    "label": f.label,
                    "value": f.value,
                    "source": f.source,
                    "recorded_at": f.recorded_at.isoformat() if f.recorded_at else None,
                }
                for f in self.fields
            ],
            "materials": list(self.materials),
        }


def _qualifications_text(held: list) -> str:
    if not held:
        return _("none")
    return "；".join(
        f"{registry.qualification_label(kind)} {start.isoformat()} – {end.isoformat()}"
        for kind, start, end in held
    )


def _provenance(enterprise_id: int, names: list[str]) -> dict[str, tuple[str, Any]]:
    """Source label and date of each value (the registry's record of the field)."""
    return registry.field_provenance(enterprise_id, names)


def prefill_fields(tree: dict | None, profile: dict, enterprise_id: int) -> list[PrefillField]:
    """The profile values a rule reads, in the order of the field catalogue."""
    if not tree:
        return []
    used = rules.fields_used(tree)
    names = [n for n in registry.FIELDS if n in used]
    if "qualifications" in used:
        names.append("qualifications")
    known = _provenance(enterprise_id, names)
    rows = []
    for name in names:
        if name == "qualifications":
            label, value = _("qualifications"), _qualifications_text(profile.get(name) or [])
        else:
            label, value = field_label(name), format_value(name, profile.get(name))
        source, at = known.get(name, ("", None))
        rows.append(PrefillField(name, label, value, source, at))
    return rows


def _ratios(tree: dict, profile: dict) -> list[PrefillField]:
    """Ratios the rule compares (R&D / revenue) with the enterprise's value."""
    found = []
    for node in rules.walk(tree):
        if node["op"] != "ratio":
            continue
        num, den = profile.get(node["num"]), profile.get(node["den"])
        value = None
        if num is not None and den not in (None, 0):
            value = Decimal(str(num)) / Decimal(str(den))
        label = _("the ratio of %(num)s to %(den)s") % {
            "num": field_label(node["num"]),
            "den": field_label(node["den"]),
        }
        if all(f.label != label for f in found):
            found.append(PrefillField(f"ratio:{node['num']}/{node['den']}", label,
                                      format_ratio(node, value)))  # fmt: skip
    return found


def prefill_build(item: PolicyItem, seat: EnterpriseSeat) -> Prefill:
    """The prefill of ``item`` for an enterprise with a registry file (no access checks)."""
    enterprise = seat.enterprise
    assert enterprise is not None
    today = timezone.localdate()
    profile = matcher_for(enterprise.city_id).profile(enterprise.id) or {}
    result = Prefill(item=item, seat=seat, today=today, eligible=False, row=None)
    result.materials = list(item.materials or [])
    if item.rule:
        outcome = rules.evaluate(item.rule, profile, today=today)
        result.eligible = outcome.passed
        result.row = explain(outcome)
        result.missing = misses(outcome)
        result.fields = prefill_fields(item.rule, profile, enterprise.id) + _ratios(
            item.rule, profile
        )
    result.application = QuickApplication.objects.filter(
        item_id=item.pk, enterprise_id=enterprise.id
    ).first()
    return result


def application_prefill(*, actor, item_id: int, uscc: str | None = None) -> Prefill:
    """The prefilled application of a published item for one of the actor's enterprises.
    403 for anyone but enterprise users; 404 for an item that is not published (or of another
    city) and for another enterprise; 409 for a 免申即享 item; 422 without a registry file."""
    enterprise_actor(actor)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=uscc)
    item = selectors.public_item_get(item_id=item_id)
    if seat.enterprise is None:
        message = _(
            "The enterprise registry has no file for this credit code yet, so nothing can be "
            "prefilled."
        )
        raise InvalidInput(
            "policy.no_registry_file",
            message,
            errors=[{"field": "uscc", "code": "policy.no_registry_file", "message": message}],
        )
    if selectors.city_id_of(item.document.organisation.path) != seat.enterprise.city_id:
        raise NotFound("policy item")
    if item.exempt_application:
        raise Conflict(
            "policy.exempt_item",
            _(
                "This item is granted without application (免申即享): qualifying enterprises "
                "get it automatically."
            ),
        )
    return prefill_build(item, seat)


def desk_applications(*, actor, seat: EnterpriseSeat) -> QuerySet:
    """The applications of one of the actor's enterprises, newest first."""
    enterprise_actor(actor)
    if seat.enterprise is None:
        return QuickApplication.objects.none()
    return (
        QuickApplication.objects.filter(enterprise_id=seat.enterprise.id)
        .select_related("item", "item__document", "item__document__organisation")
        .order_by("-submitted_at", "-pk")
    )


def desk_application_get(*, actor, application_id: int) -> QuickApplication:
    enterprise_actor(actor)
    ids = [s.enterprise.id for s in selectors.enterprise_seats(actor) if s.enterprise]
    application = (
        QuickApplication.objects.filter(pk=application_id, enterprise_id__in=ids)
        .select_related("item", "item__document", "item__document__organisation")
        .first()
    )
    if application is None:
        raise NotFound("application")
    return application


def applications_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    """Applications for items issued inside the officer's scope."""
    prefix = selectors.scope_prefix(actor, perm)
    if prefix is None:
        return QuickApplication.objects.none()
    return QuickApplication.objects.filter(
        item__document__organisation__path__startswith=prefix
    ).select_related(
        "item", "item__document", "item__document__organisation", "enterprise", "decided_by"
    )


def applications_queue(
    *,
    actor,
    status: str | None = None,
    item_id: int | None = None,
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet:
    """The officer's queue: by default what waits for the department (undecided, or approved
    and not paid), earliest due first; ``status`` shows one status instead."""
    now = now or timezone.now()
    qs = applications_visible(actor=actor)
    qs = qs.filter(status=status) if status else qs.filter(OPEN)
    if item_id:
        qs = qs.filter(item_id=item_id)
    if overdue:
        qs = qs.filter(OPEN, due_at__lt=now)
    return qs.order_by("due_at", "pk")


def is_overdue(application: QuickApplication, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    waiting = application.status == A.SUBMITTED or (
        application.status == A.APPROVED and (application.amount or 0) > 0
    )
    return waiting and application.due_at < now
