"""Reads of the public service guide (办事指南, /services/): what anonymous visitors may see of
the catalogue — published implementation items of active basic items, life events, bundles.

Public data: no actor and no scope. Nothing here is cached, so a withdrawal or a new version is
visible on the next request; every read is a bounded number of queries whatever the number of
materials, FAQ or implementing bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from yiwang.catalog.choices import ONLINE_APPLY_DEPTH, Audience, VersionStatus
from yiwang.catalog.models import BasicItem, Bundle, ImplementationItem, LifeEvent
from yiwang.core.choices import OrgKind
from yiwang.core.errors import NotFound


def _org_model():
    # core's models are internal to core: reach the organisation model through our own FK
    return ImplementationItem._meta.get_field("organisation").related_model


def published_implementations() -> QuerySet:
    """Implementation items whose current version is published, of active basic items."""
    return ImplementationItem.objects.filter(
        current__status=VersionStatus.PUBLISHED, basic__is_active=True
    )


def _audience_q(audience: str, prefix: str = "") -> Q:
    # ``audience`` is a JSON list of at most the two Audience codes: index lookups work on
    # SQLite and PostgreSQL alike (JSON ``contains`` is not supported by SQLite)
    return Q(**{f"{prefix}audience__0": audience}) | Q(**{f"{prefix}audience__1": audience})


# --- places ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    id: int
    name: str
    path: str
    items: int = 0


def districts() -> list[District]:
    """The districts and functional areas (区, 功能区) of the city, in the tree's order."""
    org_model = _org_model()
    rows = org_model.objects.filter(
        kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA], is_active=True
    ).order_by("sort_order", "pk")  # the seed's order: 香洲区, 斗门区, 金湾区, the areas
    return [District(o.pk, o.name, o.path) for o in rows.only("id", "name", "path")]


def district_get(pk: int) -> District:
    found = next((d for d in districts() if d.id == pk), None)
    if found is None:
        raise NotFound("district")
    return found


def district_names_of(paths: list[str]) -> dict[str, tuple[int | None, str]]:
    """``{organisation path: (district id, name)}`` for organisations inside a district (one
    query; a municipal body — its second path node a department — has none: 市级)."""
    ids = set()
    for path in paths:
        parts = path.strip("/").split("/")
        if len(parts) >= 2:
            ids.add(int(parts[1]))
    names = dict(
        _org_model()
        .objects.filter(pk__in=ids, kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA])
        .values_list("pk", "name")
    )
    out: dict[str, tuple[int | None, str]] = {}
    for path in paths:
        parts = path.strip("/").split("/")
        district = int(parts[1]) if len(parts) >= 2 and int(parts[1]) in names else None
        out[path] = (district, names[district] if district else "")
    return out


# --- home --------------------------------------------------------------------------------------


@dataclass
class GuideHome:
    audiences: dict[str, int]
    life_events: list[LifeEvent]
    departments: list[tuple[str, int]]
    districts: list[District]
    bundles: list[Bundle]
    total: int = 0


def guide_home() -> GuideHome:
    """The ways into the guide with their item counts (a fixed handful of queries)."""
    published = published_implementations()
    basics = BasicItem.objects.filter(is_active=True, pk__in=published.values("basic_id"))
    counts = basics.aggregate(
        total=Count("pk"),
        **{a: Count("pk", filter=_audience_q(a)) for a in Audience.values},
    )
    events = list(
        LifeEvent.objects.select_related("bundle")
        .annotate(
            published_items=Count(
                "items",
                filter=Q(items__in=basics),
                distinct=True,
            )
        )
        .order_by("position", "code")
    )
    departments = list(
        basics.order_by("department")
        .values("department")
        .annotate(n=Count("pk"))
        .values_list("department", "n")
    )
    places = districts()
    if places:
        per_district = published.aggregate(
            **{
                f"d{d.id}": Count(
                    "basic", distinct=True, filter=Q(organisation__path__startswith=d.path)
                )
                for d in places
            }
        )
        places = [District(d.id, d.name, d.path, per_district[f"d{d.id}"] or 0) for d in places]
    return GuideHome(
        audiences={a: counts[a] for a in Audience.values},
        life_events=events,
        departments=departments,
        districts=[d for d in places if d.items],
        bundles=list(Bundle.objects.select_related("life_event")),
        total=counts["total"],
    )


def life_events() -> list[LifeEvent]:
    return list(LifeEvent.objects.order_by("position", "code"))


def departments() -> list[str]:
    published = published_implementations()
    return list(
        BasicItem.objects.filter(pk__in=published.values("basic_id"))
        .order_by("department")
        .values_list("department", flat=True)
        .distinct()
    )


# --- item list ---------------------------------------------------------------------------------


@dataclass
class ItemFilters:
    audience: str = ""
    event: str = ""  # life event code
    department: str = ""
    district: District | None = None
    online: bool = False  # 可网上申请 (online, depth ≥ 3)
    zero_visit: bool = False  # 零跑动


def _matching_implementations(filters: ItemFilters) -> QuerySet:
    qs = published_implementations()
    if filters.district is not None:
        qs = qs.filter(organisation__path__startswith=filters.district.path)
    if filters.online:
        qs = qs.filter(current__online=True, current__online_depth__gte=ONLINE_APPLY_DEPTH)
    if filters.zero_visit:
        qs = qs.filter(current__visits=0)
    return qs


def guide_items(filters: ItemFilters) -> QuerySet:
    """Basic items with at least one published implementation matching ``filters`` (the
    implementation-level filters — district, online, zero visits — must hold for one and the
    same implementing body)."""
    qs = BasicItem.objects.filter(
        is_active=True, pk__in=_matching_implementations(filters).values("basic_id")
    )
    if filters.audience:
        qs = qs.filter(_audience_q(filters.audience))
    if filters.event:
        qs = qs.filter(life_events__code=filters.event)
    if filters.department:
        qs = qs.filter(department=filters.department)
    return qs.order_by("code")


@dataclass
class ItemSummary:
    """What the list shows of one basic item across its matching implementations."""

    places: int = 0
    online: bool = False  # can be applied for online somewhere
    full_online: bool = False  # 全程网办 somewhere
    zero_visit: bool = False
    min_promised: tuple[int, str] | None = None
    immediate: bool = False
    organisations: list[str] = field(default_factory=list)


def item_summaries(basic_ids: list[int], filters: ItemFilters) -> dict[int, ItemSummary]:
    """Per basic item of a list page, the summary of its matching implementations (one query)."""
    rows = (
        _matching_implementations(filters)
        .filter(basic_id__in=basic_ids)
        .order_by("organisation__depth", "organisation__path")
        .values_list(
            "basic_id",
            "organisation__name",
            "current__online",
            "current__online_depth",
            "current__visits",
            "current__promised_limit",
            "current__promised_limit_unit",
        )
    )
    out: dict[int, ItemSummary] = {}
    for basic_id, org, online, depth, visits, promised, unit in rows:
        s = out.setdefault(basic_id, ItemSummary())
        s.places += 1
        if org not in s.organisations:
            s.organisations.append(org)
        s.online |= bool(online and depth >= ONLINE_APPLY_DEPTH)
        s.full_online |= bool(online and depth == 4)
        s.zero_visit |= visits == 0
        s.immediate |= promised == 0
        if s.min_promised is None or promised < s.min_promised[0]:
            s.min_promised = (promised, unit)
    return out


# --- one item ----------------------------------------------------------------------------------


@dataclass
class GuideItem:
    basic: BasicItem
    implementations: list[ImplementationItem]
    districts: dict[int, tuple[int | None, str]]  # implementation id → district (None: 市级)
    chosen: ImplementationItem
    picked: bool  # the visitor chose the body (or there is only one)


def guide_item(code: str, at: int | None, district: int | None = None) -> GuideItem:
    """The basic item ``code`` with every published implementation (for the body picker) and
    the chosen one: ``at`` when given (404 unless it is a published implementation of this
    item), else the only one, else the first in ``district`` (the visitor came from a district
    list), else the first (city level first). Three queries."""
    basic = BasicItem.objects.filter(code=code, is_active=True).first()
    if basic is None:
        raise NotFound("service item")
    implementations = list(
        published_implementations().filter(basic=basic).select_related("organisation", "current")
    )
    if not implementations:
        raise NotFound("service item")
    for item in implementations:
        item.basic = basic  # the same row: no query per implementation
    by_path = district_names_of([i.organisation.path for i in implementations])
    districts_of = {i.pk: by_path[i.organisation.path] for i in implementations}
    # city level first, then district by district in the tree's order (ids, not path strings:
    # "/1/109/" sorts before "/1/63/")
    implementations.sort(
        key=lambda i: (
            districts_of[i.pk][0] or 0,
            i.organisation.depth,
            i.organisation.sort_order,
            i.organisation.pk,
            i.code,
        )
    )
    if at is not None:
        chosen = next((i for i in implementations if i.pk == at), None)
        if chosen is None:
            raise NotFound("implementation item")
        picked = True
    else:
        in_district = [i for i in implementations if district and districts_of[i.pk][0] == district]
        if len(in_district) == 1:
            chosen, picked = in_district[0], True
        else:
            chosen = (in_district or implementations)[0]
            picked = len(implementations) == 1
    return GuideItem(
        basic=basic,
        implementations=implementations,
        districts=districts_of,
        chosen=chosen,
        picked=picked,
    )


# --- bundles -----------------------------------------------------------------------------------


def bundles() -> list[Bundle]:
    return list(Bundle.objects.select_related("life_event"))


@dataclass
class GuideBundle:
    bundle: Bundle
    items: list[tuple[str, BasicItem | None, bool]]  # (code, basic item, published)


def guide_bundle(code: str) -> GuideBundle:
    """The bundle of life event ``code`` with its items in the bundle's order (404 without)."""
    bundle = Bundle.objects.select_related("life_event").filter(life_event__code=code).first()
    if bundle is None:
        raise NotFound("bundle")
    basics = {
        b.code: b for b in BasicItem.objects.filter(code__in=bundle.item_codes, is_active=True)
    }
    published = set(
        published_implementations()
        .filter(basic__code__in=list(basics))
        .values_list("basic__code", flat=True)
    )
    return GuideBundle(
        bundle=bundle,
        items=[(c, basics.get(c), c in published) for c in bundle.item_codes],
    )


def published_codes(codes: list[str]) -> dict[str, BasicItem]:
    """The basic items among ``codes`` that have a published implementation (search hits
    without one would lead to a missing guide)."""
    published = published_implementations().filter(basic__code__in=codes).values("basic_id")
    return {b.code: b for b in BasicItem.objects.filter(pk__in=published)}
