"""API of policy consultation (政策咨询) and enterprise requests (企业诉求), mounted under
/api/v1/policy/ by yiwang.api.

* Enterprise users: ``POST items/{id}/questions`` (ask on a published item), ``GET
  desk/questions`` and ``GET desk/questions/{id}`` (their enterprise's questions with
  answers); ``POST desk/requests`` (a 诉求 →
  an enterprise-lane 12345 work order), ``GET desk/requests`` and ``GET
  desk/requests/{number}`` (progress: status, steps, public timeline, approved reply). Another
  enterprise's credit code, question or request is 404; staff get 403.
* Officers (``policy.view`` to read, ``policy.manage`` to answer and publish; scope: the items
  their organisation subtree, or city, issues): ``GET questions``, ``GET questions/{id}``,
  ``POST questions/{id}/answer`` (409 when answered already) and ``POST
  questions/{id}/publish`` (a public FAQ of the item; the asker is never shown).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.api_base import keyset_page
from yiwang.hotline import facade as hotline
from yiwang.policy import permissions as perms
from yiwang.policy import selectors, selectors_consult
from yiwang.policy.api import PolicyFAQOut, _faq
from yiwang.policy.api_common import enterprise_user_of, officer_of
from yiwang.policy.choices import QuestionStatus
from yiwang.policy.models import Question
from yiwang.policy.services import questions as services

router = Router(tags=["policy"])

QuestionStatusName = Literal.__getitem__(tuple(QuestionStatus.values))


# --- schemas --------------------------------------------------------------------------------------


class PolicyConsultAskIn(Schema):
    question: str = Field(description="5 to 1000 characters")
    uscc: str | None = Field(
        None, description="the enterprise asking (one the caller acts for; default: the first)"
    )


class PolicyConsultQuestionOut(Schema):
    id: int
    item_id: int
    item_title: str
    organisation: str = Field(description="the issuing organisation, which answers")
    enterprise_uscc: str | None
    enterprise_name: str | None
    question: str
    status: str
    asked_at: dt.datetime
    due_at: dt.datetime = Field(description="the answer is due by (working days, worktime)")
    overdue: bool
    answer: str
    answered_at: dt.datetime | None
    faq_id: int | None = Field(description="the public FAQ made of it, if published")
    item_url: str


class PolicyConsultQuestionPageOut(Schema):
    items: list[PolicyConsultQuestionOut]
    next_cursor: str | None = None


class PolicyConsultQueueQueryIn(Schema):
    status: QuestionStatusName | None = None  # type: ignore[valid-type]
    overdue: bool = Field(False, description="only open questions past their due time")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyConsultDeskQueryIn(Schema):
    uscc: str | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyConsultAnswerIn(Schema):
    answer: str = Field(description="2 to 5000 characters")
    publish: bool = Field(False, description="also publish it as a public FAQ of the item")


class PolicyConsultPublishIn(Schema):
    question: str | None = Field(
        None, description="the FAQ's wording of the question (default: the question, masked)"
    )
    answer: str | None = Field(None, description="the FAQ's answer (default: the answer)")


class PolicyConsultRequestIn(Schema):
    uscc: str | None = Field(None, description="the enterprise (default: the caller's first)")
    category: str = Field(description="a hotline category: consult, help, complaint, …")
    title: str = Field("", max_length=200)
    content: str
    contact_phone: str | None = Field(None, description="default: the caller's mobile")
    idempotency_key: str | None = Field(None, max_length=60)


class PolicyConsultEventOut(Schema):
    label: str
    at: dt.datetime


class PolicyConsultRequestOut(Schema):
    number: str
    title: str
    content: str
    category: str
    category_label: str
    status: str
    status_label: str
    lane: str
    received_at: dt.datetime
    sign_deadline: dt.datetime | None
    reply_deadline: dt.datetime | None
    closed_at: dt.datetime | None
    unit: str = Field(description="the responsible unit (empty until dispatched)")
    step: int | None = Field(description="index into steps reached (null: left the normal flow)")
    steps: list[str]
    reply: str = Field(description="the reply once the hotline centre approved it")
    last_event: PolicyConsultEventOut | None
    timeline: list[PolicyConsultEventOut]


class PolicyConsultRequestPageOut(Schema):
    items: list[PolicyConsultRequestOut]
    total: int


class PolicyConsultRequestQueryIn(Schema):
    uscc: str | None = None
    limit: int = Field(30, ge=1, le=200)
    offset: int = Field(0, ge=0)


# --- shaping --------------------------------------------------------------------------------------


def _question(q: Question, now: dt.datetime) -> dict:
    return {
        "id": q.pk,
        "item_id": q.item_id,
        "item_title": q.item.title,
        "organisation": q.item.document.organisation.name,
        "enterprise_uscc": q.enterprise.uscc if q.enterprise else None,
        "enterprise_name": q.enterprise.name if q.enterprise else None,
        "question": q.question,
        "status": q.status,
        "asked_at": q.asked_at,
        "due_at": q.due_at,
        "overdue": q.status == QuestionStatus.OPEN and q.due_at < now,
        "answer": q.answer,
        "answered_at": q.answered_at,
        "faq_id": q.faq_id,
        "item_url": reverse("policy:public_item", args=[q.item_id]),
    }


def _request(r: hotline.EnterpriseRequestRef) -> dict:
    def event(e):
        return {"label": e.label, "at": e.at}

    return {
        "number": r.number,
        "title": r.title,
        "content": r.content,
        "category": r.category,
        "category_label": r.category_label,
        "status": r.status,
        "status_label": r.status_label,
        "lane": r.lane,
        "received_at": r.received_at,
        "sign_deadline": r.sign_deadline,
        "reply_deadline": r.reply_deadline,
        "closed_at": r.closed_at,
        "unit": r.unit,
        "step": r.step,
        "steps": list(r.steps),
        "reply": r.reply,
        "last_event": event(r.last_event) if r.last_event else None,
        "timeline": [event(e) for e in r.timeline],
    }


# --- questions ------------------------------------------------------------------------------------


@router.post(
    "/items/{item_id}/questions",
    response={201: PolicyConsultQuestionOut},
    operation_id="policy_consult_question_ask",
    summary="Ask the issuing department a question on a published item (enterprise users)",
)
def question_ask(request: HttpRequest, item_id: int, payload: PolicyConsultAskIn):
    question = services.question_ask(
        actor=request.user, item_id=item_id, question=payload.question, uscc=payload.uscc
    )
    question = Question.objects.select_related("item__document__organisation", "enterprise").get(
        pk=question.pk
    )
    return HttpStatus(201, _question(question, timezone.now()))


@router.get(
    "/desk/questions",
    response=PolicyConsultQuestionPageOut,
    operation_id="policy_consult_desk_questions",
    summary="The questions of the caller's enterprise with their answers, newest first",
)
def desk_questions(request: HttpRequest, query: Query[PolicyConsultDeskQueryIn]):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=query.uscc)
    qs = selectors_consult.desk_questions(seat=seat)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    now = timezone.now()
    return {"items": [_question(q, now) for q in items], "next_cursor": next_cursor}


@router.get(
    "/desk/questions/{question_id}",
    response=PolicyConsultQuestionOut,
    operation_id="policy_consult_desk_question_get",
    summary="One question of the caller's enterprise (another enterprise's is 404)",
)
def desk_question_get(request: HttpRequest, question_id: int, uscc: str | None = None):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=uscc)
    question = selectors_consult.desk_question_get(seat=seat, question_id=question_id)
    return _question(question, timezone.now())


@router.get(
    "/questions",
    response=PolicyConsultQuestionPageOut,
    operation_id="policy_consult_question_list",
    summary="Questions on the items in the caller's scope, newest first (officers)",
)
def question_list(request: HttpRequest, query: Query[PolicyConsultQueueQueryIn]):
    actor = officer_of(request)
    now = timezone.now()
    qs = selectors_consult.questions_visible(actor=actor)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.overdue:
        qs = qs.filter(status=QuestionStatus.OPEN, due_at__lt=now)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": [_question(q, now) for q in items], "next_cursor": next_cursor}


@router.get(
    "/questions/{question_id}",
    response=PolicyConsultQuestionOut,
    operation_id="policy_consult_question_get",
    summary="One question on an item in the caller's scope (officers)",
)
def question_get(request: HttpRequest, question_id: int):
    actor = officer_of(request)
    question = selectors_consult.question_get(actor=actor, question_id=question_id)
    return _question(question, timezone.now())


@router.post(
    "/questions/{question_id}/answer",
    response=PolicyConsultQuestionOut,
    operation_id="policy_consult_question_answer",
    summary="Answer a question (once; 409 when answered) and optionally publish it as FAQ",
)
def question_answer(request: HttpRequest, question_id: int, payload: PolicyConsultAnswerIn):
    actor = officer_of(request, perms.MANAGE)
    services.question_answer(
        actor=actor, question_id=question_id, answer=payload.answer, publish=payload.publish
    )
    question = selectors_consult.question_get(actor=actor, question_id=question_id)
    return _question(question, timezone.now())


@router.post(
    "/questions/{question_id}/publish",
    response={201: PolicyFAQOut},
    operation_id="policy_consult_question_publish",
    summary="Publish an answered question as a public FAQ of its item (reworded if given)",
)
def question_publish(request: HttpRequest, question_id: int, payload: PolicyConsultPublishIn):
    actor = officer_of(request, perms.MANAGE)
    faq = services.question_publish(
        actor=actor, question_id=question_id, question=payload.question, answer=payload.answer
    )
    return HttpStatus(201, _faq(faq))


# --- enterprise requests (诉求) -------------------------------------------------------------------


@router.post(
    "/desk/requests",
    response={200: PolicyConsultRequestOut, 201: PolicyConsultRequestOut},
    operation_id="policy_consult_request_create",
    summary="Raise a request (诉求): an enterprise-lane 12345 work order (200 on a replayed "
    "idempotency key)",
)
def request_create(request: HttpRequest, payload: PolicyConsultRequestIn):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=payload.uscc)
    phone = payload.contact_phone if payload.contact_phone is not None else actor.mobile
    created, new = hotline.enterprise_request_submit(
        actor=actor,
        uscc=seat.uscc,
        enterprise_name=seat.name,
        category=payload.category,
        title=payload.title,
        content=payload.content,
        contact_phone=phone,
        idempotency_key=payload.idempotency_key,
    )
    return HttpStatus(201 if new else 200, _request(created))


@router.get(
    "/desk/requests",
    response=PolicyConsultRequestPageOut,
    operation_id="policy_consult_request_list",
    summary="The requests of the caller's enterprise with status and latest progress",
)
def request_list(request: HttpRequest, query: Query[PolicyConsultRequestQueryIn]):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=query.uscc)
    rows, total = hotline.enterprise_requests(
        actor=actor, usccs=[seat.uscc], limit=query.limit, offset=query.offset
    )
    return {"items": [_request(r) for r in rows], "total": total}


@router.get(
    "/desk/requests/{number}",
    response=PolicyConsultRequestOut,
    operation_id="policy_consult_request_get",
    summary="One request of the caller's enterprise: steps, public timeline, approved reply",
)
def request_get(request: HttpRequest, number: str, uscc: str | None = None):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=uscc)
    return _request(hotline.enterprise_request_detail(actor=actor, uscc=seat.uscc, number=number))
