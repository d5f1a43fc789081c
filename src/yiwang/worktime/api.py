"""Public working-time API at /api/v1/worktime/: deadlines in bulk, office time, calendars.

These operations need no authentication (``auth=None``): they compute over the public holiday
schedule and read no personal or internal data, and other government systems call them as a
shared service. See docs/modules/worktime.md for the decision and the semantics.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import AwareDatetime, model_validator

from yiwang.core.errors import InvalidInput
from yiwang.worktime import facade, selectors

router = Router(tags=["worktime"])

MAX_ITEMS = 10_000
MAX_DAYS = 10_000
MAX_HOURS = 100_000
MAX_PAUSES = 1_000
CALENDAR_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class DeadlineItemIn(Schema):
    """One deadline: the receipt instant and exactly one amount."""

    start: AwareDatetime = Field(
        ..., description="Receipt instant, ISO 8601 with offset, e.g. 2026-09-30T16:20:00+08:00"
    )
    working_days: int | None = Field(None, ge=0, le=MAX_DAYS, strict=True)
    working_hours: float | None = Field(None, ge=0, le=MAX_HOURS)
    calendar: str = Field(facade.NATIONAL, pattern=CALENDAR_PATTERN)

    @model_validator(mode="after")
    def _exactly_one_amount(self):
        if (self.working_days is None) == (self.working_hours is None):
            raise ValueError("give exactly one of working_days and working_hours")
        return self


class DeadlinesIn(Schema):
    items: list[DeadlineItemIn] = Field(..., max_length=MAX_ITEMS)


class DeadlineOut(Schema):
    deadline: dt.datetime
    warnings: list[str]


class DeadlinesOut(Schema):
    items: list[DeadlineOut]
    warnings: list[str] = Field(description="Every distinct warning of the items.")


class PauseIn(Schema):
    start: AwareDatetime
    end: AwareDatetime


class BetweenIn(Schema):
    start: AwareDatetime
    end: AwareDatetime
    pauses: list[PauseIn] = Field(default_factory=list, max_length=MAX_PAUSES)
    calendar: str = Field(facade.NATIONAL, pattern=CALENDAR_PATTERN)


class BetweenOut(Schema):
    minutes: int = Field(description="Office minutes, rounded down.")
    seconds: int = Field(description="Office time in whole seconds.")
    warnings: list[str]


class OfficePeriodOut(Schema):
    start: dt.time
    end: dt.time


class CalendarOut(Schema):
    code: str
    name: str
    time_zone: str
    office_hours: list[OfficePeriodOut]
    covered_years: list[int]


def _prefixed(exc: InvalidInput, prefix: str) -> InvalidInput:
    errors = [
        {**e, "field": f"{prefix}.{e['field']}" if e.get("field") else prefix} for e in exc.errors
    ]
    return InvalidInput(exc.code, exc.message, errors=errors)


@router.post(
    "/deadlines",
    response=DeadlinesOut,
    auth=None,
    operation_id="worktime_deadlines",
    summary="Compute deadlines in working days or working hours (up to 10,000 per call)",
)
def deadlines(request: HttpRequest, payload: DeadlinesIn):
    """Deadlines in the order of ``items``; a bad item fails the whole call with 422 and
    per-item errors (``items.3.working_days``)."""
    requests = [
        facade.DeadlineRequest(
            start=item.start,
            working_days=item.working_days,
            working_hours=item.working_hours,
            calendar=item.calendar,
        )
        for item in payload.items
    ]
    try:
        results = facade.compute_deadlines(requests)
    except InvalidInput as exc:
        raise _prefixed(exc, "items") from None
    warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
    return {
        "items": [{"deadline": r.deadline, "warnings": list(r.warnings)} for r in results],
        "warnings": warnings,
    }


@router.post(
    "/between",
    response=BetweenOut,
    auth=None,
    operation_id="worktime_between",
    summary="Office time between two instants, excluding pauses",
)
def between(request: HttpRequest, payload: BetweenIn):
    result = facade.working_minutes_between(
        payload.start,
        payload.end,
        [(p.start, p.end) for p in payload.pauses],
        calendar=payload.calendar,
    )
    return {"minutes": result.minutes, "seconds": result.seconds, "warnings": list(result.warnings)}


@router.get(
    "/calendars",
    response=list[CalendarOut],
    auth=None,
    operation_id="worktime_calendars",
    summary="Calendars with their office hours and the years their holiday data covers",
)
def calendars(request: HttpRequest):
    out = []
    for calendar in selectors.calendar_list().prefetch_related("years"):
        out.append(
            {
                "code": calendar.code,
                "name": calendar.name,
                "time_zone": calendar.time_zone,
                "office_hours": [
                    {"start": calendar.morning_start, "end": calendar.morning_end},
                    {"start": calendar.afternoon_start, "end": calendar.afternoon_end},
                ],
                "covered_years": sorted(y.year for y in calendar.years.all()),
            }
        )
    return out
