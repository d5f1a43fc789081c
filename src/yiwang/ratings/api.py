"""The ratings API, mounted at /api/v1/ratings: public statistics, the rater's pending services
and the rating itself, the department's 差评 worklist and its handling actions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.errors import InvalidInput
from yiwang.ratings import selectors, services, stats
from yiwang.ratings.choices import Channel, Level
from yiwang.ratings.models import Rating, ServiceEvent

router = Router(tags=["ratings"])

# Plain literals, not the TextChoices classes: OpenAPI component names come from class names.
LevelName = Literal.__getitem__(tuple(Level.values))
RatingChannelName = Literal.__getitem__(tuple(Channel.values))


class FiguresOut(Schema):
    total: int
    good: int
    bad: int
    good_rate: float | None
    bad_rate: float | None
    defaults: int
    levels: dict[str, int]


class GroupOut(FiguresOut):
    key: str | int | None
    name: str | None


class RatingStatsOut(FiguresOut):
    start: dt.date
    end: dt.date
    excluded: int
    by_channel: list[GroupOut]
    by_department: list[GroupOut]
    by_district: list[GroupOut]
    by_item: list[GroupOut]


class RatingStatsQueryIn(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    channel: RatingChannelName | None = None  # type: ignore[valid-type]
    district_id: int | None = None
    organisation_id: int | None = None
    item_code: str | None = None


class ServiceEventOut(Schema):
    id: int
    subject_app: str
    subject_key: str
    channel: str
    item_code: str
    item_name: str
    organisation: str
    served_at: dt.datetime
    rate_deadline: dt.datetime | None
    rated: bool
    dimensions: list[str]


class RatingIn(Schema):
    level: LevelName  # type: ignore[valid-type]
    dimensions: dict[str, int] = Field(
        default_factory=dict, description="Scores 1–5 keyed by the channel's dimensions"
    )
    comment: str = Field("", description="Required for a 差评 (dissatisfied, very dissatisfied)")


class RatingOut(Schema):
    id: int
    event_id: int
    level: str
    dimensions: dict[str, int]
    comment: str
    source: str
    rated_at: dt.datetime
    handling: str
    excluded: bool


class AppealOut(Schema):
    reason: str
    filed_at: dt.datetime
    decision: str
    decision_note: str
    decided_at: dt.datetime | None


class NegativeRatingOut(RatingOut):
    subject_app: str
    subject_key: str
    item_name: str
    organisation: str
    served_at: dt.datetime
    served_phone: str = Field("", description="masked")
    verify_deadline: dt.datetime | None
    verified_at: dt.datetime | None
    verification_note: str
    rectify_deadline: dt.datetime | None
    rectified_at: dt.datetime | None
    rectified_late: bool
    rectification_note: str
    feedback_at: dt.datetime | None
    feedback_text: str
    overdue: bool
    appeal: AppealOut | None


class NegativePageOut(Schema):
    items: list[NegativeRatingOut]
    count: int


class NegativeQueryIn(Schema):
    state: Literal["open", "overdue", "closed", "all"] = "open"
    offset: int = Field(0, ge=0)
    limit: int = Field(50, ge=1, le=200)


class ActionIn(Schema):
    """One handling action: verify (note, rectify), rectify (note), feedback (text), appeal
    (reason), appeal_decide (upheld, note)."""

    action: Literal["verify", "rectify", "feedback", "appeal", "appeal_decide"]
    note: str = ""
    text: str = ""
    reason: str = ""
    rectify: bool | None = None
    upheld: bool | None = None


def _event_out(event: ServiceEvent) -> dict:
    from yiwang.ratings.choices import dimensions_for

    return {
        "id": event.pk,
        "subject_app": event.subject_app,
        "subject_key": event.subject_key,
        "channel": event.channel,
        "item_code": event.item_code,
        "item_name": event.item_name,
        "organisation": event.organisation.name,
        "served_at": event.served_at,
        "rate_deadline": event.rate_deadline,
        "rated": event.rated,
        "dimensions": list(dimensions_for(event.channel)),
    }


def _rating_out(rating: Rating) -> dict:
    return {
        "id": rating.pk,
        "event_id": rating.event_id,
        "level": rating.level,
        "dimensions": rating.dimensions,
        "comment": rating.comment,
        "source": rating.source,
        "rated_at": rating.rated_at,
        "handling": rating.handling,
        "excluded": rating.excluded,
    }


def _negative_out(rating: Rating) -> dict:
    event = rating.event
    appeal = getattr(rating, "appeal", None)
    return {
        **_rating_out(rating),
        "subject_app": event.subject_app,
        "subject_key": event.subject_key,
        "item_name": event.item_name,
        "organisation": event.organisation.name,
        "served_at": event.served_at,
        "served_phone": event.served_phone_masked,
        "verify_deadline": rating.verify_deadline,
        "verified_at": rating.verified_at,
        "verification_note": rating.verification_note,
        "rectify_deadline": rating.rectify_deadline,
        "rectified_at": rating.rectified_at,
        "rectified_late": rating.rectified_late,
        "rectification_note": rating.rectification_note,
        "feedback_at": rating.feedback_at,
        "feedback_text": rating.feedback_text,
        "overdue": selectors.is_overdue(rating),
        "appeal": (
            {
                "reason": appeal.reason,
                "filed_at": appeal.filed_at,
                "decision": appeal.decision,
                "decision_note": appeal.decision_note,
                "decided_at": appeal.decided_at,
            }
            if appeal
            else None
        ),
    }


@router.get(
    "/stats",
    response=RatingStatsOut,
    auth=None,
    operation_id="ratings_stats",
    summary="好差评 statistics: good/negative rates and counts per level by channel, department, "
    "district and item (public; no personal data)",
)
def rating_stats(request: HttpRequest, query: Query[RatingStatsQueryIn]):
    period = stats.period_clean(query.start, query.end)
    return stats.rating_stats(
        period=period,
        channel=query.channel,
        district_id=query.district_id,
        organisation_id=query.organisation_id,
        item_code=query.item_code,
    )


@router.get(
    "/events/pending",
    response=list[ServiceEventOut],
    operation_id="ratings_events_pending",
    summary="The caller's services waiting for a rating (closest deadline first)",
)
def events_pending(request: HttpRequest):
    return [_event_out(e) for e in selectors.events_to_rate(actor=request.user)[:200]]


@router.post(
    "/events/{event_id}/rating",
    response={201: RatingOut},
    operation_id="ratings_rate",
    summary="Rate a service (only the person served: 404 otherwise; once: 409; within the window)",
)
def rate(request: HttpRequest, event_id: int, payload: RatingIn):
    rating = services.rating_submit(
        actor=request.user,
        event_id=event_id,
        level=payload.level,
        dimensions=payload.dimensions,
        comment=payload.comment,
    )
    return HttpStatus(201, _rating_out(rating))


@router.get(
    "/negative",
    response=NegativePageOut,
    operation_id="ratings_negative_list",
    summary="差评 of services delivered in the caller's organisation subtree, with handling",
)
def negative_list(request: HttpRequest, query: Query[NegativeQueryIn]):
    qs = selectors.negative_list(actor=request.user, state=query.state)
    items = list(qs[query.offset : query.offset + query.limit])
    return {"items": [_negative_out(r) for r in items], "count": qs.count()}


@router.get(
    "/negative/{rating_id}",
    response=NegativeRatingOut,
    operation_id="ratings_negative_get",
    summary="One 差评 with its handling (404 outside the caller's subtree)",
)
def negative_get(request: HttpRequest, rating_id: int):
    return _negative_out(selectors.rating_get(actor=request.user, rating_id=rating_id))


def _required(value, field: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(
            "required",
            f"{field} is required for this action",
            errors=[{"field": field, "code": "required", "message": f"{field} is required"}],
        )
    return value


@router.post(
    "/negative/{rating_id}/actions",
    response=NegativeRatingOut,
    operation_id="ratings_negative_action",
    summary="One handling action (verify, rectify, feedback, appeal, appeal_decide); "
    "409 when the rating's state does not allow it",
)
def negative_action(request: HttpRequest, rating_id: int, payload: ActionIn):
    actor, p = request.user, payload
    common = {"actor": actor, "rating_id": rating_id}
    match p.action:
        case "verify":
            services.rating_verify(**common, note=p.note, rectify=_required(p.rectify, "rectify"))
        case "rectify":
            services.rating_rectify(**common, note=p.note)
        case "feedback":
            services.rating_feedback(**common, text=p.text)
        case "appeal":
            services.rating_appeal(**common, reason=p.reason)
        case "appeal_decide":
            services.rating_appeal_decide(
                **common, upheld=_required(p.upheld, "upheld"), note=p.note
            )
    from yiwang.ratings import permissions as perms

    perm = perms.DECIDE_APPEAL if p.action == "appeal_decide" else perms.VIEW
    rating = selectors.ratings_visible(actor=actor, perm=perm).get(pk=rating_id)
    return _negative_out(rating)
