"""Public working-time API at /api/v1/worktime/: deadlines in bulk, office time, calendars.

These operations need no authentication (``auth=None``): they compute over the public holiday
schedule and read no personal or internal data, and other government systems call them as a
shared service. See docs/modules/worktime.md for the decision and the semantics.
"""

from __future__ import annotations

import datetime as dt
from json import dumps
from json.encoder import encode_basestring_ascii

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from pydantic import AwareDatetime, BaseModel, field_validator, model_validator

from yiwang.core.errors import InvalidInput
from yiwang.worktime import facade, selectors

router = Router(tags=["worktime"])

MAX_ITEMS = 10_000
MAX_DAYS = 10_000
MAX_HOURS = 100_000
MAX_PAUSES = 1_000
CALENDAR_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


# The items of the bulk operation are plain pydantic models, validated entirely by
# pydantic-core: a ninja ``Schema`` wraps every instance in a ``DjangoGetter`` (ORM attribute
# access, a Python call per field). That, in and out, was most of a 10,000-item call.
class DeadlineItemIn(BaseModel):
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

    @field_validator("items", mode="before")
    @classmethod
    def _objects_only(cls, value):
        # An item that is not a JSON object reports its missing ``start`` (items.3.start), as
        # it did when items were ninja Schemas, rather than pydantic's ``model_type``.
        if isinstance(value, list) and not all(item.__class__ is dict for item in value):
            return [item if isinstance(item, dict) else {} for item in value]
        return value


class DeadlineOut(BaseModel):
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
    request_of = facade.DeadlineRequest  # positional: the keyword call costs ≈ 20 % more
    requests = [
        request_of(item.start, item.working_days, item.working_hours, item.calendar)
        for item in payload.items
    ]
    try:
        results = facade.compute_deadlines(requests)
    except InvalidInput as exc:
        raise _prefixed(exc, "items") from None
    return _deadlines_response(results)


_datetime_json = DjangoJSONEncoder().default  # how the API's JSON renderer writes a datetime


def _deadlines_response(results: list[facade.Deadline]) -> HttpResponse:
    """``DeadlinesOut`` as JSON, byte for byte what ninja's renderer makes of it, written directly.

    Validating 10,000 results against the response schema and encoding each datetime through
    the encoder's ``default`` hook cost more than everything else in the call. A result is a
    shared object for all items with the same deadline, so each is written once per response
    (keyed by ``id``: every result is alive in ``results`` while the dict exists).
    """
    written: dict[int, str] = {}
    parts: list[str] = []
    append = parts.append
    warnings: dict[str, None] = {}
    for result in results:
        text = written.get(id(result))
        if text is None:
            deadline = encode_basestring_ascii(_datetime_json(result.deadline))
            if result.warnings:
                warnings.update(dict.fromkeys(result.warnings))
                text = f'{{"deadline": {deadline}, "warnings": {dumps(list(result.warnings))}}}'
            else:
                text = f'{{"deadline": {deadline}, "warnings": []}}'
            written[id(result)] = text
        append(text)
    content = '{"items": [' + ", ".join(parts) + '], "warnings": ' + dumps(list(warnings)) + "}"
    return HttpResponse(content, content_type="application/json; charset=utf-8")


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
