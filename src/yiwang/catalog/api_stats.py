"""Catalogue statistics API at /api/v1/catalog/stats (figures: ``yiwang.catalog.stats``).

Mounted on the catalogue router, whose tag it takes: ``router.add_router("/stats", ...)``.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from yiwang.catalog import stats

router = Router()


class CatalogFiguresOut(Schema):
    key: str = Field(description="department name, district id, 'city' (city level) or 'total'")
    label: str
    items: int = Field(description="published implementation items")
    application_items: int = Field(description="依申请六类 (the six application-based kinds)")
    public_service_items: int = Field(description="公共服务")
    kinds: dict[str, int] = Field(description="items per kind code (xk, qr, cj, gf, jl, qt, gg)")
    online: int
    online_rate: float | None = Field(description="网办率: online / items")
    depths: dict[str, int] = Field(description="items per online depth 1–4")
    depth_rates: dict[str, float | None]
    full_online_rate: float | None = Field(description="全程网办 (depth 4) / items")
    zero_visit: int
    zero_visit_rate: float | None = Field(description="零跑动: visits = 0 / items")
    immediate: int
    immediate_rate: float | None = Field(description="即办件 / items")
    with_legal_limit: int = Field(description="items whose legal limit is above 0")
    limit_compression: float | None = Field(
        description="mean of (legal − promised) / legal in natural days over those items"
    )
    avg_legal_days: float | None
    avg_promised_days: float | None


class StatsOut(Schema):
    kind_labels: dict[str, str]
    total: CatalogFiguresOut
    by_department: list[CatalogFiguresOut]
    by_district: list[CatalogFiguresOut]


@router.get(
    "",
    response=StatsOut,
    operation_id="catalog_stats",
    summary="Catalogue statistics: kinds, 网办率, depth, 零跑动, limit compression, 即办件 share",
)
def catalogue_stats(request: HttpRequest):
    return {"kind_labels": stats.kind_labels(), **stats.catalogue_stats(actor=request.user)}
