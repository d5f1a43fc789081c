"""Service events and their ratings: record (idempotent by subject), hold while reopened, rate
(only the person served, only once, only within the window), a callback's rating, and the
default rating after the window (an idempotent sweep)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core import pii
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import OrgKind
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.ratings import clock, notifications
from yiwang.ratings.choices import (
    DEFAULT_LEVEL,
    NEGATIVE_LEVELS,
    Channel,
    Handling,
    Level,
    Source,
    dimensions_for,
)
from yiwang.ratings.models import Rating, ServiceEvent
from yiwang.ratings.selectors import policy_current, rater_matches
from yiwang.worktime import facade as worktime

COMMENT_MAX_LENGTH = 500
EVENT_FIELDS = ("served_at", "rate_deadline", "rated")
SWEEP_BATCH = 1000


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _district_of(organisation_id: int) -> int | None:
    """The nearest district or functional area above (or at) the organisation."""
    for ref in reversed(core.organisation_ancestors(organisation_id)):
        if ref.kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA):
            return ref.id
    return None


def _clean_event_input(
    *,
    subject_app: str,
    subject_key: str,
    channel: str,
    item_code: str,
    item_name: str,
    served_at: dt.datetime,
    served_user_id: int | None,
    served_phone: str,
) -> list[dict[str, Any]]:
    errors = []

    def bad(field: str, code: str, message: str) -> None:
        errors.append({"field": field, "code": code, "message": message})

    for field, value, limit in (
        ("subject_app", subject_app, 20),
        ("subject_key", subject_key, 64),
        ("item_code", item_code, 64),
        ("item_name", item_name, 200),
    ):
        if not (value or "").strip() or len(value) > limit:
            bad(
                field,
                "ratings.invalid_text",
                _("Give a text of at most %(n)d characters.") % {"n": limit},
            )
    if channel not in Channel.values:
        bad("channel", "ratings.unknown_channel", _("Unknown channel."))
    if not isinstance(served_at, dt.datetime) or timezone.is_naive(served_at):
        bad("served_at", "ratings.naive_datetime", _("Give a time with its time zone."))
    if served_user_id is None and not (served_phone or "").strip():
        bad(
            "served_user_id",
            "ratings.rater_required",
            _("Name the person served: a user or a phone number."),
        )
    return errors


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
) -> tuple[ServiceEvent, bool]:
    """Record that a service was delivered (评价对象); returns ``(event, created)``.

    Idempotent by subject (``subject_app`` + ``subject_key``): recording it again returns the
    stored event — except that an unrated event on hold (its subject was reopened) opens a new
    rating window from the new ``served_at``. The person served is invited to rate.
    """
    errors = _clean_event_input(
        subject_app=subject_app,
        subject_key=subject_key,
        channel=channel,
        item_code=item_code,
        item_name=item_name,
        served_at=served_at,
        served_user_id=served_user_id,
        served_phone=served_phone,
    )
    org = core.organisation_by_id(organisation_id) if organisation_id else None
    if org is None:
        errors.append(
            {
                "field": "organisation_id",
                "code": "ratings.unknown_organisation",
                "message": _("Unknown organisation."),
            }
        )
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors)
    window = dt.timedelta(days=policy_current().rate_window_days)
    with transaction.atomic():
        existing = (
            ServiceEvent.objects.select_for_update()
            .filter(subject_app=subject_app, subject_key=subject_key)
            .first()
        )
        if existing is not None:
            if existing.rate_deadline is None and not existing.rated:
                before = snapshot(existing, EVENT_FIELDS)
                existing.served_at, existing.rate_deadline = served_at, served_at + window
                existing.save(update_fields=["served_at", "rate_deadline"])
                audit_record(
                    actor=actor,
                    action="ratings.event.reopen_window",
                    obj=existing,
                    before=before,
                    after=snapshot(existing, EVENT_FIELDS),
                )
                _invite_on_commit(existing)
            return existing, False
        phone = (served_phone or "").strip()
        event = ServiceEvent(
            subject_app=subject_app.strip(),
            subject_key=subject_key.strip(),
            channel=channel,
            item_code=item_code.strip(),
            item_name=item_name.strip(),
            organisation_id=org.id,
            district_id=_district_of(org.id),
            served_user_id=served_user_id,
            served_phone_digest=pii.digest(phone) if phone else "",
            served_phone_encrypted=pii.encrypt(phone) if phone else "",
            served_phone_masked=pii.mask_phone(phone),
            served_at=served_at,
            rate_deadline=served_at + window,
        )
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            # a concurrent recording of the same subject won; that one is the event
            stored = ServiceEvent.objects.filter(
                subject_app=subject_app, subject_key=subject_key
            ).first()
            if stored is None:
                raise
            return stored, False
        audit_record(
            actor=actor,
            action="ratings.event.record",
            obj=event,
            changes={
                "subject": str(event),
                "channel": channel,
                "organisation": org.id,
                "rate_deadline": event.rate_deadline,
            },
        )
        _invite_on_commit(event)
    return event, True


def _invite_on_commit(event: ServiceEvent) -> None:
    if event.served_user_id is None:
        return  # phone-only: the 12345 callback asks for the rating
    event_id, user_id = event.pk, event.served_user_id

    def invite() -> None:
        from django.contrib.auth import get_user_model
        from django.urls import reverse

        fresh = ServiceEvent.objects.select_related("organisation").filter(pk=event_id).first()
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if fresh is None or user is None or fresh.rated:
            return
        notifications.send(
            template="ratings.invite",
            recipients=[user],
            context={
                "item": fresh.item_name,
                "organisation": fresh.organisation.name,
                "deadline": _fmt(fresh.rate_deadline),
            },
            dedupe_key=f"ratings:event:{event_id}:invite:{fresh.rate_deadline:%Y%m%d%H%M}",
            link=reverse("ratings:rate", args=[event_id]),
        )

    transaction.on_commit(invite)


def service_event_hold(*, actor, subject_app: str, subject_key: str) -> ServiceEvent | None:
    """The subject was reopened (e.g. a 12345 order sent back for 重办): an unrated event
    stops being rateable and gets no default until it is recorded again."""
    with transaction.atomic():
        event = (
            ServiceEvent.objects.select_for_update()
            .filter(subject_app=subject_app, subject_key=subject_key)
            .first()
        )
        if event is None or event.rated or event.rate_deadline is None:
            return event
        before = snapshot(event, EVENT_FIELDS)
        event.rate_deadline = None
        event.save(update_fields=["rate_deadline"])
        audit_record(
            actor=actor,
            action="ratings.event.hold",
            obj=event,
            before=before,
            after=snapshot(event, EVENT_FIELDS),
        )
    return event


def _clean_rating(
    event: ServiceEvent, level: str, dimensions: dict | None, comment: str
) -> tuple[dict[str, int], str]:
    errors: list[dict[str, Any]] = []
    if level not in Level.values:
        errors.append(
            {
                "field": "level",
                "code": "ratings.unknown_level",
                "message": _("Unknown rating level."),
            }
        )
    allowed = dimensions_for(event.channel)
    scores: dict[str, int] = {}
    if dimensions is not None and not isinstance(dimensions, dict):
        dimensions = {"": dimensions}
    for key, value in (dimensions or {}).items():
        field = f"dimensions.{key}"
        if key not in allowed:
            errors.append(
                {
                    "field": field,
                    "code": "ratings.unknown_dimension",
                    "message": _("This service is not rated on that dimension."),
                }
            )
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors.append(
                {
                    "field": field,
                    "code": "ratings.invalid_score",
                    "message": _("A score is a whole number from 1 to 5."),
                }
            )
            continue
        scores[key] = value
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        errors.append(
            {
                "field": "comment",
                "code": "ratings.comment_too_long",
                "message": _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH},
            }
        )
    elif level in NEGATIVE_LEVELS and not text:
        errors.append(
            {
                "field": "comment",
                "code": "ratings.comment_required",
                "message": _("Say what went wrong, so the department can put it right."),
            }
        )
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors)
    return scores, text


def _store_rating(
    *,
    event: ServiceEvent,
    level: str,
    scores: dict,
    comment: str,
    source: str,
    rater_id: int | None,
    at: dt.datetime,
) -> Rating:
    rating = Rating(
        event=event,
        level=level,
        dimensions=scores,
        comment=comment,
        source=source,
        rater_id=rater_id,
        rated_at=at,
    )
    if level in NEGATIVE_LEVELS:
        policy = policy_current()
        rating.handling = Handling.VERIFYING
        rating.verify_deadline = worktime.add_working_days(at, policy.verify_working_days).deadline
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:
        raise _already_rated() from None
    ServiceEvent.objects.filter(pk=event.pk).update(rated=True)
    event.rated = True
    if rating.handling:
        _notify_negative_on_commit(rating)
    return rating


def _already_rated() -> Conflict:
    return Conflict("ratings.already_rated", _("This service has already been rated."))


def _notify_negative_on_commit(rating: Rating) -> None:
    rating_id = rating.pk

    def notify_department() -> None:
        from django.urls import reverse

        fresh = Rating.objects.select_related("event__organisation").filter(pk=rating_id).first()
        if fresh is None:
            return
        event = fresh.event
        notifications.send(
            template="ratings.negative",
            recipients=notifications.department_handlers(event.organisation_id),
            context={
                "item": event.item_name,
                "organisation": event.organisation.name,
                "level": fresh.get_level_display(),
                "deadline": _fmt(fresh.verify_deadline),
            },
            dedupe_key=f"ratings:rating:{rating_id}:negative",
            link=reverse("ratings:detail", args=[rating_id]),
        )

    transaction.on_commit(notify_department)


def rating_submit(
    *,
    actor,
    event_id: int,
    level: str,
    dimensions: dict | None = None,
    comment: str = "",
) -> Rating:
    """好差评 by the person served: only they may rate (anyone else: 404, as for a missing
    event), only once (409 ``ratings.already_rated``), only within the window (409
    ``ratings.window_closed``; ``ratings.not_rateable`` while the subject is reopened).
    A 差评 needs a comment and starts its handling: the department is told to verify."""
    with transaction.atomic():
        event = ServiceEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or not rater_matches(event, actor):
            raise NotFound("service event")
        scores, text = _clean_rating(event, level, dimensions, comment)
        at = clock.now()
        if event.rated:
            raise _already_rated()
        if event.rate_deadline is None:
            raise Conflict(
                "ratings.not_rateable",
                _("This service was reopened; it can be rated once it is completed again."),
            )
        if at > event.rate_deadline:
            raise Conflict(
                "ratings.window_closed",
                _("The time to rate this service has passed."),
            )
        rating = _store_rating(
            event=event,
            level=level,
            scores=scores,
            comment=text,
            source=Source.RATER,
            rater_id=actor.pk,
            at=at,
        )
        audit_record(
            actor=actor,
            action="ratings.rating.submit",
            obj=rating,
            changes={"event": event.pk, "level": level, "dimensions": scores},
        )
    return rating


def rating_record_callback(
    *,
    actor,
    subject_app: str,
    subject_key: str,
    level: str,
    comment: str = "",
    rated_at: dt.datetime | None = None,
) -> Rating | None:
    """The rating the person served gave on a callback (12345 回访), recorded by the calling
    app's service (which checked its own permission). Returns ``None`` when the subject has no
    event, and the stored rating unchanged when the event is already rated (the person rated
    online first): a callback never fails because of the rating."""
    if level not in Level.values:
        raise _invalid("level", "ratings.unknown_level", _("Unknown rating level."))
    with transaction.atomic():
        event = (
            ServiceEvent.objects.select_for_update()
            .filter(subject_app=subject_app, subject_key=subject_key)
            .first()
        )
        if event is None:
            return None
        if event.rated:
            return Rating.objects.filter(event=event).first()
        text = (comment or "").strip()[:COMMENT_MAX_LENGTH]
        rating = _store_rating(
            event=event,
            level=level,
            scores={},
            comment=text,
            source=Source.CALLBACK,
            rater_id=event.served_user_id,
            at=rated_at or clock.now(),
        )
        audit_record(
            actor=actor,
            action="ratings.rating.callback",
            obj=rating,
            changes={"event": event.pk, "level": level},
        )
    return rating


def rating_default_sweep(*, actor=None, at: dt.datetime | None = None) -> int:
    """基本满意 for every unrated event whose window has closed (rated at its deadline).
    Idempotent and safe beside a rater: an event rated meanwhile keeps its rating (the insert
    ignores the unique conflict). Returns how many defaults were applied."""
    at = at or clock.now()
    applied = 0
    while True:
        with transaction.atomic():
            batch = list(
                ServiceEvent.objects.filter(rated=False, rate_deadline__lt=at)
                .order_by("rate_deadline", "id")
                .values_list("pk", "rate_deadline")[:SWEEP_BATCH]
            )
            if not batch:
                break
            ids = [pk for pk, _deadline in batch]
            taken = set(Rating.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
            new = [
                Rating(
                    event_id=pk,
                    level=DEFAULT_LEVEL,
                    source=Source.DEFAULT,
                    rated_at=deadline,
                )
                for pk, deadline in batch
                if pk not in taken
            ]
            Rating.objects.bulk_create(new, ignore_conflicts=True)
            ServiceEvent.objects.filter(pk__in=ids).update(rated=True)
            applied += len(new)
            if new:
                audit_record(
                    actor=actor,
                    action="ratings.rating.default",
                    object_type="ratings.rating",
                    changes={
                        "count": len(new),
                        "level": str(DEFAULT_LEVEL),
                        "events": [r.event_id for r in new][:100],
                    },
                )
        if len(batch) < SWEEP_BATCH:
            break
    return applied
