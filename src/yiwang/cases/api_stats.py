"""一网通办 statistics API at /api/v1/cases/stats (figures: ``yiwang.cases.stats``).

Mounted on the cases router, whose tag it takes: ``router.add_router("/stats", ...)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yiwang.cases import stats

router = Router()


class ServiceStatsQueryIn(Schema):
    start: dt.date | None = Field(
        None, description="first day (YYYY-MM-DD, Asia/Shanghai); default: 29 days before end"
    )
    end: dt.date | None = Field(None, description="last day, included; default: today")


class ServiceCatalogueFiguresOut(Schema):
    """Published implementation items of the group (``catalog_stats`` formulas)."""

    items: int = Field(description="published implementation items")
    application_items: int = Field(description="依申请六类 (the six application-based kinds)")
    public_service_items: int = Field(description="公共服务")
    online_rate: float | None = Field(description="网办率: items handled online / items")
    zero_visit_rate: float | None = Field(description="零跑动率: items needing no visit / items")
    limit_compression: float | None = Field(
        description="mean of (legal − promised) / legal in natural days over items with a "
        "legal limit"
    )


class ServiceFiguresOut(Schema):
    key: str = Field(
        description="handling organisation id, district id, 'city' (city level) or 'total'"
    )
    label: str
    received: int = Field(description="cases submitted in the period (接件)")
    accepted: int = Field(description="of those, accepted (受理, deemed acceptance included)")
    refused: int = Field(description="of those, not accepted (不予受理)")
    approved: int = Field(description="of those, decided 准予")
    denied: int = Field(description="of those, decided 不予")
    decided: int = Field(description="approved + denied")
    completed: int = Field(description="of those, completed (办结) or delivered")
    on_time: int = Field(description="of those, decided no later than the deadline")
    overdue_open: int = Field(
        description="of those, undecided with the clock running and the deadline passed"
    )
    on_time_rate: float | None = Field(description="按时办结率: on_time / decided")
    completion_rate: float | None = Field(description="办结率: completed / accepted")
    rated: int = Field(description="好差评 of online services delivered in the period")
    good: int = Field(description="好评: 非常满意, 满意, 基本满意 (default ratings included)")
    bad: int = Field(description="差评: 不满意, 非常不满意")
    good_rate: float | None = Field(description="好评率: good / rated")
    bad_rate: float | None = Field(description="差评率: bad / rated")


class ServiceDistrictFiguresOut(ServiceFiguresOut):
    catalogue: ServiceCatalogueFiguresOut


class ServiceTrendOut(Schema):
    days: list[str] = Field(description="every day of the period (YYYY-MM-DD)")
    received: list[int] = Field(description="cases submitted that day")
    completed: list[int] = Field(description="cases completed (办结) that day")


class ServiceStatsOut(Schema):
    start: dt.date
    end: dt.date
    scope: Literal["city", "organisation"] = Field(
        description="city: the whole city; organisation: the caller's organisation subtree"
    )
    total: ServiceDistrictFiguresOut
    by_department: list[ServiceFiguresOut] = Field(
        description="per handling organisation (implementing body), by cases received"
    )
    by_district: list[ServiceDistrictFiguresOut] = Field(
        description="city level first, then the districts and functional areas in city order"
    )
    trend: ServiceTrendOut


@router.get(
    "",
    response=ServiceStatsOut,
    operation_id="cases_stats",
    summary="一网通办 statistics: case volumes, on-time rate, 好差评 and catalogue indicators by "
    "department and district (cases.stats; 422 on a reversed or over-3-year period)",
)
def service_stats(request: HttpRequest, query: Query[ServiceStatsQueryIn]):
    return stats.service_stats(actor=request.user, start=query.start, end=query.end)
