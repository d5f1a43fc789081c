"""Catalogue statistics (issue 4, "Statistics"): items by kind (依申请六类 + 公共服务), the
online-handling rate (网办率) and online depth, the zero-visit rate (零跑动), limit compression
(承诺时限 against 法定时限) and the share of items handled on the spot (即办件) — overall, per
competent department and per district, computed from the published implementation items.

Formulas: docs/modules/catalog-stats.md. One aggregate query grouped by implementing body and
department does the counting; the per-district and per-department figures are sums of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, FloatField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from yiwang.catalog import permissions as perms
from yiwang.catalog.choices import HandlingType, ItemKind, LimitUnit, VersionStatus
from yiwang.catalog.models import ImplementationItem
from yiwang.catalog.selectors import scope_prefix
from yiwang.core.choices import OrgKind
from yiwang.core.errors import Forbidden
from yiwang.core.permissions import has_perm

KINDS = tuple(ItemKind.values)  # 依申请六类 + 公共服务 (gg)
APPLICATION_KINDS = tuple(k for k in KINDS if k != ItemKind.PUBLIC_SERVICE)
DEPTHS = (1, 2, 3, 4)
CITY_LEVEL = "city"  # the key of implementations by municipal bodies in the district breakdown
RATE_DIGITS = 4
DAY_DIGITS = 2


def _natural_days(value: str, unit: str):
    """SQL of ``catalog.elements.natural_days``: working days × 7 / 5, rounded up."""
    return Case(
        When(**{unit: LimitUnit.NATURAL_DAY}, then=F(value)),
        default=(F(value) * Value(7) + Value(4)) / Value(5),
        output_field=IntegerField(),
    )


def _rate(part: int | float, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


@dataclass
class Figures:
    """The counters of one group of published implementations and the indicators on them."""

    key: str
    label: str
    items: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    online: int = 0
    depths: dict[int, int] = field(default_factory=lambda: dict.fromkeys(DEPTHS, 0))
    zero_visit: int = 0
    immediate: int = 0
    with_legal_limit: int = 0  # implementations whose legal limit is above 0
    compression_sum: float = 0.0  # Σ (legal − promised) / legal, in natural days
    legal_days: int = 0  # Σ legal limit in natural days (of those with a legal limit)
    promised_days: int = 0  # Σ promised limit in natural days (of the same)

    def add(self, row: dict[str, Any]) -> None:
        self.items += row["items"]
        for kind in KINDS:
            self.kinds[kind] += row[f"kind_{kind}"]
        self.online += row["online"]
        for depth in DEPTHS:
            self.depths[depth] += row[f"depth_{depth}"]
        self.zero_visit += row["zero_visit"]
        self.immediate += row["immediate"]
        self.with_legal_limit += row["with_legal_limit"]
        self.compression_sum += row["compression_sum"] or 0.0
        self.legal_days += row["legal_days"] or 0
        self.promised_days += row["promised_days"] or 0

    @property
    def application_items(self) -> int:
        return sum(self.kinds[k] for k in APPLICATION_KINDS)

    def as_dict(self) -> dict[str, Any]:
        """Counters and indicators (rates are fractions 0–1, null without items)."""
        n, limited = self.items, self.with_legal_limit
        return {
            "key": self.key,
            "label": self.label,
            "items": n,
            "application_items": self.application_items,
            "public_service_items": self.kinds[ItemKind.PUBLIC_SERVICE],
            "kinds": dict(self.kinds),
            "online": self.online,
            "online_rate": _rate(self.online, n),
            "depths": {str(d): c for d, c in self.depths.items()},
            "depth_rates": {str(d): _rate(c, n) for d, c in self.depths.items()},
            "full_online_rate": _rate(self.depths[4], n),
            "zero_visit": self.zero_visit,
            "zero_visit_rate": _rate(self.zero_visit, n),
            "immediate": self.immediate,
            "immediate_rate": _rate(self.immediate, n),
            "with_legal_limit": limited,
            "limit_compression": _rate(self.compression_sum, limited),
            "avg_legal_days": round(self.legal_days / limited, DAY_DIGITS) if limited else None,
            "avg_promised_days": (
                round(self.promised_days / limited, DAY_DIGITS) if limited else None
            ),
        }


def stats_scope(actor) -> str:
    """The organisation-path prefix of the implementations ``actor`` counts (an editor its own
    subtree, reviewers and leaders their city); ``Forbidden`` without ``catalog.view``."""
    prefix = scope_prefix(actor) if has_perm(actor, perms.VIEW) else None
    if prefix is None:
        raise Forbidden(
            "catalog.permission_denied", _("You may not read the catalogue statistics.")
        )
    return prefix


def _grouped_counts(prefix: str) -> list[dict[str, Any]]:
    """One row per (implementing body, competent department) of the published
    implementations under ``prefix``, with every counter (one query)."""
    legal = _natural_days("current__legal_limit", "current__legal_limit_unit")
    promised = _natural_days("current__promised_limit", "current__promised_limit_unit")
    limited = Q(current__legal_limit__gt=0)
    counters: dict[str, Any] = {
        "items": Count("id"),
        "online": Count("id", filter=Q(current__online=True)),
        "zero_visit": Count("id", filter=Q(current__visits=0)),
        "immediate": Count("id", filter=Q(current__handling_type=HandlingType.IMMEDIATE)),
        "with_legal_limit": Count("id", filter=limited),
        "compression_sum": Sum(
            Cast(legal - promised, FloatField()) / Cast(legal, FloatField()),
            filter=limited,
            output_field=FloatField(),
        ),
        "legal_days": Sum(legal, filter=limited),
        "promised_days": Sum(promised, filter=limited),
    }
    for kind in KINDS:
        counters[f"kind_{kind}"] = Count("id", filter=Q(basic__kind=kind))
    for depth in DEPTHS:
        counters[f"depth_{depth}"] = Count("id", filter=Q(current__online_depth=depth))
    return list(
        ImplementationItem.objects.filter(
            current__status=VersionStatus.PUBLISHED,
            basic__is_active=True,
            organisation__path__startswith=prefix,
        )
        .values("organisation_id", "basic__department")
        .order_by()
        .annotate(**counters)
    )


def _districts(org_ids: set[int]) -> tuple[dict[int, int | None], list[tuple[int, str]]]:
    """Each implementing body's district (None: a municipal body, 市级) and the districts in
    their order. The second node of a body's path is its district only if it is one (a
    municipal department's office has its department there)."""
    org_model = ImplementationItem._meta.get_field("organisation").related_model
    paths = dict(org_model.objects.filter(pk__in=org_ids).values_list("pk", "path"))
    second = {}
    for pk, path in paths.items():
        parts = path.strip("/").split("/")
        second[pk] = int(parts[1]) if len(parts) >= 2 else None
    districts = list(
        org_model.objects.filter(
            pk__in={s for s in second.values() if s is not None},
            kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA],
        )
        .order_by("sort_order", "pk")
        .values_list("pk", "name")
    )
    known = {pk for pk, _name in districts}
    return {pk: (s if s in known else None) for pk, s in second.items()}, districts


def catalogue_stats(*, actor) -> dict[str, Any]:
    """The statistics of the published implementations in the actor's scope:
    ``{"total": {...}, "by_department": [...], "by_district": [...]}`` (each entry the dict of
    :meth:`Figures.as_dict`). Departments are the competent departments (主管部门, a unified
    element) by number of items; districts follow the city's order after the city level
    (key ``city``: implementations by municipal bodies)."""
    return catalogue_stats_in(stats_scope(actor))


def catalogue_stats_in(prefix: str) -> dict[str, Any]:
    """:func:`catalogue_stats` of the published implementations whose implementing body's
    organisation path starts with ``prefix`` (unscoped: the caller decides the prefix)."""
    rows = _grouped_counts(prefix)
    district_of, districts = _districts({r["organisation_id"] for r in rows})
    total = Figures("total", _("All items"))
    by_district = {CITY_LEVEL: Figures(CITY_LEVEL, _("City level"))}
    for pk, name in districts:
        by_district[str(pk)] = Figures(str(pk), name)
    by_department: dict[str, Figures] = {}
    for row in rows:
        total.add(row)
        district = district_of.get(row["organisation_id"])
        by_district[CITY_LEVEL if district is None else str(district)].add(row)
        department = row["basic__department"]
        by_department.setdefault(department, Figures(department, department)).add(row)
    departments = sorted(by_department.values(), key=lambda f: (-f.items, f.key))
    return {
        "total": total.as_dict(),
        "by_department": [f.as_dict() for f in departments],
        "by_district": [f.as_dict() for f in by_district.values() if f.items],
    }


def kind_labels() -> dict[str, str]:
    return {kind: str(label) for kind, label in ItemKind.choices}
