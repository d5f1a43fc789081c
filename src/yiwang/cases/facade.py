"""What other apps may read of applications: one case's summary (for 好差评 at 办结) and counts
for statistics (volumes and on-time completion by organisation, item or district). Plain
frozen values, never model instances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.cases.models import Case
from yiwang.cases.stats import case_counters
from yiwang.core.errors import NotFound


@dataclass(frozen=True)
class CaseSummary:
    number: str
    status: str
    item_name: str
    basic_code: str
    item_id: int | None  # None: the parent of a bundle application
    bundle_code: str
    organisation_id: int
    district_id: int | None
    applicant_id: int  # the account that applied (the one who may rate the service)
    agent_id: int | None
    decision: str
    submitted_at: dt.datetime
    completed_at: dt.datetime | None
    deadline: dt.datetime | None
    on_time: bool | None  # decided by the deadline; None while undecided


def _summary(case: Case) -> CaseSummary:
    on_time = None
    if case.decided_at is not None:
        on_time = case.deadline is None or case.decided_at <= case.deadline
    return CaseSummary(
        number=case.number,
        status=case.status,
        item_name=case.item_name,
        basic_code=case.basic_code,
        item_id=case.item_id,
        bundle_code=case.bundle_code,
        organisation_id=case.organisation_id,
        district_id=case.district_id,
        applicant_id=case.applicant_id,
        agent_id=case.agent_id,
        decision=case.decision,
        submitted_at=case.submitted_at,
        completed_at=case.completed_at,
        deadline=case.deadline,
        on_time=on_time,
    )


def case_summary(*, number: str) -> CaseSummary:
    """One case by number (``NotFound`` if there is none). Unscoped: callers check access."""
    case = Case.objects.filter(number=(number or "").strip().upper()).first()
    if case is None:
        raise NotFound("case")
    return _summary(case)


@dataclass(frozen=True)
class CaseCount:
    """Counts of one group over a period (cases submitted in the period)."""

    key: int | str | None
    label: str
    received: int
    accepted: int
    refused: int
    approved: int
    denied: int
    completed: int
    on_time: int  # decided within the deadline
    overdue_open: int  # still undecided and past the deadline

    @property
    def on_time_rate(self) -> float | None:
        decided = self.approved + self.denied
        return round(self.on_time / decided, 4) if decided else None


GROUPS = {
    "organisation": ("organisation_id", "organisation__name"),
    "item": ("basic_code", "item_name"),
    "district": ("district_id", "district__name"),
}


def case_counts(
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: str = "organisation",
    now: dt.datetime | None = None,
) -> list[CaseCount]:
    """Handled cases (sub-cases count, a bundle's parent does not) submitted in
    ``[start, end)``, grouped ``by`` organisation, item (basic code) or district; largest first."""
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}")
    now = now or dt.datetime.now(dt.UTC)
    key, label = GROUPS[by]
    rows = (
        Case.objects.filter(item__isnull=False, submitted_at__gte=start, submitted_at__lt=end)
        .values(key, label)
        .annotate(**case_counters(now))
        .order_by("-received", key)
    )
    return [
        CaseCount(
            key=r[key],
            label=r[label] or "",
            received=r["received"],
            accepted=r["accepted"],
            refused=r["refused"],
            approved=r["approved"],
            denied=r["denied"],
            completed=r["completed"],
            on_time=r["on_time"],
            overdue_open=r["overdue_open"],
        )
        for r in rows
    ]
