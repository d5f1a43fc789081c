"""Demo catalogue: the basic items of ``data/basic_items.json`` and their implementation in
the demo city — by the municipal department at city level and by each district's bureau at
district level — published as version 1, with planted deviations for the consistency report.

Planted: every 7th district implementation deviates from the standard (an extra material, a
shorter promised limit or one more visit); every second of those gives its reason. Idempotent:
a second run adds nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.catalog import elements as el
from yiwang.catalog.choices import Level, VersionStatus
from yiwang.catalog.data_check import DATA_DIR, load_demo
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.catalog.services import catalogue_import
from yiwang.catalog.services.versions import implementation_code
from yiwang.core import facade as core
from yiwang.core.choices import OrgKind
from yiwang.core.seed import SeedContext, seed_step

DEVIATE_EVERY = 7


def _org_model():
    return ImplementationItem._meta.get_field("organisation").related_model


def _bodies(city, departments: set[str]) -> dict[tuple[str, str], list]:
    """(level, department name of the catalogue) → the organisations implementing it at that
    level: 市<name> among the municipal bodies (else one whose name ends with it, as
    国家税务总局珠海市税务局 for 税务局), <district><name> in each district."""
    orgs = list(_org_model().objects.filter(path__startswith=city.path, kind=OrgKind.DEPARTMENT))
    districts = {
        o.pk: o
        for o in _org_model().objects.filter(
            path__startswith=city.path, kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA]
        )
    }
    municipal = {o.name: o for o in orgs if o.parent_id == city.id}
    found: dict[tuple[str, str], list] = {}
    for dept in departments:
        body = municipal.get(f"市{dept}") or next(
            (o for name, o in municipal.items() if name.endswith(dept)), None
        )
        if body is not None:
            found[(Level.CITY, dept)] = [body]
    for org in orgs:
        district = districts.get(org.parent_id)
        if district is None:
            continue
        dept = org.name.removeprefix(district.name).removeprefix(district.name.removeprefix("珠海"))
        if dept in departments:
            found.setdefault((Level.DISTRICT, dept), []).append(org)
    return found


def _planted(standard: dict, n: int) -> dict:
    changed = dict(standard)
    kind = n % 3
    if kind == 0:
        changed["materials"] = [
            *standard["materials"],
            {"name": "房屋租赁合同", "kind": "copy", "form": "paper", "required": True},
        ]
    elif kind == 1 and standard["promised_limit"] > 1:
        changed["promised_limit"] = standard["promised_limit"] // 2
    else:
        changed["visits"] = min(2, standard["visits"] + 1)
    if n % 2 == 0:
        changed["deviation_reason"] = "按区政府常务会议决定调整，已报市政务服务数据管理局备案"
    return changed


@seed_step("catalog.items", order=60)
def seed_catalogue(ctx: SeedContext) -> None:
    city = core.organisation_by_code("zh")
    if city is None or not (DATA_DIR / "basic_items.json").exists():
        return
    counts = catalogue_import(actor=None, data=load_demo())
    ctx.count("catalogue basic items", counts["created"])
    basics = list(BasicItem.objects.order_by("code"))
    bodies = _bodies(city, {b.department for b in basics})
    existing = set(
        ImplementationItem.objects.values_list("basic_id", "organisation_id", "operation")
    )
    now = timezone.now()
    items: list[ImplementationItem] = []
    versions: list[ImplementationVersion] = []
    n = 0
    for basic in ctx.track(basics, "政务服务事项"):
        operation = "new" if basic.operations else ""
        for level in basic.implementing_levels:
            for org in bodies.get((level, basic.department), []):
                if (basic.pk, org.pk, operation) in existing:
                    continue
                ref = core.organisation_by_id(org.pk)
                item = ImplementationItem(
                    basic=basic,
                    organisation=org,
                    operation=operation,
                    code=implementation_code(basic, ref, operation),
                )
                elements = dict(basic.standard)
                if level == Level.DISTRICT:
                    n += 1
                    if n % DEVIATE_EVERY == 0:
                        elements = _planted(elements, n // DEVIATE_EVERY)
                items.append(item)
                versions.append(
                    ImplementationVersion(
                        item=item,
                        number=1,
                        status=VersionStatus.PUBLISHED,
                        published_at=now,
                        **el.clean_elements(elements),
                    )
                )
    with transaction.atomic():
        ImplementationItem.objects.bulk_create(items, batch_size=500)
        for version in versions:
            version.item_id = version.item.pk
        ImplementationVersion.objects.bulk_create(versions, batch_size=500)
        for item, version in zip(items, versions, strict=True):
            item.current_id = version.pk
        ImplementationItem.objects.bulk_update(items, ["current"], batch_size=500)
    ctx.count("catalogue implementation items", len(items))
