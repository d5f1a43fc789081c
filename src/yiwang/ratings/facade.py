"""What other apps may use of 好差评: record a service event when a service is delivered, put
it on hold while its subject is reopened, record a rating given on a callback, and read the
statistics. Plain frozen values, never model instances.

Example (cases, at 办结)::

    from yiwang.ratings import facade as ratings

    ratings.service_event_record(
        actor=actor, subject_app="cases", subject_key=case.number, channel="online",
        item_code=item.code, item_name=item.name, organisation_id=item.organisation_id,
        served_user_id=case.applicant_id, served_at=case.completed_at,
    )

Call it inside the caller's transaction: the event commits (or rolls back) with the service
that delivered it, and the invitation to rate is sent after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.ratings import services
from yiwang.ratings import stats as _stats
from yiwang.ratings.choices import Channel, Level

__all__ = [
    "Channel",
    "Level",
    "RatingRef",
    "ServiceEventRef",
    "rating_record_callback",
    "rating_stats",
    "service_event_get",
    "service_event_hold",
    "service_event_record",
    "stats_period_clean",
]


@dataclass(frozen=True)
class ServiceEventRef:
    id: int
    subject_app: str
    subject_key: str
    channel: str
    organisation_id: int
    served_at: dt.datetime
    rate_deadline: dt.datetime | None
    rated: bool


@dataclass(frozen=True)
class RatingRef:
    id: int
    event_id: int
    level: str
    source: str
    negative: bool
    excluded: bool


def _event_ref(event) -> ServiceEventRef:
    return ServiceEventRef(
        id=event.pk,
        subject_app=event.subject_app,
        subject_key=event.subject_key,
        channel=event.channel,
        organisation_id=event.organisation_id,
        served_at=event.served_at,
        rate_deadline=event.rate_deadline,
        rated=event.rated,
    )


def service_event_record(
    *,
    actor,
    subject_app: str,
    subject_key: str,
    channel: str,
    item_code: str,
    item_name: str,
    organisation_id: int,
    served_at: dt.datetime,
    served_user_id: int | None = None,
    served_phone: str = "",
) -> ServiceEventRef:
    """A service was delivered (办结 of an application, a window service, a closed 12345
    order): the person served may rate it within the window (``RatingPolicy``, 7 natural days
    by default). Idempotent by ``subject_app`` + ``subject_key``. ``channel``: one of
    :class:`Channel`. Give ``served_user_id`` or, for a person without an account (a 12345
    caller), ``served_phone`` (stored encrypted, looked up by digest). ``InvalidInput`` with
    per-field errors on bad input."""
    event, _created = services.service_event_record(
        actor=actor,
        subject_app=subject_app,
        subject_key=subject_key,
        channel=channel,
        item_code=item_code,
        item_name=item_name,
        organisation_id=organisation_id,
        served_at=served_at,
        served_user_id=served_user_id,
        served_phone=served_phone,
    )
    return _event_ref(event)


def service_event_hold(*, actor, subject_app: str, subject_key: str) -> None:
    """The subject was reopened: its unrated event waits (no rating, no default) until
    :func:`service_event_record` is called again when it is completed again."""
    services.service_event_hold(actor=actor, subject_app=subject_app, subject_key=subject_key)


def service_event_get(*, subject_app: str, subject_key: str) -> ServiceEventRef | None:
    from yiwang.ratings.models import ServiceEvent

    event = ServiceEvent.objects.filter(subject_app=subject_app, subject_key=subject_key).first()
    return _event_ref(event) if event else None


def rating_record_callback(
    *,
    actor,
    subject_app: str,
    subject_key: str,
    level: str,
    comment: str = "",
    rated_at: dt.datetime | None = None,
) -> RatingRef | None:
    """The rating the person served gave on a callback (回访) at ``rated_at`` (default now).
    ``None`` when the subject has no event; an event already rated keeps its rating (returned
    as it is)."""
    rating = services.rating_record_callback(
        actor=actor,
        subject_app=subject_app,
        subject_key=subject_key,
        level=level,
        comment=comment,
        rated_at=rated_at,
    )
    if rating is None:
        return None
    return RatingRef(
        id=rating.pk,
        event_id=rating.event_id,
        level=rating.level,
        source=rating.source,
        negative=bool(rating.handling),
        excluded=rating.excluded,
    )


def rating_stats(
    *,
    start: dt.date,
    end: dt.date,
    channel: str | None = None,
    district_id: int | None = None,
    organisation_id: int | None = None,
) -> dict:
    """好评率 / 差评率 and counts per level, by channel, department, district and item, for the
    services delivered from ``start`` to ``end`` (see :mod:`yiwang.ratings.stats`)."""
    return _stats.rating_stats(
        period=_stats.Period(start, end),
        channel=channel,
        district_id=district_id,
        organisation_id=organisation_id,
    )


def stats_period_clean(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The statistics period asked for, both ends included (Asia/Shanghai days; default the
    last 30 days; one end alone keeps 30 days or runs to today). ``InvalidInput`` (422, code
    ``ratings.invalid_period``, field ``end`` or ``start``) when the end is before the start or
    the period is longer than three years — the rules of the 好差评 statistics."""
    period = _stats.period_clean(start, end)
    return period.start, period.end
