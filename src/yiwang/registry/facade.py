"""What other apps may use of the enterprise registry (一企一档)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q

from yiwang.registry.choices import (
    CreditRating,
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)
from yiwang.registry.fields import FIELDS, QUALIFICATIONS, FieldSpec, FieldType, field_get
from yiwang.registry.industries import industry_get, industry_normalise, industry_prefixes
from yiwang.registry.models import Enterprise, EnterpriseTag, ProfileChange, Qualification
from yiwang.registry.selectors import change_cursor, changed_since, matchable_profiles

__all__ = [
    "FIELDS",
    "FIELD_LOOKUPS",
    "QUALIFICATIONS",
    "EnterpriseRef",
    "FieldSpec",
    "FieldType",
    "change_cursor",
    "changed_since",
    "enterprise_by_uscc",
    "enterprise_ids_where",
    "enterprises_by_ids",
    "field_get",
    "field_provenance",
    "field_value_label",
    "industry_get",
    "industry_normalise",
    "industry_prefixes",
    "matchable_profiles",
    "qualification_held",
    "qualification_label",
    "tagged_any",
]


# --- queries for the policy app (the ORM peer of its matching engine) ---------------------------

FIELD_LOOKUPS = {"district": "district__name", "street": "street__name"}


def qualification_held(kind: str, on) -> Q:
    """A condition on enterprises: holds ``kind`` valid on date ``on``."""
    return Q(
        Exists(
            Qualification.objects.filter(
                enterprise=OuterRef("pk"), kind=kind, valid_from__lte=on, valid_to__gte=on
            )
        )
    )


def tagged_any(tags: list[str]) -> Q:
    """A condition on enterprises: has any of ``tags``."""
    return Q(Exists(EnterpriseTag.objects.filter(enterprise=OuterRef("pk"), tag__in=tags)))


def enterprise_ids_where(condition: Q, *, city_id: int) -> list[int]:
    """Ids of the city's enterprises meeting a condition built from the field catalogue."""
    qs = Enterprise.objects.filter(city_id=city_id).filter(condition)
    return list(qs.order_by("pk").values_list("pk", flat=True))


# --- enterprise files by credit code (the policy calculator, explanations) -----------------------


@dataclass(frozen=True)
class EnterpriseRef:
    id: int
    uscc: str
    name: str
    city_id: int


def enterprise_by_uscc(uscc: str) -> EnterpriseRef | None:
    """The enterprise file of a credit code (``core.EnterpriseAccount`` links by USCC)."""
    row = (
        Enterprise.objects.filter(uscc=(uscc or "").strip().upper())
        .values_list("pk", "uscc", "name", "city_id")
        .first()
    )
    return EnterpriseRef(*row) if row else None


def enterprises_by_ids(ids) -> dict[int, EnterpriseRef]:
    """Id → file reference of the given enterprises (missing ids are left out); one query
    per 5,000 ids."""
    ids = list(ids)
    found: dict[int, EnterpriseRef] = {}
    for start in range(0, len(ids), 5000):
        rows = Enterprise.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "pk", "uscc", "name", "city_id"
        )
        found.update((row[0], EnterpriseRef(*row)) for row in rows)
    return found


def qualification_label(kind: str) -> str:
    """The display label of a qualification kind (the kind itself when unknown)."""
    try:
        return str(QualificationKind(kind).label)
    except ValueError:
        return kind


_VALUE_LABELS = {"scale": Scale, "status": OperatingStatus, "credit_rating": CreditRating}


def field_value_label(name: str, value) -> str:
    """The display label of a closed-set field's value (scale, status, credit rating); other
    values as they are."""
    choices = _VALUE_LABELS.get(name)
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            pass
    return "" if value is None else str(value)


def field_provenance(enterprise_id: int, names) -> dict[str, tuple[str, object]]:
    """Field → (label of the source of its current value, when the registry recorded it) for
    the given fields of one file; the date is the field's last recorded change, else the
    file's last update. Fields with no known source are left out. Two queries."""
    names = list(names)
    row = Enterprise.objects.filter(pk=enterprise_id).values_list("field_sources", "updated_at")
    sources, updated_at = row.first() or ({}, None)
    changed = dict(
        ProfileChange.objects.filter(enterprise_id=enterprise_id, field__in=names)
        .values("field")
        .annotate(at=Max("at"))
        .values_list("field", "at")
    )
    found: dict[str, tuple[str, object]] = {}
    for name in names:
        code = (sources or {}).get(name)
        if not code:
            continue
        try:
            label = str(Source(code).label)
        except ValueError:
            label = str(code)
        found[name] = (label, changed.get(name, updated_at))
    return found
