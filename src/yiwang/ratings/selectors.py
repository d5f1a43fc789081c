"""Reads of 好差评, already scoped to the actor.

* The person served sees their own events (by account, or — for a phone-only service such as
  a 12345 call — by the account's mobile number matching the phone digest).
* Staff see ratings of services delivered inside their organisation subtree (``ratings.view``);
  an invisible rating answers 404 exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from yiwang.core import pii
from yiwang.core.choices import AccountKind
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm
from yiwang.ratings import permissions as perms
from yiwang.ratings.choices import Handling
from yiwang.ratings.models import Rating, RatingPolicy, ServiceEvent


def policy_current() -> RatingPolicy:
    """The one policy row (created with the defaults on first use)."""
    policy = RatingPolicy.objects.order_by("pk").first()
    if policy is None:
        policy, _created = RatingPolicy.objects.get_or_create(pk=1)
    return policy


PUBLIC_KINDS = frozenset({AccountKind.CITIZEN, AccountKind.ENTERPRISE})


def _public_account(actor) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.kind in PUBLIC_KINDS
    )


def _served_q(actor) -> Q:
    q = Q(served_user_id=actor.pk)
    mobile = (getattr(actor, "mobile", "") or "").strip()
    if mobile:
        q |= Q(served_user__isnull=True, served_phone_digest=pii.digest(mobile))
    return q


def rater_matches(event: ServiceEvent, actor) -> bool:
    """Whether ``actor`` is the person ``event`` served."""
    if not _public_account(actor):
        return False
    if event.served_user_id is not None:
        return event.served_user_id == actor.pk
    mobile = (getattr(actor, "mobile", "") or "").strip()
    return bool(mobile) and event.served_phone_digest == pii.digest(mobile)


def events_served(*, actor) -> QuerySet:
    """Every service event of the person ``actor`` (none for staff and anonymous users)."""
    if not _public_account(actor):
        return ServiceEvent.objects.none()
    return ServiceEvent.objects.filter(_served_q(actor)).select_related("organisation", "rating")


def events_to_rate(*, actor, at: dt.datetime | None = None) -> QuerySet:
    """The actor's services still waiting for a rating, the closest deadline first."""
    at = at or timezone.now()
    return (
        events_served(actor=actor)
        .filter(rated=False, rate_deadline__gte=at)
        .order_by("rate_deadline", "id")
    )


def event_for_rater(*, actor, event_id: int) -> ServiceEvent:
    """One event of the person served; 404 for anyone else, as for a missing event."""
    event = events_served(actor=actor).filter(pk=event_id).first()
    if event is None:
        raise NotFound("service event")
    return event


def scope_prefix(actor, perm: str) -> str | None:
    """The organisation-path prefix of the services whose ratings ``actor`` reaches with
    ``perm``: a department its own subtree; the service authority (``ratings.decide_appeal``)
    its whole city, as appeals come from every department; ``""`` for a superuser; ``None``
    without the permission or an organisation (public accounts reach no rating this way)."""
    if not has_perm(actor, perm) or getattr(actor, "kind", None) in PUBLIC_KINDS:
        return None
    if getattr(actor, "is_superuser", False):
        return ""
    org = getattr(actor, "organisation", None)
    if org is None:
        return None
    if has_perm(actor, perms.DECIDE_APPEAL) and perm in (perms.VIEW, perms.DECIDE_APPEAL):
        return f"/{org.path.strip('/').split('/')[0]}/"
    return org.path


def scoped(qs: QuerySet, actor, perm: str) -> QuerySet:
    """``qs`` of ratings limited to the actor's scope for ``perm``."""
    prefix = scope_prefix(actor, perm)
    if prefix is None:
        return qs.none()
    return qs.filter(event__organisation__path__startswith=prefix) if prefix else qs


def ratings_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    """Ratings of services delivered inside the actor's scope (see :func:`scope_prefix`)."""
    return scoped(
        Rating.objects.select_related("event__organisation", "event__district", "appeal"),
        actor,
        perm,
    )


# the worklist shows what needs the department first
HANDLING_ORDER = (
    Handling.VERIFYING,
    Handling.RECTIFYING,
    Handling.FEEDBACK,
    Handling.APPEALED,
    Handling.CLOSED,
)


def overdue_q(at: dt.datetime) -> Q:
    return Q(handling=Handling.VERIFYING, verify_deadline__lt=at) | Q(
        handling=Handling.RECTIFYING, rectify_deadline__lt=at
    )


def negative_list(*, actor, state: str = "open") -> QuerySet:
    """差评 of the actor's subtree: ``open`` (still handled), ``overdue``, ``closed`` or
    ``all``; waiting for verification first, then by stage and deadline."""
    qs = ratings_visible(actor=actor).exclude(handling=Handling.NONE)
    if state == "open":
        qs = qs.exclude(handling=Handling.CLOSED)
    elif state == "closed":
        qs = qs.filter(handling=Handling.CLOSED)
    elif state == "overdue":
        qs = qs.filter(overdue_q(timezone.now()))
    stage = Case(
        *(When(handling=h, then=Value(n)) for n, h in enumerate(HANDLING_ORDER)),
        default=Value(len(HANDLING_ORDER)),
        output_field=IntegerField(),
    )
    return qs.order_by(stage, "verify_deadline", "rated_at", "id")


def rating_get(*, actor, rating_id: int) -> Rating:
    rating = ratings_visible(actor=actor).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound("rating")
    return rating


def appeals_pending(*, actor) -> QuerySet:
    """Appeals waiting for the actor's decision (service authority of the subtree)."""
    if not has_perm(actor, perms.DECIDE_APPEAL):
        return Rating.objects.none()
    return (
        ratings_visible(actor=actor, perm=perms.DECIDE_APPEAL)
        .filter(handling=Handling.APPEALED)
        .order_by("appeal__filed_at", "id")
    )


def is_overdue(rating: Rating, at: dt.datetime | None = None) -> bool:
    at = at or timezone.now()
    if rating.handling == Handling.VERIFYING:
        return bool(rating.verify_deadline and at > rating.verify_deadline)
    if rating.handling == Handling.RECTIFYING:
        return bool(rating.rectify_deadline and at > rating.rectify_deadline)
    return False
