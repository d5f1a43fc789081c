"""Writing enterprise files (一企一档): clean a profile, create or update it with the history of
every changed value and its source, one at a time (API, page) or in batches (imports, seed).

* :func:`profile_clean` turns raw values (API JSON, a CSV row, an Excel row) into typed values
  with per-field errors; unknown columns are ignored by the caller, not here.
* :func:`enterprises_upsert` writes a batch: one query to find the existing files by USCC,
  ``bulk_create`` / ``bulk_update`` of the changed ones, one ``ProfileChange`` row per changed
  value (the change feed of the matching engine) and the qualifications. Audit: one record per
  enterprise for single writes; an import is audited once for its job (with its counts),
  while the per-value history stays in ``ProfileChange`` — 438,000 audit rows for one
  file would bury the audit trail without saying more than the history does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_record
from yiwang.core.choices import OrgKind
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.validators import validate_uscc
from yiwang.registry.choices import (
    CreditRating,
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)
from yiwang.registry.industries import industry_normalise
from yiwang.registry.models import (
    Enterprise,
    EnterpriseTag,
    ImportJob,
    ProfileChange,
    Qualification,
)
from yiwang.registry.scale import scale_derive

MONEY_FIELDS = ("registered_capital", "revenue", "total_assets", "tax_paid", "rd_spend")
COUNT_FIELDS = ("employees", "invention_patents", "utility_patents", "software_copyrights",
                "trademarks")  # fmt: skip
TEXT_FIELDS = {"name": 200, "legal_representative": 50, "address": 300, "park": 100}
PROFILE_FIELDS = (
    "name", "legal_representative", "address", "district", "street", "park", "industry",
    "scale", "founded_on", *MONEY_FIELDS, *COUNT_FIELDS, "credit_rating", "status",
)  # fmt: skip
MONEY_MAX = Decimal("9999999999999.99")
MAX_TAGS = 20
MAX_TAG_LENGTH = 20
EARLIEST_FOUNDING = dt.date(1949, 10, 1)


@dataclass
class Places:
    """The districts and streets of a city by name (and by id), for resolving addresses."""

    city_id: int
    districts: dict[str, int]
    streets: dict[str, tuple[int, int | None]]  # name → (street id, its district id)
    names: dict[int, str]

    @classmethod
    def of(cls, city_id: int) -> Places:
        districts: dict[str, int] = {}
        streets: dict[str, tuple[int, int | None]] = {}
        names: dict[int, str] = {}
        district_by_id: dict[int, int] = {}
        for ref in core.places_of_city(city_id):
            names[ref.id] = ref.name
            if ref.kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA):
                districts[ref.name] = ref.id
                district_by_id[ref.id] = ref.id
            else:
                parent = next(
                    (int(p) for p in ref.path.strip("/").split("/") if int(p) in district_by_id),
                    None,
                )
                streets[ref.name] = (ref.id, parent)
        return cls(city_id, districts, streets, names)


@dataclass
class Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    qualifications: list[tuple[str, dt.date, dt.date, str]] | None = None
    tags: list[str] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, name: str, message: str, code: str = "registry.invalid_value") -> None:
        self.errors.append({"field": name, "code": code, "message": message})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        raise ValueError(text)
    return dt.date(*(int(g) for g in match.groups()))


def profile_clean(raw: dict[str, Any], *, places: Places, today: dt.date | None = None) -> Cleaned:
    """Typed values of the fields present in ``raw`` (absent fields are left alone; a blank
    value clears an optional field) and the errors, one per bad field."""
    today = today or timezone.localdate()
    out = Cleaned()
    if "uscc" in raw:
        try:
            out.values["uscc"] = validate_uscc(str(raw["uscc"] or ""))
        except ValidationError as exc:
            out.error("uscc", " ".join(exc.messages), "registry.invalid_uscc")
    for name, limit in TEXT_FIELDS.items():
        if name in raw:
            text = "" if _blank(raw[name]) else str(raw[name]).strip()
            if name == "name" and not text:
                out.error(name, _("The enterprise name is required."))
            elif len(text) > limit:
                out.error(name, _("At most %(n)d characters.") % {"n": limit})
            else:
                out.values[name] = text
    if "district" in raw:
        _place(out, raw["district"], "district", places)
    if "street" in raw:
        _place(out, raw["street"], "street", places)
    if "industry" in raw:
        try:
            out.values["industry"] = industry_normalise(str(raw["industry"] or ""))
        except ValidationError as exc:
            message = exc.messages[0]
            out.error("industry", message, "registry.invalid_industry")
    for name in MONEY_FIELDS:
        if name in raw:
            _money(out, name, raw[name])
    for name in COUNT_FIELDS:
        if name in raw:
            _count(out, name, raw[name])
    if "founded_on" in raw:
        if _blank(raw["founded_on"]):
            out.values["founded_on"] = None
        else:
            try:
                founded = _date(raw["founded_on"])
            except (ValueError, TypeError):
                out.error("founded_on", _("Give the date as YYYY-MM-DD."))
            else:
                if not EARLIEST_FOUNDING <= founded <= today:
                    out.error("founded_on", _("The founding date cannot be in the future."))
                else:
                    out.values["founded_on"] = founded
    for name, choices in (
        ("scale", Scale),
        ("credit_rating", CreditRating),
        ("status", OperatingStatus),
    ):
        if name in raw:
            _choice(out, name, raw[name], choices)
    if "tags" in raw:
        _tags(out, raw["tags"])
    if "qualifications" in raw:
        _qualifications(out, raw["qualifications"])
    return out


def _place(out: Cleaned, value: Any, name: str, places: Places) -> None:
    if _blank(value):
        out.values[name] = None
        return
    key = str(value).strip()
    if name == "district":
        pk = places.districts.get(key)
        if pk is None and key.isdigit() and int(key) in places.districts.values():
            pk = int(key)
        if pk is None:
            out.error(name, _("%(name)s is not a district of this city.") % {"name": key})
        else:
            out.values[name] = pk
        return
    found = places.streets.get(key)
    if found is None:
        out.error(name, _("%(name)s is not a street or town of this city.") % {"name": key})
    else:
        out.values[name] = found[0]
        out.values.setdefault("_street_district", found[1])


def _money(out: Cleaned, name: str, value: Any) -> None:
    if _blank(value):
        out.values[name] = None
        return
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        out.error(name, _("Give an amount in 10,000 yuan, e.g. 1234.56."))
        return
    if not amount.is_finite() or amount < 0 or amount > MONEY_MAX:
        out.error(name, _("Give an amount from 0 to 9,999,999,999,999.99 (10,000 yuan)."))
        return
    out.values[name] = amount.quantize(Decimal("0.01"))


def _count(out: Cleaned, name: str, value: Any) -> None:
    if _blank(value):
        out.values[name] = None if name == "employees" else 0
        return
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal(-1)
    if (
        not number.is_finite()
        or number < 0
        or number != number.to_integral_value()
        or number > 10**7
    ):
        out.error(name, _("Give a whole number from 0 to 10,000,000."))
        return
    out.values[name] = int(number)


def _choice(out: Cleaned, name: str, value: Any, choices) -> None:
    if _blank(value):
        if name == "status":
            out.error(name, _("The operating status is required."))
        elif name == "scale":
            out.values["_derive_scale"] = True  # no stated scale: derive it from the figures
        else:
            out.values[name] = ""
        return
    key = str(value).strip()
    by_label = {str(label): code for code, label in choices.choices}
    code = key if key in choices.values else by_label.get(key)
    if code is None:
        out.error(
            name,
            _("%(value)s is not one of: %(choices)s.")
            % {"value": key, "choices": ", ".join(choices.values)},
        )
    else:
        out.values[name] = code


def _tags(out: Cleaned, value: Any) -> None:
    if _blank(value):
        out.tags = []
        return
    items = value if isinstance(value, list) else re.split(r"[;；,，、|]", str(value))
    tags = list(dict.fromkeys(str(t).strip() for t in items if str(t).strip()))
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        out.error("tags", _("At most 20 tags of at most 20 characters each."))
        return
    out.tags = tags


def _qualifications(out: Cleaned, value: Any) -> None:
    """A list of ``{"kind", "valid_from", "valid_to", "certificate_no"}``."""
    if _blank(value):
        out.qualifications = []
        return
    if not isinstance(value, list):
        out.error("qualifications", _("Qualifications are a list."))
        return
    result = []
    for entry in value:
        try:
            kind = str(entry["kind"])
            start, end = _date(entry["valid_from"]), _date(entry["valid_to"])
        except (KeyError, TypeError, ValueError):
            out.error("qualifications", _("Each qualification has kind, valid_from, valid_to."))
            return
        if kind not in QualificationKind.values:
            out.error(
                "qualifications",
                _("%(kind)s is not one of: %(choices)s.")
                % {"kind": kind, "choices": ", ".join(QualificationKind.values)},
            )
            return
        if end < start:
            out.error("qualifications", _("A qualification ends before it starts."))
            return
        result.append((kind, start, end, str(entry.get("certificate_no") or "")[:50]))
    out.qualifications = result


# --- writing -----------------------------------------------------------------------------------


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enterprises: list[Enterprise] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _apply(enterprise: Enterprise, values: dict[str, Any]) -> dict[str, tuple]:
    """Set the values that differ; the (old, new) of each changed field."""
    changed: dict[str, tuple] = {}
    for name in PROFILE_FIELDS:
        if name not in values:
            continue
        attr = f"{name}_id" if name in ("district", "street") else name
        old, new = getattr(enterprise, attr), values[name]
        if old != new:
            changed[name] = (old, new)
            setattr(enterprise, attr, new)
    return changed


def _rescale(enterprise: Enterprise, values: dict[str, Any], changed: dict) -> None:
    """The derived scale follows the figures unless a source stated it."""
    if values.get("scale"):
        enterprise.scale_stated = True
        return
    if enterprise.scale_stated and "scale" not in values:
        return
    enterprise.scale_stated = False
    derived = scale_derive(
        industry=enterprise.industry,
        employees=enterprise.employees,
        revenue=enterprise.revenue,
        assets=enterprise.total_assets,
    )
    if derived != enterprise.scale:
        changed["scale"] = (enterprise.scale, derived)
        enterprise.scale = derived


REQUIRED_ON_CREATE = ("uscc", "name", "industry")


@transaction.atomic
def enterprises_upsert(
    *,
    actor,
    city_id: int,
    rows: Iterable[Cleaned],
    source: str,
    job: ImportJob | None = None,
    audit_each: bool = True,
) -> UpsertResult:
    """Create or update the enterprises of clean rows (each with ``uscc``), recording every
    changed value in ``ProfileChange`` with ``source``. A row for a USCC seen earlier in the
    batch updates the same file. Rows must have no errors (callers report those)."""
    rows = list(rows)
    usccs = {r.values["uscc"] for r in rows}
    existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=usccs, city_id=city_id)}
    foreign = set(
        Enterprise.objects.filter(uscc__in=usccs)
        .exclude(city_id=city_id)
        .values_list("uscc", flat=True)
    )
    if foreign:
        raise InvalidInput(
            "registry.other_city",
            _("%(uscc)s is registered in another city.") % {"uscc": sorted(foreign)[0]},
        )
    result = UpsertResult()
    to_create: list[Enterprise] = []
    to_update: dict[str, Enterprise] = {}
    changes: dict[str, dict[str, tuple]] = {}
    quals: dict[str, list] = {}
    tags: dict[str, list[str]] = {}
    for row in rows:
        values = dict(row.values)
        street_district = values.pop("_street_district", None)
        derive_scale = values.pop("_derive_scale", False)
        if values.get("district") is None and street_district and "district" not in row.values:
            values["district"] = street_district
        uscc = values["uscc"]
        enterprise = existing.get(uscc)
        new = enterprise is None
        if new:
            missing = [f for f in REQUIRED_ON_CREATE if not values.get(f)]
            if missing:
                raise InvalidInput(
                    "registry.missing_fields",
                    _("A new enterprise needs %(fields)s.") % {"fields": ", ".join(missing)},
                )
            enterprise = Enterprise(uscc=uscc, city_id=city_id, scale=Scale.MICRO)
            existing[uscc] = enterprise
            to_create.append(enterprise)
        changed = _apply(enterprise, values)
        if derive_scale:
            enterprise.scale_stated = False
        _rescale(enterprise, values, changed)
        if row.qualifications is not None:
            quals[uscc] = row.qualifications
        if row.tags is not None:
            tags[uscc] = row.tags
        if changed or new:
            for name in changed:
                enterprise.field_sources[name] = source
            changes.setdefault(uscc, {}).update(changed)
            if not new and enterprise not in to_create:
                enterprise.version += 1
                to_update[uscc] = enterprise
    Enterprise.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        # only the columns some file of the batch changed: Django's bulk_update writes one
        # CASE per column and row, so a tax file's batch should not rewrite the addresses
        touched = {name for uscc in to_update for name in changes.get(uscc, {})}
        fields = [
            f"{name}_id" if name in ("district", "street") else name
            for name in PROFILE_FIELDS
            if name in touched
        ]
        fields += ["scale_stated", "field_sources", "version", "updated_at"]
        now = timezone.now()
        for enterprise in to_update.values():
            enterprise.updated_at = now
        Enterprise.objects.bulk_update(list(to_update.values()), fields, batch_size=2000)
    set_changes = [
        ("qualifications", _store_qualifications(existing, quals, source)),
        ("tags", _store_tags(existing, tags)),
    ]
    for name, changed_sets in set_changes:
        for uscc, old_new in changed_sets.items():
            changes.setdefault(uscc, {})[name] = old_new
            existing[uscc].field_sources[name] = source
    for uscc in {u for _name, c in set_changes for u in c}:
        enterprise = existing[uscc]
        if enterprise in to_create:
            Enterprise.objects.filter(pk=enterprise.pk).update(
                field_sources=enterprise.field_sources
            )
        elif uscc not in to_update:
            enterprise.version += 1
            Enterprise.objects.filter(pk=enterprise.pk).update(
                version=enterprise.version, field_sources=enterprise.field_sources
            )
            to_update[uscc] = enterprise
        else:
            Enterprise.objects.filter(pk=enterprise.pk).update(
                field_sources=enterprise.field_sources
            )
    created_usccs = {e.uscc for e in to_create}
    ProfileChange.objects.bulk_create(
        [
            ProfileChange(
                enterprise=existing[uscc],
                field=name,
                old=None if uscc in created_usccs else _jsonable(old),
                new=_jsonable(new),
                source=source,
                job=job,
            )
            for uscc, fields in changes.items()
            for name, (old, new) in fields.items()
        ],
        batch_size=5000,
    )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.unchanged = len({r.values["uscc"] for r in rows}) - result.created - result.updated
    result.enterprises = [existing[u] for u in dict.fromkeys(r.values["uscc"] for r in rows)]
    if audit_each:
        for uscc, fields in changes.items():
            audit_record(
                actor=actor,
                action=(
                    "registry.enterprise_create"
                    if uscc in created_usccs
                    else "registry.enterprise_update"
                ),
                obj=existing[uscc],
                changes={k: [_jsonable(o), _jsonable(n)] for k, (o, n) in fields.items()},
            )
    elif changes:
        # a batch (import, seed): one record for the batch; the values are in ProfileChange
        audit_record(
            actor=actor,
            action="registry.enterprises_upsert",
            obj=job,
            object_type="registry.importjob" if job else "registry.enterprise",
            changes={
                "source": source,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result


def _store_qualifications(
    enterprises: dict[str, Enterprise], quals: dict[str, list], source: str
) -> dict[str, tuple]:
    """Replace the qualifications of the enterprises given; (old, new) lists of the changed."""
    if not quals:
        return {}
    ids = {enterprises[u].pk: u for u in quals}
    current: dict[str, set] = {u: set() for u in quals}
    for q in Qualification.objects.filter(enterprise_id__in=ids):
        current[ids[q.enterprise_id]].add((q.kind, q.valid_from, q.valid_to, q.certificate_no))
    changed = {}
    replace = []
    for uscc, wanted in quals.items():
        if set(wanted) != current[uscc]:
            changed[uscc] = (
                sorted(_qual_json(q) for q in current[uscc]),
                sorted(_qual_json(q) for q in wanted),
            )
            replace.append(uscc)
    if replace:
        Qualification.objects.filter(enterprise__uscc__in=replace).delete()
        Qualification.objects.bulk_create(
            [
                Qualification(
                    enterprise=enterprises[u],
                    kind=k,
                    valid_from=s,
                    valid_to=e,
                    certificate_no=c,
                    source=source,
                )
                for u in replace
                for (k, s, e, c) in dict.fromkeys(quals[u])
            ],
            batch_size=5000,
        )
    return changed


def _store_tags(enterprises: dict[str, Enterprise], tags: dict[str, list[str]]) -> dict[str, tuple]:
    """Replace the tags of the enterprises given; (old, new) lists of the changed."""
    if not tags:
        return {}
    ids = {enterprises[u].pk: u for u in tags}
    current: dict[str, list[str]] = {u: [] for u in tags}
    for enterprise_id, tag in EnterpriseTag.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "tag"
    ):
        current[ids[enterprise_id]].append(tag)
    changed = {
        u: (sorted(current[u]), sorted(t)) for u, t in tags.items() if set(t) != set(current[u])
    }
    if changed:
        EnterpriseTag.objects.filter(
            enterprise_id__in=[enterprises[u].pk for u in changed]
        ).delete()
        EnterpriseTag.objects.bulk_create(
            [EnterpriseTag(enterprise=enterprises[u], tag=t) for u in changed for t in tags[u]],
            batch_size=5000,
        )
    return changed


def _qual_json(q: tuple) -> str:
    return f"{q[0]}:{q[1].isoformat()}..{q[2].isoformat()}"


def enterprise_save(
    *,
    actor,
    city_id: int,
    data: dict[str, Any],
    source: str = Source.API,
    version: int | None = None,
) -> Enterprise:
    """Create or update one enterprise from raw values (the API and the officer's page); 422
    with every field error at once. ``version`` (the profile version the editor read) makes a
    concurrent edit fail with 409 instead of overwriting."""
    cleaned = profile_clean(data, places=Places.of(city_id))
    if "uscc" not in cleaned.values and not any(e["field"] == "uscc" for e in cleaned.errors):
        cleaned.error(
            "uscc", _("The unified social credit code is required."), "registry.invalid_uscc"
        )
    if cleaned.errors:
        raise InvalidInput(
            "registry.invalid_profile",
            _("The enterprise file has errors."),
            errors=cleaned.errors,
        )
    with transaction.atomic():
        if version is not None:
            current = (
                Enterprise.objects.select_for_update()
                .filter(city_id=city_id, uscc=cleaned.values["uscc"])
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != version:
                raise Conflict(
                    "registry.version_conflict",
                    _(
                        "Someone changed this file meanwhile (version %(now)d, you edited "
                        "version %(was)d); reload it and edit again."
                    )
                    % {"now": current, "was": version},
                )
        result = enterprises_upsert(actor=actor, city_id=city_id, rows=[cleaned], source=source)
    return result.enterprises[0]


def enterprise_get_for_update(*, city_id: int, uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(city_id=city_id, uscc=(uscc or "").upper()).first()
    if enterprise is None:
        raise NotFound("enterprise")
    return enterprise
