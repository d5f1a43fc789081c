"""What other apps may use of the enterprise registry (一企一档)."""

from __future__ import annotations

from yiwang.registry.fields import FIELDS, QUALIFICATIONS, FieldSpec, FieldType, field_get
from yiwang.registry.industries import industry_get, industry_normalise, industry_prefixes

__all__ = [
    "FIELDS",
    "QUALIFICATIONS",
    "FieldSpec",
    "FieldType",
    "field_get",
    "industry_get",
    "industry_normalise",
    "industry_prefixes",
]
