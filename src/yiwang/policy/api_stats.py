"""政企直通 statistics API at /api/v1/policy/stats (figures: ``yiwang.policy.stats``; formulas:
docs/modules/policy-stats.md). Mounted under /api/v1/policy/ by yiwang.api."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yiwang.policy import stats

router = Router(tags=["policy"])


class PolicyStatsQueryIn(Schema):
    start: dt.date | None = Field(
        None, description="first day (YYYY-MM-DD, Asia/Shanghai); default: 29 days before end"
    )
    end: dt.date | None = Field(None, description="last day, included; default: today")


class PolicyStatsPublishingOut(Schema):
    documents: int = Field(description="policy documents first listed in the period")
    documents_on_time: int = Field(
        description="of those, listed within 7 working days of the issue date"
    )
    listing_rate: float | None = Field(
        description="7-working-day listing rate: documents_on_time / documents whose timeliness "
        "is recorded"
    )
    items: int = Field(description="policy items whose latest publication is in the period")
    exempt_items: int = Field(description="of those, 免申即享 items")


class PolicyStatsPushOut(Schema):
    pushes: int = Field(description="pushes made in the period (one per item and enterprise)")
    cancelled: int = Field(description="of those, cancelled (the policy was withdrawn)")
    delivered: int = Field(description="of those, delivered and not yet read")
    read: int = Field(description="of those, read")
    reached: int = Field(description="distinct enterprises with a delivered or read push")
    delivery_rate: float | None = Field(
        description="送达率: (delivered + read) / (pushes − cancelled)"
    )
    read_rate: float | None = Field(description="阅读率: read / (delivered + read)")


class PolicyStatsQuestionsOut(Schema):
    asked: int = Field(description="questions asked in the period")
    answered: int = Field(description="of those, answered")
    answered_on_time: int = Field(description="of those, answered no later than due")
    open_overdue: int = Field(description="of those, still open with the due time passed now")
    answer_rate: float | None = Field(description="answered / asked")
    on_time_rate: float | None = Field(description="answered_on_time / answered")
    mean_answer_hours: float | None = Field(
        description="mean working hours from asking to answer (answered questions)"
    )
    p90_answer_hours: float | None = Field(
        description="90th percentile (nearest rank) of the same working hours"
    )


class PolicyStatsGrantsOut(Schema):
    approved: int = Field(description="免申即享 grants approved in the period, not revoked")
    paid: int = Field(description="of those, paid")
    revoked: int = Field(description="grants approved in the period and revoked since")
    amount_approved: Decimal = Field(description="amount of the approved grants, 10,000 yuan")
    amount_paid: Decimal = Field(description="amount of the paid grants, 10,000 yuan")


class PolicyStatsApplicationsOut(Schema):
    submitted: int = Field(description="快申快享 applications submitted in the period")
    approved: int = Field(description="of those, approved (paid included)")
    rejected: int = Field(description="of those, rejected")
    paid: int = Field(description="of those, paid")
    honoured_on_time: int = Field(description="of the approved, decided no later than due")
    overdue_open: int = Field(description="of those, undecided with the due time passed now")
    honoured_on_time_rate: float | None = Field(description="honoured_on_time / approved")
    amount_approved: Decimal = Field(description="amount of the approved ones, 10,000 yuan")
    amount_paid: Decimal = Field(description="amount of the paid ones, 10,000 yuan")


class PolicyStatsGroupOut(Schema):
    key: str = Field(
        description="organisation id (department, district), GB/T 4754 section letter "
        "(industry), 'none' (no enterprise or the field not recorded) or 'total'"
    )
    label: str
    push: PolicyStatsPushOut
    questions: PolicyStatsQuestionsOut
    grants: PolicyStatsGrantsOut
    applications: PolicyStatsApplicationsOut


class PolicyStatsDepartmentOut(PolicyStatsGroupOut):
    publishing: PolicyStatsPublishingOut


class PolicyStatsTrendOut(Schema):
    days: list[str] = Field(description="every day of the period (YYYY-MM-DD)")
    pushes: list[int] = Field(description="pushes made that day")
    reads: list[int] = Field(description="pushes read that day (whenever made)")


class PolicyStatsOut(Schema):
    start: dt.date
    end: dt.date
    scope: Literal["city", "organisation"] = Field(
        description="city: the whole city; organisation: the caller's organisation subtree"
    )
    total: PolicyStatsDepartmentOut
    by_department: list[PolicyStatsDepartmentOut] = Field(
        description="per issuing department (the item's document organisation), by pushes"
    )
    by_industry: list[PolicyStatsGroupOut] = Field(
        description="per GB/T 4754 section of the enterprise's industry, in the standard's order"
    )
    by_district: list[PolicyStatsGroupOut] = Field(
        description="per district of the enterprise, in the city's order; 'none' last"
    )
    trend: PolicyStatsTrendOut


@router.get(
    "/stats",
    response=PolicyStatsOut,
    operation_id="policy_stats",
    summary="政企直通 statistics: publishing, push, consultation, 免申即享 and 快申快享 by "
    "department, industry and district (policy.view; 422 on a reversed or over-366-day period)",
)
def policy_stats(request: HttpRequest, query: Query[PolicyStatsQueryIn]):
    return stats.policy_stats(actor=request.user, start=query.start, end=query.end)
