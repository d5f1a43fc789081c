"""What other apps may use of the enterprise registry (一企一档)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from yiwang.registry.fields import FIELDS, QUALIFICATIONS, FieldSpec, FieldType, field_get
from yiwang.registry.industries import industry_get, industry_normalise, industry_prefixes
from yiwang.registry.models import Enterprise, EnterpriseTag, Qualification
from yiwang.registry.selectors import change_cursor, changed_since, matchable_profiles

__all__ = [
    "FIELDS",
    "FIELD_LOOKUPS",
    "QUALIFICATIONS",
    "FieldSpec",
    "FieldType",
    "change_cursor",
    "changed_since",
    "enterprise_count_where",
    "enterprise_ids_where",
    "field_get",
    "industry_get",
    "industry_normalise",
    "industry_prefixes",
    "matchable_profiles",
    "qualification_held",
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


def enterprise_count_where(condition: Q, *, city_id: int) -> int:
    return Enterprise.objects.filter(city_id=city_id).filter(condition).count()
