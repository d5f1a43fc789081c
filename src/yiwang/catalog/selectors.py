"""Reads of the catalogue: published items, version history and diff, the consistency report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from yiwang.catalog import elements as el
from yiwang.catalog import permissions as perms
from yiwang.catalog.choices import VersionStatus
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.core.choices import OrgKind
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm

# Elements compared between implementations of one basic item (domain.md §2: local variation of
# materials, time limits, fees and visits must be visible and justified).
COMPARED = ("materials", "limits", "fees", "visits", "online", "handling_type")


def published_items() -> QuerySet:
    return ImplementationItem.objects.filter(
        current__status=VersionStatus.PUBLISHED
    ).select_related("basic", "organisation", "current")


def versions_of(item: ImplementationItem) -> QuerySet:
    return item.versions.order_by("-number")


def version_diff(*, actor, old_id: int, new_id: int) -> dict[str, list]:
    """The element changes from one version of an item to another (404 across items)."""
    versions = {v.pk: v for v in ImplementationVersion.objects.filter(pk__in=[old_id, new_id])}
    old, new = versions.get(old_id), versions.get(new_id)
    if old is None or new is None or old.item_id != new.item_id or not has_perm(actor, perms.VIEW):
        raise NotFound("implementation item version")
    return el.diff(el.elements_of(old), el.elements_of(new))


def _aspects(elements: dict) -> dict[str, object]:
    """The compared aspects of a set of elements, normalised (order of lists ignored)."""
    return {
        "materials": sorted(
            (str(m.get("name", "")).strip(), bool(m.get("required", True)))
            for m in elements.get("materials", [])
        ),
        "limits": (
            elements.get("promised_limit"),
            elements.get("promised_limit_unit"),
            elements.get("legal_limit"),
            elements.get("legal_limit_unit"),
        ),
        "fees": (
            bool(elements.get("fee_free")),
            sorted(str(f.get("standard", "")) for f in elements.get("fees", [])),
        ),
        "visits": elements.get("visits"),
        "online": (elements.get("online"), elements.get("online_depth")),
        "handling_type": elements.get("handling_type"),
    }


def deviations(standard: dict, elements: dict) -> list[str]:
    """The compared aspects in which ``elements`` differ from the basic item's standard."""
    ours, theirs = _aspects(elements), _aspects(standard)
    return [aspect for aspect in COMPARED if ours[aspect] != theirs[aspect]]


@dataclass
class Implementation:
    code: str
    organisation: str
    district: str
    deviations: list[str]
    reason: str

    @property
    def unjustified(self) -> bool:
        return bool(self.deviations) and not self.reason


@dataclass
class ReportRow:
    code: str
    name: str
    department: str
    implementations: list[Implementation]
    differing: list[str] = field(default_factory=list)  # aspects that vary between places

    @property
    def unjustified(self) -> int:
        return sum(i.unjustified for i in self.implementations)


@dataclass
class Score:
    name: str
    implementations: int
    conforming: int  # no deviation, or a deviation with its reason

    @property
    def score(self) -> float:
        return (
            round(100 * self.conforming / self.implementations, 1)
            if self.implementations
            else 100.0
        )


def consistency_report(
    *, actor, min_places: int = 2
) -> tuple[list[ReportRow], list[Score], list[Score]]:
    """同要素管理、同标准办理: for every basic item published in at least ``min_places``
    places, the aspects that differ between them and from the standard, with each deviation
    flagged unjustified when the version gives no reason; and a standardisation score (share
    of conforming implementations) per department and per district."""
    if not has_perm(actor, perms.VIEW):
        raise NotFound("consistency report")
    by_basic: dict[int, list[ImplementationItem]] = defaultdict(list)
    for item in published_items().order_by("basic__code", "code"):
        by_basic[item.basic_id].append(item)
    org_model = ImplementationItem._meta.get_field("organisation").related_model
    district_ids = set()
    for items in by_basic.values():
        for item in items:
            parts = item.organisation.path.strip("/").split("/")
            if len(parts) >= 2:
                district_ids.add(int(parts[1]))
    # the second node of a path is a district only if it is one (a municipal department's
    # office has its department there: such items are 市级)
    district_names = dict(
        org_model.objects.filter(
            pk__in=district_ids, kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA]
        ).values_list("pk", "name")
    )
    rows: list[ReportRow] = []
    departments: dict[str, Score] = {}
    districts: dict[str, Score] = {}
    for items in by_basic.values():
        basic = items[0].basic
        entries = []
        for item in items:
            elements = el.elements_of(item.current)
            parts = item.organisation.path.strip("/").split("/")
            district = district_names.get(int(parts[1]), "") if len(parts) >= 2 else ""
            entry = Implementation(
                code=item.code,
                organisation=item.organisation.name,
                district=district,
                deviations=deviations(basic.standard, elements),
                reason=item.current.deviation_reason,
            )
            entries.append(entry)
            for key, table in (
                (basic.department, departments),
                (entry.district or "市级", districts),
            ):
                score = table.setdefault(key, Score(key, 0, 0))
                score.implementations += 1
                score.conforming += not entry.unjustified
        if len(items) < min_places:
            continue
        aspects = [_aspects(el.elements_of(i.current)) for i in items]
        differing = [a for a in COMPARED if len({repr(x[a]) for x in aspects}) > 1]
        rows.append(ReportRow(basic.code, basic.name, basic.department, entries, differing))
    return (
        rows,
        sorted(departments.values(), key=lambda s: (s.score, s.name)),
        sorted(districts.values(), key=lambda s: (s.score, s.name)),
    )


def basic_items() -> QuerySet:
    return BasicItem.objects.filter(is_active=True)


def scope_prefix(actor) -> str | None:
    """The organisation-path prefix of the implementation items ``actor`` sees: an editor
    (without the reviewer's role) its own organisation subtree, reviewers and leaders their
    city; ``None`` without ``catalog.view`` or an organisation."""
    org = getattr(actor, "organisation", None)
    if org is None or not has_perm(actor, perms.VIEW):
        return None
    if has_perm(actor, perms.EDIT) and not has_perm(actor, perms.REVIEW):
        return org.path
    city = org.path.strip("/").split("/")[0]
    return f"/{city}/"


def implementations_visible(*, actor) -> QuerySet:
    """Implementation items (withdrawn ones included) in the actor's scope."""
    prefix = scope_prefix(actor)
    if prefix is None:
        return ImplementationItem.objects.none()
    return ImplementationItem.objects.filter(organisation__path__startswith=prefix).select_related(
        "basic", "organisation", "current"
    )


def implementation_get(*, actor, item_id: int) -> ImplementationItem:
    """One implementation item in the actor's scope (404 otherwise, as for a missing one)."""
    item = implementations_visible(actor=actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound("implementation item")
    return item
