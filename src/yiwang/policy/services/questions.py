"""Policy consultation (政策咨询): an enterprise user asks a question on a published item, the
issuing department answers it within ``YIWANG_POLICY_ANSWER_DAYS`` working days, and a good
answer becomes a public FAQ of the item.

Transitions (``QUESTION_MOVES``): open → answered; publishing an answered question creates the
FAQ through :func:`~yiwang.policy.services.faqs.faq_create` and links it (once). Notices go
through ``notify`` after the commit: the issuing organisation's policy officers hear of a new
question (inbox) and, once, of an overdue one (the hourly sweep :func:`questions_overdue_notify`);
the asker hears of the answer (inbox and SMS) without any personal data in the text.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang import config
from yiwang.core import facade as core
from yiwang.core import pii
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import AccountKind, Role
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.notify import facade as notify
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import QuestionStatus
from yiwang.policy.models import PolicyFAQ, Question
from yiwang.policy.services.common import invalid, raise_errors, text, transition, writer_check
from yiwang.policy.services.faqs import faq_create
from yiwang.worktime import facade as worktime

QS = QuestionStatus
QUESTION_MOVES = {"answer": {QS.OPEN: QS.ANSWERED}}
QUESTION_MIN, QUESTION_MAX = 5, 1000
ANSWER_MIN, ANSWER_MAX = 2, 5000
FAQ_QUESTION_MAX = PolicyFAQ._meta.get_field("question").max_length
AUDITED = ("item_id", "enterprise_id", "question", "status", "asked_at", "due_at", "answer",
           "answered_at", "answered_by_id", "faq_id")  # fmt: skip

# Default notification templates (an administrator's edits are kept by ``template_ensure``).
TEMPLATES: dict[str, tuple[str, str]] = {
    "policy.question_asked": (
        "新的政策咨询：{{ item }}",
        "{{ enterprise }}就政策事项“{{ item }}”提出咨询，请于 {{ deadline }} 前答复。",
    ),
    "policy.question_answered": (
        "您的政策咨询已答复",
        "您就政策事项“{{ item }}”提出的咨询已由{{ department }}答复，请登录企业服务台查看。",
    ),
    "policy.question_overdue": (
        "政策咨询已超期：{{ item }}",
        "就政策事项“{{ item }}”的一条咨询已超过答复时限（{{ deadline }}），请尽快答复。",
    ),
}


def answer_days() -> int:
    """Working days the issuing department has to answer (``YIWANG_POLICY_ANSWER_DAYS``)."""
    return max(0, int(config.get("YIWANG_POLICY_ANSWER_DAYS")))


def answer_due(asked_at: dt.datetime) -> dt.datetime:
    return worktime.add_working_days(asked_at, answer_days()).deadline


# --- notifications --------------------------------------------------------------------------------


def ensure_templates() -> None:
    for code, (subject, body) in TEMPLATES.items():
        notify.template_ensure(code, subject, body, name=code)


def _send(*, template: str, recipients: list, **kwargs) -> None:
    """``notify.send`` that registers this module's templates when they are missing."""
    if not recipients:
        return
    args = {"template_code": template, "recipients": recipients, **kwargs}
    try:
        notify.send(**args)
    except InvalidInput as exc:
        if exc.code != "notify.unknown_template":
            raise
        ensure_templates()
        notify.send(**args)


def officers_of(organisation_id: int) -> list:
    """Active policy officers inside the issuing organisation's subtree."""
    ref = core.organisation_by_id(organisation_id)
    if ref is None:
        return []
    ids = core.users_with_role(Role.POLICY_OFFICER, within=ref)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _notify_asked(question_id: int) -> None:
    question = (
        Question.objects.select_related("item__document", "enterprise")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        return
    document = question.item.document
    _send(
        template="policy.question_asked",
        recipients=officers_of(document.organisation_id),
        context={
            "item": question.item.title,
            "enterprise": question.enterprise.name if question.enterprise else "",
            "deadline": _local(question.due_at),
        },
        link=reverse("policy:questions") + "?status=open",
        dedupe_key=f"policy.question:{question.pk}:asked",
    )


def _notify_answered(question_id: int) -> None:
    question = (
        Question.objects.select_related("item__document__organisation", "asked_by")
        .filter(pk=question_id)
        .first()
    )
    if question is None or question.asked_by is None or not question.asked_by.is_active:
        return
    _send(
        template="policy.question_answered",
        recipients=[question.asked_by],
        channels=[notify.Channel.INBOX, notify.Channel.SMS],
        context={
            "item": question.item.title,
            "department": question.item.document.organisation.name,
        },
        link=reverse("policy:desk_questions"),
        dedupe_key=f"policy.question:{question.pk}:answered",
    )


def questions_overdue_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the officers of every open question past its due time — once per question (the
    dedupe key), however often the sweep runs. Returns the number of overdue questions."""
    now = now or timezone.now()
    overdue = list(
        Question.objects.filter(status=QS.OPEN, due_at__lt=now)
        .select_related("item__document")
        .order_by("due_at", "pk")
    )
    if not overdue:
        return 0
    ensure_templates()
    officers: dict[int, list] = {}
    items = []
    for question in overdue:
        org_id = question.item.document.organisation_id
        if org_id not in officers:
            officers[org_id] = officers_of(org_id)
        if not officers[org_id]:
            continue
        items.append(
            notify.Outgoing(
                template_code="policy.question_overdue",
                recipients=officers[org_id],
                context={"item": question.item.title, "deadline": _local(question.due_at)},
                link=reverse("policy:questions") + "?overdue=1",
                dedupe_key=f"policy.question:{question.pk}:overdue",
            )
        )
    if items:
        notify.send_many(items, skip_invalid=True)
    return len(overdue)


# --- writes ---------------------------------------------------------------------------------------


def question_ask(
    *,
    actor,
    item_id: int,
    question: str,
    uscc: str | None = None,
    at: dt.datetime | None = None,
) -> Question:
    """An enterprise user's question on a published item, for the enterprise they act for
    (``uscc``, else their first). 403 for anyone but enterprise users, 404 for an item that is
    not published or another enterprise's credit code, 422 for a question of fewer than 5 or
    more than 1000 characters. The same open question asked twice returns the first one.
    ``at`` (default: now) places the question in the past for the demo seed."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.kind != AccountKind.ENTERPRISE
    ):
        raise Forbidden(
            "policy.enterprise_only", _("Only enterprise users ask questions on policy items.")
        )
    seat = selectors.enterprise_seat_get(actor=actor, uscc=uscc)
    item = selectors.public_item_get(item_id=item_id)
    errors: list[dict] = []
    wording = text(question, "question", errors, limit=QUESTION_MAX, low=QUESTION_MIN)
    raise_errors(errors)
    if seat.enterprise is None:
        raise invalid(
            "uscc",
            "policy.no_registry_file",
            _("The registry has no file for your enterprise yet; ask again once it has one."),
        )
    with transaction.atomic():
        existing = Question.objects.filter(
            item=item,
            enterprise_id=seat.enterprise.id,
            asked_by=actor,
            question=wording,
            status=QS.OPEN,
        ).first()
        if existing is not None:  # a double submission
            return existing
        asked_at = at or timezone.now()
        created = Question.objects.create(
            item=item,
            enterprise_id=seat.enterprise.id,
            asked_by=actor,
            question=wording,
            asked_at=asked_at,
            due_at=answer_due(asked_at),
        )
        audit_record(
            actor=actor,
            action="policy.question.ask",
            obj=created,
            after=snapshot(created, AUDITED),
        )
        transaction.on_commit(lambda: _notify_asked(created.pk))
    return created


def _question_for_write(actor, question_id: int) -> Question:
    """The question, locked, if ``actor`` may answer it (403 without the role, 404 outside the
    officer's scope)."""
    writer_check(actor)
    qs = Question.objects.select_for_update().select_related("item", "item__document")
    if actor is not None:
        prefix = selectors.scope_prefix(actor, perms.MANAGE)
        if prefix is None:
            raise NotFound("policy question")
        qs = qs.filter(item__document__organisation__path__startswith=prefix)
    question = qs.filter(pk=question_id).first()
    if question is None:
        raise NotFound("policy question")
    return question


def question_answer(
    *,
    actor,
    question_id: int,
    answer: str,
    publish: bool = False,
    at: dt.datetime | None = None,
) -> Question:
    """The issuing department's answer (once: 409 for an answered question); with ``publish``
    it also becomes a public FAQ of the item in the same transaction. The asker is told after
    the commit (inbox and SMS). ``at`` (default: now) is for the demo seed."""
    with transaction.atomic():
        question = _question_for_write(actor, question_id)
        status = transition(QUESTION_MOVES, "answer", question.status, QuestionStatus)
        errors: list[dict] = []
        reply = text(answer, "answer", errors, limit=ANSWER_MAX, low=ANSWER_MIN)
        raise_errors(errors)
        before = snapshot(question, AUDITED)
        question.status = status
        question.answer = reply
        question.answered_at = at or timezone.now()
        question.answered_by = actor
        question.save(update_fields=["status", "answer", "answered_at", "answered_by"])
        audit_record(
            actor=actor,
            action="policy.question.answer",
            obj=question,
            before=before,
            after=snapshot(question, AUDITED),
        )
        if publish:
            faq = question_publish(actor=actor, question_id=question.pk)
            question.faq = faq
        transaction.on_commit(lambda: _notify_answered(question.pk))
    return question


def question_publish(
    *,
    actor,
    question_id: int,
    question: str | None = None,
    answer: str | None = None,
) -> PolicyFAQ:
    """Publish an answered question as a public FAQ of its item (once: 409 when it already
    is, or when it is not answered yet). The officer may reword ``question`` and ``answer``;
    by default they are the enterprise's question (ID and mobile numbers masked) and the
    answer. The FAQ carries no trace of who asked."""
    with transaction.atomic():
        record = _question_for_write(actor, question_id)
        if record.status != QS.ANSWERED:
            raise Conflict(
                "policy.question_not_answered", _("Answer the question before publishing it.")
            )
        if record.faq_id is not None:
            raise Conflict(
                "policy.question_already_published",
                _("This question is already published as a public FAQ."),
            )
        wording = str(question).strip() if question is not None else ""
        reply = str(answer).strip() if answer is not None else ""
        if not wording and len(record.question) > FAQ_QUESTION_MAX:
            raise invalid(
                "question",
                "policy.faq_question_too_long",
                _("The question is longer than an FAQ's %(n)d characters: shorten its wording.")
                % {"n": FAQ_QUESTION_MAX},
            )
        before = snapshot(record, AUDITED)
        faq = faq_create(
            actor=actor,
            item_id=record.item_id,
            data={
                "question": wording or pii.mask_text(record.question),
                "answer": reply or record.answer,
                "public": True,
            },
        )
        record.faq = faq
        record.save(update_fields=["faq"])
        audit_record(
            actor=actor,
            action="policy.question.publish",
            obj=record,
            before=before,
            after=snapshot(record, AUDITED),
        )
    return faq
