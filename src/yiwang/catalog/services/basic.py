"""The basic catalogue (基本目录): import in the documented format (docs/modules/catalog-format.md).

An import creates or updates basic items by code. The six unified elements and the standard
elements come from the file; implementation items are not touched (they inherit the unified
elements through their basic item, and keep their own versions of the others).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yiwang.catalog import elements as el
from yiwang.catalog import permissions as perms
from yiwang.catalog.models import BasicItem, Bundle, LifeEvent, SearchDocument
from yiwang.catalog.services.search_index import search_documents_refresh
from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput
from yiwang.core.permissions import require_perm

FORMAT = "yiwang.catalog/1"
BASIC_FIELDS = (
    "name",
    "kind",
    "department",
    "implementing_levels",
    "basis",
    "operations",
    "audience",
    "themes",
    "synonyms",
    "standard",
)


def standard_of(item: dict[str, Any]) -> dict[str, Any]:
    """The version-shaped standard elements of one item of the import format."""
    fees = list(item.get("fees") or [])
    phones = {
        key: item[field]
        for key, field in (("consult", "phone"), ("complaint", "complaint_phone"))
        if item.get(field)
    }
    hours = item.get("hours") or ""
    return {
        "legal_limit": item["legal_limit"]["value"],
        "legal_limit_unit": item["legal_limit"]["unit"],
        "promised_limit": item["promised_limit"]["value"],
        "promised_limit_unit": item["promised_limit"]["unit"],
        "handling_type": item["handling_type"],
        "visits": item["visits"],
        "online": item["online"],
        "online_depth": item.get("online_depth", 1),
        "tongban": item["tongban"],
        "fee_free": not fees,
        "conditions": list(item.get("conditions") or []),
        "materials": list(item.get("materials") or []),
        "steps": list(item.get("steps") or []),
        "fees": fees,
        "places": [{"name": p, "hours": hours} for p in item.get("places") or []],
        "phones": phones,
        "result": dict(item.get("result") or {}),
        "faq": list(item.get("faq") or []),
        "deviation_reason": "",
    }


def item_of(basic: BasicItem) -> dict[str, Any]:
    """One basic item in the import format (the inverse of :func:`standard_of` and
    :func:`_row`): ``catalogue_import(catalogue_export())`` changes nothing."""
    std = basic.standard
    places = std.get("places") or []
    item = {
        "code": basic.code,
        "name": basic.name,
        "kind": basic.kind,
        "department": basic.department,
        "implementing_levels": list(basic.implementing_levels),
        "basis": list(basic.basis),
        "audience": list(basic.audience),
        "themes": list(basic.themes),
        "operations": list(basic.operations),
        "conditions": list(std.get("conditions") or []),
        "materials": list(std.get("materials") or []),
        "steps": list(std.get("steps") or []),
        "legal_limit": {"value": std["legal_limit"], "unit": std["legal_limit_unit"]},
        "promised_limit": {"value": std["promised_limit"], "unit": std["promised_limit_unit"]},
        "handling_type": std["handling_type"],
        "fees": list(std.get("fees") or []),
        "visits": std["visits"],
        "online": std["online"],
        "online_depth": std.get("online_depth", 1),
        "tongban": std["tongban"],
        "result": dict(std.get("result") or {}),
        "phone": (std.get("phones") or {}).get("consult", ""),
        "faq": list(std.get("faq") or []),
        "synonyms": list(basic.synonyms),
    }
    if places:
        item["places"] = [p["name"] if isinstance(p, dict) else p for p in places]
        hours = next((p.get("hours") for p in places if isinstance(p, dict) and p.get("hours")), "")
        if hours:
            item["hours"] = hours
    complaint = (std.get("phones") or {}).get("complaint")
    if complaint:
        item["complaint_phone"] = complaint
    return item


def _event_of(event: LifeEvent) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": event.code,
        "name": event.name,
        "audience": event.audience,
        "description": event.description,
        "items": sorted(b.code for b in event.items.all()),
    }
    bundle = getattr(event, "bundle", None)
    if bundle is not None:
        out["bundle"] = {
            "name": bundle.name,
            "items": list(bundle.item_codes),
            "shared_materials": list(bundle.shared_materials),
            "lead_department": bundle.lead_department,
        }
        if bundle.promised_limit is not None:
            out["bundle"]["promised_limit"] = {
                "value": bundle.promised_limit,
                "unit": bundle.promised_limit_unit,
            }
        if bundle.visits is not None:
            out["bundle"]["visits"] = bundle.visits
    return out


def catalogue_export() -> dict[str, Any]:
    """The active basic catalogue, with its life events and bundles when there are any, as a
    ``yiwang.catalog/1`` document."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "items": [item_of(b) for b in BasicItem.objects.filter(is_active=True).order_by("code")],
    }
    events = LifeEvent.objects.select_related("bundle").prefetch_related("items")
    if events:
        data["life_events"] = [_event_of(e) for e in events]
    return data


def _store_life_events(events: list[dict[str, Any]]) -> set[int]:
    """Create or update life events and their bundles by code (the file's order is their
    position); events absent from the file stay.

    Returns the ids of the basic items whose search documents carry a different set of life
    event names now: the members an event gained or lost, and every member (before and after)
    of an event created or renamed. Items that left an event need not be in the file."""
    basics = dict(BasicItem.objects.values_list("code", "pk"))
    codes = [ev["code"] for ev in events]
    names_before = dict(LifeEvent.objects.filter(code__in=codes).values_list("code", "name"))
    members_before: dict[str, set[int]] = defaultdict(set)
    through = LifeEvent.items.through.objects.filter(lifeevent__code__in=codes)
    for code, basic_id in through.values_list("lifeevent__code", "basicitem_id"):
        members_before[code].add(basic_id)
    affected: set[int] = set()
    for position, ev in enumerate(events):
        event, _created = LifeEvent.objects.update_or_create(
            code=ev["code"],
            defaults={
                "name": ev["name"],
                "audience": ev["audience"],
                "description": ev.get("description", ""),
                "position": position,
            },
        )
        members = {basics[code] for code in ev["items"]}
        event.items.set(members)
        before = members_before.get(ev["code"], set())
        if names_before.get(ev["code"]) != ev["name"]:
            affected |= before | members
        else:
            affected |= before ^ members
        bundle = ev.get("bundle")
        if bundle is None:
            Bundle.objects.filter(life_event=event).delete()
            continue
        limit = bundle.get("promised_limit") or {}
        Bundle.objects.update_or_create(
            life_event=event,
            defaults={
                "name": bundle["name"],
                "item_codes": list(bundle["items"]),
                "shared_materials": list(bundle["shared_materials"]),
                "lead_department": bundle["lead_department"],
                "promised_limit": limit.get("value"),
                "promised_limit_unit": limit.get("unit", ""),
                "visits": bundle.get("visits"),
            },
        )
    return affected


def _row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": item["name"].strip(),
        "kind": item["kind"],
        "department": item["department"].strip(),
        "implementing_levels": list(item.get("implementing_levels") or []),
        "basis": list(item.get("basis") or []),
        "operations": list(item.get("operations") or []),
        "audience": list(item.get("audience") or []),
        "themes": list(item.get("themes") or []),
        "synonyms": list(item.get("synonyms") or []),
        "standard": standard_of(item),
    }


def _check(data: Any) -> list[dict[str, Any]]:
    from yiwang.catalog.data_check import check_catalogue

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [
            {
                "field": "format",
                "code": "catalog.unknown_format",
                "message": _("Not a catalogue file of format %(format)s.") % {"format": FORMAT},
            }
        ]
    errors = [
        {"field": "items", "code": "catalog.invalid_catalogue", "message": problem}
        for problem in check_catalogue(data)
    ]
    if errors:
        return errors
    for index, item in enumerate(data["items"]):
        try:
            el.clean_elements(standard_of(item))
        except InvalidInput as exc:
            errors += [
                {**e, "message": f"items[{index}] {item.get('code')}: {e['message']}"}
                for e in exc.errors
            ]
    return errors


def catalogue_import(*, actor, data: Any) -> dict[str, int]:
    """Create or update basic items (and, when the document has them, life events and
    bundles) from a catalogue document; all or nothing. Returns ``{"created", "updated",
    "unchanged"}`` (+ ``"life_events"``). ``actor=None`` is the platform (seeding)."""
    if actor is not None:
        require_perm(actor, perms.MANAGE_BASIC)
    errors = _check(data)
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors[:100])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rows = {item["code"]: _row(item) for item in data["items"]}
    with transaction.atomic():
        existing = {b.code: b for b in BasicItem.objects.filter(code__in=rows)}
        new = [BasicItem(code=code, **row) for code, row in rows.items() if code not in existing]
        BasicItem.objects.bulk_create(new, batch_size=500)
        counts["created"] = len(new)
        changed = []
        for code, basic in existing.items():
            row = rows[code]
            if all(getattr(basic, f) == row[f] for f in BASIC_FIELDS):
                counts["unchanged"] += 1
                continue
            for field in BASIC_FIELDS:
                setattr(basic, field, row[field])
            changed.append(basic)
        BasicItem.objects.bulk_update(changed, BASIC_FIELDS, batch_size=500)
        counts["updated"] = len(changed)
        affected: set[int] = set()
        if "life_events" in data:
            affected = _store_life_events(data["life_events"])
            counts["life_events"] = len(data["life_events"])
        # The search index follows in the same transaction (docs/modules/catalog-search.md):
        # created and changed items, their sub-items (indexed with the main item's name),
        # items whose life events changed — in the file or not — and items without a document.
        stale = [b.pk for b in new] + [b.pk for b in changed]
        refresh = BasicItem.objects.filter(
            Q(pk__in=stale)
            | Q(parent_id__in=[b.pk for b in changed])
            | Q(pk__in=sorted(affected))
            | (Q(code__in=rows) & ~Q(pk__in=SearchDocument.objects.values("basic_id")))
        )
        search_documents_refresh(basic_ids=refresh.values_list("pk", flat=True))
        audit_record(
            actor=actor,
            action="catalog.basic.import",
            object_type="catalog.basicitem",
            changes={**counts, "codes": sorted(rows)[:100]},
        )
    return counts
