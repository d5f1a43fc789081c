"""Reads of policy consultation (政策咨询), already scoped to the actor.

* Officers see the questions on items their organisation subtree (or city) issues — the same
  scope as the items (``selectors.scope_prefix``); a question outside it is 404.
* An enterprise user sees the questions of the enterprise they act for (every member of the
  enterprise, not only the asker).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, Value, When

from yiwang.core.errors import NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import QuestionStatus
from yiwang.policy.models import Question


def questions_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    """Questions on the items in ``actor``'s scope (none for public accounts)."""
    prefix = selectors.scope_prefix(actor, perm)
    if prefix is None:
        return Question.objects.none()
    return Question.objects.filter(
        item__document__organisation__path__startswith=prefix
    ).select_related("item", "item__document", "item__document__organisation", "enterprise")


def question_get(*, actor, question_id: int, perm: str = perms.VIEW) -> Question:
    question = questions_visible(actor=actor, perm=perm).filter(pk=question_id).first()
    if question is None:
        raise NotFound("policy question")
    return question


def queue_ordered(qs: QuerySet) -> QuerySet:
    """Open questions first, the nearest due date first; then the answered ones, newest
    answer first."""
    return qs.annotate(
        open_rank=Case(
            When(status=QuestionStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        open_due=Case(When(status=QuestionStatus.OPEN, then=F("due_at")), default=None),
    ).order_by("open_rank", F("open_due").asc(nulls_last=True), "-answered_at", "-pk")


def questions_queue(
    *, actor, status: str | None = None, overdue: bool = False, now: dt.datetime | None = None
) -> QuerySet:
    """The officer's queue: ``status`` (open / answered) and ``overdue`` filters."""
    qs = questions_visible(actor=actor)
    if status in QuestionStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=QuestionStatus.OPEN, due_at__lt=now)
    return queue_ordered(qs)


def question_counts(*, actor, now: dt.datetime, perm: str = perms.MANAGE) -> dict:
    """``{"open", "overdue", "next_due"}`` of the questions awaiting ``actor``'s answer."""
    return (
        questions_visible(actor=actor, perm=perm)
        .filter(status=QuestionStatus.OPEN)
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=now)),
            next_due=Min("due_at"),
        )
    )


def desk_questions(*, seat) -> QuerySet:
    """The questions of the enterprise of ``seat`` (an ``EnterpriseSeat`` of the user), newest
    first; none when the enterprise has no registry file."""
    if seat.enterprise is None:
        return Question.objects.none()
    return (
        Question.objects.filter(enterprise_id=seat.enterprise.id)
        .select_related("item", "item__document", "item__document__organisation", "enterprise")
        .order_by("-asked_at", "-pk")
    )


def desk_question_get(*, seat, question_id: int) -> Question:
    question = desk_questions(seat=seat).filter(pk=question_id).first()
    if question is None:
        raise NotFound("policy question")
    return question
