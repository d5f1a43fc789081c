"""What other apps may use of the catalogue: a published implementation item with the elements
an application needs, and the 一件事 bundles. Plain frozen values, never model instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yiwang.catalog.choices import ONLINE_APPLY_DEPTH, VersionStatus
from yiwang.catalog.models import Bundle, ImplementationItem
from yiwang.catalog.search import SearchHit, search_items
from yiwang.catalog.stats import catalogue_stats_in
from yiwang.core.errors import NotFound

__all__ = [
    "BundleRef",
    "PublishedItem",
    "SearchHit",
    "bundle_get",
    "bundle_list",
    "catalogue_figures",
    "published_item_get",
    "published_items_of_basic",
    "search_items",
]


@dataclass(frozen=True)
class PublishedItem:
    """The published version of one implementation item (实施清单事项)."""

    id: int
    code: str  # implementation code
    basic_code: str
    name: str
    kind: str
    department: str  # competent department (unified element)
    organisation_id: int  # the implementing body
    organisation_name: str
    operation: str
    version_id: int
    version_number: int
    legal_limit: int
    legal_limit_unit: str
    promised_limit: int
    promised_limit_unit: str
    handling_type: str
    visits: int
    online: bool
    online_depth: int
    fee_free: bool
    audience: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    materials: tuple[dict[str, Any], ...] = ()
    steps: tuple[dict[str, Any], ...] = ()
    places: tuple[dict[str, Any], ...] = ()
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def applicable_online(self) -> bool:
        """Whether applications are taken online (网办 at depth 3 or 4), the portal's rule."""
        return self.online and self.online_depth >= ONLINE_APPLY_DEPTH


@dataclass(frozen=True)
class BundleRef:
    """一件事一次办: several basic items applied for at once."""

    code: str  # the life event's code
    name: str
    life_event: str
    audience: str
    item_codes: tuple[str, ...]
    shared_materials: tuple[dict[str, Any], ...]
    lead_department: str
    promised_limit: int | None
    promised_limit_unit: str
    visits: int | None


def _published(item: ImplementationItem) -> PublishedItem:
    basic, version = item.basic, item.current
    return PublishedItem(
        id=item.pk,
        code=item.code,
        basic_code=basic.code,
        name=basic.name,
        kind=basic.kind,
        department=basic.department,
        organisation_id=item.organisation_id,
        organisation_name=item.organisation.name,
        operation=item.operation,
        version_id=version.pk,
        version_number=version.number,
        legal_limit=version.legal_limit,
        legal_limit_unit=version.legal_limit_unit,
        promised_limit=version.promised_limit,
        promised_limit_unit=version.promised_limit_unit,
        handling_type=version.handling_type,
        visits=version.visits,
        online=version.online,
        online_depth=version.online_depth,
        fee_free=version.fee_free,
        audience=tuple(basic.audience),
        conditions=tuple(version.conditions),
        materials=tuple(version.materials),
        steps=tuple(version.steps),
        places=tuple(version.places),
        result=dict(version.result),
    )


def _published_qs():
    return ImplementationItem.objects.filter(
        current__status=VersionStatus.PUBLISHED, basic__is_active=True
    ).select_related("basic", "organisation", "current")


def published_item_get(*, pk: int) -> PublishedItem:
    """The published implementation item ``pk``; ``NotFound`` when there is none (never
    published, withdrawn, or its basic item retired). Public data: no actor."""
    item = _published_qs().filter(pk=pk).first()
    if item is None:
        raise NotFound("service item")
    return _published(item)


def published_items_of_basic(*, basic_code: str) -> list[PublishedItem]:
    """Every published implementation of one basic item (city level first, then by code)."""
    items = _published_qs().filter(basic__code=basic_code).order_by("organisation__path", "code")
    return [_published(i) for i in items]


def _bundle_ref(bundle: Bundle) -> BundleRef:
    event = bundle.life_event
    return BundleRef(
        code=event.code,
        name=bundle.name,
        life_event=event.name,
        audience=event.audience,
        item_codes=tuple(bundle.item_codes),
        shared_materials=tuple(bundle.shared_materials),
        lead_department=bundle.lead_department,
        promised_limit=bundle.promised_limit,
        promised_limit_unit=bundle.promised_limit_unit,
        visits=bundle.visits,
    )


def bundle_get(*, code: str) -> BundleRef:
    """The bundle of life event ``code`` (``NotFound`` if it has none)."""
    bundle = Bundle.objects.select_related("life_event").filter(life_event__code=code).first()
    if bundle is None:
        raise NotFound("bundle")
    return _bundle_ref(bundle)


def bundle_list() -> list[BundleRef]:
    return [_bundle_ref(b) for b in Bundle.objects.select_related("life_event")]


def catalogue_figures(*, org_prefix: str) -> dict[str, Any]:
    """The catalogue statistics (items by kind, 网办率, 零跑动率, limit compression, …:
    ``{"total", "by_department", "by_district"}`` as in :mod:`yiwang.catalog.stats`) of the
    published implementations whose implementing body's organisation path starts with
    ``org_prefix``. Districts are keyed by the district organisation's id as a string, or
    ``"city"`` for municipal bodies. Unscoped: callers check access and choose the prefix."""
    return catalogue_stats_in(org_prefix)
