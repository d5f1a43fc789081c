"""差评 handling: an explicit transition table and one service per action.

verifying → (verify) → rectifying (a tracked rectification with a deadline in working days)
                     → feedback   (put right on the spot, or explained)
rectifying → (rectify) → feedback (late when after the deadline)
feedback → (feedback to the rater) → closed
verifying | rectifying | feedback → (appeal by the department) → appealed
appealed → (decision of the service authority) → closed and excluded (upheld)
                                                 → the state before the appeal (rejected)

An action not allowed in the current state is 409 ``ratings.illegal_transition``; a rating
outside the actor's organisation subtree is 404. Every action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.ratings import clock, notifications
from yiwang.ratings import permissions as perms
from yiwang.ratings.choices import Action, AppealDecision, Handling
from yiwang.ratings.models import Appeal, Rating
from yiwang.ratings.selectors import policy_current, scoped
from yiwang.worktime import facade as worktime

H = Handling
TEXT_MAX_LENGTH = 1000
RATING_FIELDS = (
    "handling",
    "held_handling",
    "excluded",
    "verified_at",
    "verification_note",
    "rectify_deadline",
    "rectified_at",
    "rectified_late",
    "rectification_note",
    "feedback_at",
    "feedback_text",
    "closed_at",
)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: decided by the service
    perm: str


TRANSITIONS: dict[str, Transition] = {
    Action.VERIFY: Transition(frozenset({H.VERIFYING}), None, perms.HANDLE),
    Action.RECTIFY: Transition(frozenset({H.RECTIFYING}), H.FEEDBACK, perms.HANDLE),
    Action.FEEDBACK: Transition(frozenset({H.FEEDBACK}), H.CLOSED, perms.HANDLE),
    Action.APPEAL: Transition(
        frozenset({H.VERIFYING, H.RECTIFYING, H.FEEDBACK}), H.APPEALED, perms.HANDLE
    ),
    Action.APPEAL_DECIDE: Transition(frozenset({H.APPEALED}), None, perms.DECIDE_APPEAL),
}


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > TEXT_MAX_LENGTH:
        message = _("Give a text of at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}
        raise InvalidInput(
            "ratings.invalid_text",
            message,
            errors=[{"field": field, "code": "ratings.invalid_text", "message": message}],
        )
    return text


def _load(actor, rating_id: int, action: str) -> Rating:
    """The rating locked for ``action``: 404 outside the actor's subtree or without the
    action's permission, 409 when its state does not allow the action."""
    rule = TRANSITIONS[action]
    qs = scoped(Rating.objects.select_for_update().select_related("event"), actor, rule.perm)
    rating = qs.filter(pk=rating_id).first()
    if rating is None:
        raise NotFound("rating")
    if rating.handling not in rule.sources:
        raise Conflict(
            "ratings.illegal_transition",
            _("%(action)s is not allowed for a rating in state %(state)s.")
            % {"action": Action(action).label, "state": rating.get_handling_display()},
        )
    return rating


def _save(rating: Rating) -> dict:
    """Write the handling fields; returns their new values for the audit record."""
    rating.save(update_fields=list(RATING_FIELDS))
    return snapshot(rating, RATING_FIELDS)


def rating_verify(*, actor, rating_id: int, note: str, rectify: bool) -> Rating:
    """核实回访: the department called the rater back. ``rectify`` → a tracked rectification
    with a deadline (the policy's working days); otherwise it was put right on the spot or
    explained, and feedback to the rater is next."""
    text = _text(note, "note")
    with transaction.atomic():
        rating = _load(actor, rating_id, Action.VERIFY)
        before = snapshot(rating, RATING_FIELDS)
        at = clock.now()
        rating.verified_at, rating.verification_note = at, text
        if rectify:
            days = policy_current().rectify_working_days
            rating.handling = H.RECTIFYING
            rating.rectify_deadline = worktime.add_working_days(at, days).deadline
        else:
            rating.handling = H.FEEDBACK
        audit_record(
            actor=actor,
            action=f"ratings.rating.{Action.VERIFY}",
            obj=rating,
            before=before,
            after=_save(rating),
        )
    return rating


def rating_rectify(*, actor, rating_id: int, note: str) -> Rating:
    """整改到位: what was put right; flagged late after the rectification deadline."""
    text = _text(note, "note")
    with transaction.atomic():
        rating = _load(actor, rating_id, Action.RECTIFY)
        before = snapshot(rating, RATING_FIELDS)
        at = clock.now()
        rating.handling = H.FEEDBACK
        rating.rectified_at, rating.rectification_note = at, text
        rating.rectified_late = bool(rating.rectify_deadline and at > rating.rectify_deadline)
        audit_record(
            actor=actor,
            action=f"ratings.rating.{Action.RECTIFY}",
            obj=rating,
            before=before,
            after=_save(rating),
        )
    return rating


def rating_feedback(*, actor, rating_id: int, text: str) -> Rating:
    """反馈: the outcome is told to the rater (inbox, or SMS to a phone-only rater); closed."""
    body = _text(text, "text")
    with transaction.atomic():
        rating = _load(actor, rating_id, Action.FEEDBACK)
        before = snapshot(rating, RATING_FIELDS)
        at = clock.now()
        rating.handling = H.CLOSED
        rating.feedback_at, rating.feedback_text, rating.closed_at = at, body, at
        audit_record(
            actor=actor,
            action=f"ratings.rating.{Action.FEEDBACK}",
            obj=rating,
            before=before,
            after=_save(rating),
        )
        _feedback_on_commit(rating.pk)
    return rating


def _feedback_on_commit(rating_id: int) -> None:
    def send() -> None:
        from yiwang.core import pii
        from yiwang.notify import facade as notify

        rating = Rating.objects.select_related("event__organisation", "event__served_user").get(
            pk=rating_id
        )
        event = rating.event
        if event.served_user is not None and event.served_user.is_active:
            recipients, channels = [event.served_user], [notify.Channel.INBOX]
        elif event.served_phone_encrypted:
            recipients = [pii.decrypt(event.served_phone_encrypted)]
            channels = [notify.Channel.SMS]
        else:
            return
        notifications.send(
            template="ratings.feedback",
            recipients=recipients,
            channels=channels,
            context={
                "item": event.item_name,
                "organisation": event.organisation.name,
                "feedback": rating.feedback_text,
            },
            dedupe_key=f"ratings:rating:{rating_id}:feedback",
        )

    transaction.on_commit(send)


def rating_appeal(*, actor, rating_id: int, reason: str) -> Rating:
    """申诉: the department contests a wrongful or malicious rating (once per rating); the
    handling waits for the service authority's decision."""
    text = _text(reason, "reason")
    with transaction.atomic():
        rating = _load(actor, rating_id, Action.APPEAL)
        if Appeal.objects.filter(rating=rating).exists():
            raise Conflict("ratings.appeal_exists", _("This rating has already been appealed."))
        before = snapshot(rating, RATING_FIELDS)
        at = clock.now()
        appeal = Appeal.objects.create(rating=rating, reason=text, filed_by=actor, filed_at=at)
        rating.held_handling, rating.handling = rating.handling, H.APPEALED
        audit_record(
            actor=actor,
            action=f"ratings.rating.{Action.APPEAL}",
            obj=rating,
            before=before,
            after=_save(rating),
        )
        event = rating.event

        def notify_authority() -> None:
            from django.urls import reverse

            notifications.send(
                template="ratings.appeal_filed",
                recipients=notifications.appeal_reviewers(event.organisation_id),
                context={
                    "item": event.item_name,
                    "organisation": event.organisation.name,
                    "reason": text,
                },
                dedupe_key=f"ratings:appeal:{appeal.pk}:filed",
                link=reverse("ratings:appeals"),
            )

        transaction.on_commit(notify_authority)
    return rating


def rating_appeal_decide(*, actor, rating_id: int, upheld: bool, note: str) -> Rating:
    """申诉复核 by the service authority: upheld → the rating is excluded from the statistics
    and its handling closed; rejected → the rating stands and handling resumes where it was."""
    text = _text(note, "note")
    with transaction.atomic():
        rating = _load(actor, rating_id, Action.APPEAL_DECIDE)
        appeal = Appeal.objects.select_for_update().get(rating=rating)
        before = snapshot(rating, RATING_FIELDS)
        at = clock.now()
        if upheld:
            rating.handling, rating.excluded, rating.closed_at = H.CLOSED, True, at
        else:
            rating.handling = rating.held_handling or H.VERIFYING
        rating.held_handling = ""
        appeal.decision = AppealDecision.UPHELD if upheld else AppealDecision.REJECTED
        appeal.decision_note, appeal.decided_by, appeal.decided_at = text, actor, at
        appeal.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=f"ratings.rating.{Action.APPEAL_DECIDE}",
            obj=rating,
            before=before,
            after=_save(rating),
        )
        event = rating.event
        decision = str(appeal.get_decision_display())
        appeal_id = appeal.pk

        def notify_department() -> None:
            from django.urls import reverse

            notifications.send(
                template="ratings.appeal_decided",
                recipients=notifications.department_handlers(event.organisation_id),
                context={
                    "item": event.item_name,
                    "organisation": event.organisation.name,
                    "decision": decision,
                    "note": text,
                },
                dedupe_key=f"ratings:appeal:{appeal_id}:decided",
                link=reverse("ratings:detail", args=[rating_id]),
            )

        transaction.on_commit(notify_department)
    return rating


__all__ = [
    "TRANSITIONS",
    "rating_appeal",
    "rating_appeal_decide",
    "rating_feedback",
    "rating_rectify",
    "rating_verify",
]
