"""The policy API, mounted at /api/v1/policy.

* Officers (``policy.view`` to read, ``policy.manage`` to write; scope: their organisation
  subtree, or city): documents and items CRUD with publish / withdraw / revise, FAQ,
  attachments, ``POST rules/check`` (text or AST → canonical AST, text, live count, warnings;
  422 with line and column) and ``GET items/{id}/explain?uscc=``.
* Enterprise users: ``GET calculator`` (their enterprise, or ``?uscc=`` of one they act for)
  and the explanation of a published item for their own enterprise; another enterprise's
  credit code is 404.
* Everyone (no sign-in): ``GET public/items`` and ``GET public/items/{id}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.api_base import keyset_page
from yiwang.core.choices import AccountKind
from yiwang.core.errors import Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import require_perm
from yiwang.policy import permissions as perms
from yiwang.policy import rules, selectors, services
from yiwang.policy.analysis import calculator, explanation, rule_check
from yiwang.policy.api_common import officer_of
from yiwang.policy.choices import DocumentStatus, ItemKind, ItemStatus
from yiwang.policy.describe import Row
from yiwang.policy.models import PolicyAttachment, PolicyDocument, PolicyFAQ, PolicyItem
from yiwang.policy.services.documents import listing_deadline

router = Router(tags=["policy"])

DocumentStatusName = Literal.__getitem__(tuple(DocumentStatus.values))
ItemStatusName = Literal.__getitem__(tuple(ItemStatus.values))
ItemKindName = Literal.__getitem__(tuple(ItemKind.values))


# --- schemas --------------------------------------------------------------------------------------


class PolicyOrgOut(Schema):
    id: int
    name: str


class PolicyAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    download_url: str


class PolicyDocumentIn(Schema):
    title: str = Field(max_length=200)
    organisation_id: int = Field(description="issuing organisation, inside the caller's scope")
    document_number: str = Field(
        max_length=40, description="文号: issuer〔year〕number号, e.g. 珠府〔2026〕12号"
    )
    issue_date: dt.date
    effective_from: dt.date
    effective_to: dt.date | None = None
    full_text: str = ""
    interpretation: str = Field("", description="解读")


class PolicyDocumentPatchIn(Schema):
    title: str | None = Field(None, max_length=200)
    organisation_id: int | None = None
    document_number: str | None = Field(None, max_length=40)
    issue_date: dt.date | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    full_text: str | None = None
    interpretation: str | None = None
    revision: int | None = Field(None, description="the revision read; 409 if saved since")


class PolicyDocumentOut(Schema):
    id: int
    title: str
    organisation: PolicyOrgOut
    document_number: str
    issue_date: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    full_text: str
    interpretation: str
    status: str
    listed_at: dt.datetime | None
    listed_on_time: bool | None = Field(
        description="listed within 7 working days of the issue date (null before listing)"
    )
    listing_deadline: dt.datetime
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    revision: int
    item_ids: list[int]
    attachments: list[PolicyAttachmentOut]


class PolicyDocumentPageOut(Schema):
    items: list[PolicyDocumentOut]
    next_cursor: str | None = None


class PolicyDocumentQueryIn(Schema):
    status: DocumentStatusName | None = None  # type: ignore[valid-type]
    q: str | None = Field(None, max_length=100, description="words of the title or number")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyItemFields(Schema):
    title: str | None = Field(None, max_length=200)
    kind: ItemKindName | None = None  # type: ignore[valid-type]
    benefit: str | None = None
    amount_cap: Decimal | None = Field(None, description="10,000 yuan")
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    materials: list[str] | None = None
    contact_department: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=24)
    exempt_application: bool | None = Field(None, description="免申即享")
    sort_order: int | None = Field(None, ge=0, le=32767)
    rule: dict[str, Any] | None = Field(
        None, description="the eligibility rule as an AST (wins over rule_text)"
    )
    rule_text: str | None = Field(None, description="the eligibility rule as text")


class PolicyItemIn(PolicyItemFields):
    document_id: int
    title: str = Field(max_length=200)
    kind: ItemKindName  # type: ignore[valid-type]
    benefit: str


class PolicyItemPatchIn(PolicyItemFields):
    revision: int | None = Field(None, description="the revision read; 409 if saved since")


class PolicyItemOut(Schema):
    id: int
    document_id: int
    title: str
    kind: str
    benefit: str
    amount_cap: Decimal | None
    window_start: dt.date | None
    window_end: dt.date | None
    materials: list[str]
    contact_department: str
    contact_phone: str
    rule: dict[str, Any] | None
    rule_text: str
    exempt_application: bool
    status: str
    version: int
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    revision: int
    public_url: str | None


class PolicyItemPageOut(Schema):
    items: list[PolicyItemOut]
    next_cursor: str | None = None


class PolicyItemQueryIn(Schema):
    document_id: int | None = None
    status: ItemStatusName | None = None  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyWithdrawIn(Schema):
    reason: str = Field(max_length=500)


class PolicyFAQIn(Schema):
    question: str = Field(max_length=500)
    answer: str
    public: bool = True
    sort_order: int | None = Field(None, ge=0, le=32767)


class PolicyFAQPatchIn(Schema):
    question: str | None = Field(None, max_length=500)
    answer: str | None = None
    public: bool | None = None
    sort_order: int | None = Field(None, ge=0, le=32767)


class PolicyFAQOut(Schema):
    id: int
    item_id: int
    question: str
    answer: str
    public: bool
    sort_order: int


class PolicyRuleCheckIn(Schema):
    text: str | None = Field(None, description="the rule as text")
    rule: dict[str, Any] | None = Field(None, description="the rule as an AST (wins over text)")
    document_id: int | None = Field(
        None, description="count over the registry of this document's city (else the caller's)"
    )
    exempt_application: bool = Field(
        False, description="also warn about fields a 免申即享 item may not use"
    )


class PolicyRuleCheckOut(Schema):
    rule: dict[str, Any] = Field(description="the canonical AST")
    text: str = Field(description="the canonical text")
    count: int = Field(description="enterprises of the city meeting the rule now")
    warnings: list[str]
    fields: list[str] = Field(description="profile fields the rule reads")


class PolicyConditionOut(Schema):
    text: str = Field(description="the condition in words (the request's language)")
    rule: str = Field(description="the condition as rule text")
    passed: bool
    kind: str = Field(description="all, any, not or condition")
    actual: str = Field(description="the enterprise's value(s) it looked at")
    children: list[PolicyConditionOut]


class PolicyExplanationOut(Schema):
    item_id: int
    item_title: str
    uscc: str
    enterprise_name: str
    evaluated_on: dt.date
    eligible: bool
    conditions: PolicyConditionOut | None = Field(description="null when the item has no rule")


class PolicyCalculatorItemOut(Schema):
    id: int
    title: str
    kind: str
    exempt_application: bool
    document_title: str
    document_number: str
    public_url: str


class PolicyMissedOut(Schema):
    item: PolicyCalculatorItemOut
    missing: list[PolicyConditionOut]


class PolicyCalculatorOut(Schema):
    uscc: str
    name: str
    has_file: bool = Field(description="whether the registry holds a file of this enterprise")
    evaluated_on: dt.date
    qualifying: list[PolicyCalculatorItemOut]
    others: list[PolicyMissedOut]


class PolicyPublicItemOut(Schema):
    id: int
    title: str
    kind: str
    benefit: str
    amount_cap: Decimal | None
    window_start: dt.date | None
    window_end: dt.date | None
    materials: list[str]
    contact_department: str
    contact_phone: str
    rule_text: str
    exempt_application: bool
    version: int
    published_at: dt.datetime | None
    document_title: str
    document_number: str
    organisation: PolicyOrgOut
    faqs: list[PolicyFAQOut]


class PolicyPublicItemPageOut(Schema):
    items: list[PolicyPublicItemOut]
    next_cursor: str | None = None


class PolicyPublicQueryIn(Schema):
    kind: ItemKindName | None = None  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


# --- shaping --------------------------------------------------------------------------------------


def _attachment(a: PolicyAttachment) -> dict:
    return {
        "id": a.pk,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_at": a.uploaded_at,
        "download_url": reverse("policy:attachment", args=[a.pk]),
    }


def _document(d: PolicyDocument) -> dict:
    return {
        "id": d.pk,
        "title": d.title,
        "organisation": {"id": d.organisation_id, "name": d.organisation.name},
        "document_number": d.document_number,
        "issue_date": d.issue_date,
        "effective_from": d.effective_from,
        "effective_to": d.effective_to,
        "full_text": d.full_text,
        "interpretation": d.interpretation,
        "status": d.status,
        "listed_at": d.listed_at,
        "listed_on_time": d.listed_on_time,
        "listing_deadline": listing_deadline(d.issue_date),
        "withdrawn_at": d.withdrawn_at,
        "withdraw_reason": d.withdraw_reason,
        "revision": d.revision,
        # .all() and sorting here: the list prefetches both (no query per document)
        "item_ids": [i.pk for i in sorted(d.items.all(), key=lambda i: (i.sort_order, i.pk))],
        "attachments": [_attachment(a) for a in sorted(d.attachments.all(), key=lambda a: a.pk)],
    }


def _item(i: PolicyItem) -> dict:
    public = i.status == ItemStatus.PUBLISHED
    return {
        "id": i.pk,
        "document_id": i.document_id,
        "title": i.title,
        "kind": i.kind,
        "benefit": i.benefit,
        "amount_cap": i.amount_cap,
        "window_start": i.window_start,
        "window_end": i.window_end,
        "materials": list(i.materials or []),
        "contact_department": i.contact_department,
        "contact_phone": i.contact_phone,
        "rule": i.rule,
        "rule_text": i.rule_text,
        "exempt_application": i.exempt_application,
        "status": i.status,
        "version": i.version,
        "published_at": i.published_at,
        "withdrawn_at": i.withdrawn_at,
        "withdraw_reason": i.withdraw_reason,
        "revision": i.revision,
        "public_url": reverse("policy:public_item", args=[i.pk]) if public else None,
    }


def _faq(f: PolicyFAQ) -> dict:
    return {
        "id": f.pk,
        "item_id": f.item_id,
        "question": f.question,
        "answer": f.answer,
        "public": f.public,
        "sort_order": f.sort_order,
    }


def _row(row: Row) -> dict:
    return {
        "text": row.text,
        "rule": row.rule,
        "passed": row.passed,
        "kind": row.kind,
        "actual": row.actual,
        "children": [_row(c) for c in row.children],
    }


def _calc_item(i: PolicyItem) -> dict:
    return {
        "id": i.pk,
        "title": i.title,
        "kind": i.kind,
        "exempt_application": i.exempt_application,
        "document_title": i.document.title,
        "document_number": i.document.document_number,
        "public_url": reverse("policy:public_item", args=[i.pk]),
    }


# --- documents ------------------------------------------------------------------------------------


@router.get(
    "/documents",
    response=PolicyDocumentPageOut,
    operation_id="policy_document_list",
    summary="Policy documents in the caller's scope, newest first",
)
def document_list(request: HttpRequest, query: Query[PolicyDocumentQueryIn]):
    actor = officer_of(request)
    qs = selectors.documents_visible(actor=actor)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.q:
        qs = qs.filter(Q(title__icontains=query.q) | Q(document_number__icontains=query.q))
    qs = qs.prefetch_related("items", "attachments")
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": [_document(d) for d in items], "next_cursor": next_cursor}


@router.post(
    "/documents",
    response={201: PolicyDocumentOut},
    operation_id="policy_document_create",
    summary="Create a draft policy document (文号 validated and unique)",
)
def document_create(request: HttpRequest, payload: PolicyDocumentIn):
    actor = officer_of(request, perms.MANAGE)
    document = services.document_create(actor=actor, data=payload.dict())
    return HttpStatus(201, _document(document))


@router.get(
    "/documents/{document_id}",
    response=PolicyDocumentOut,
    operation_id="policy_document_get",
    summary="One policy document with its attachments and item ids",
)
def document_get(request: HttpRequest, document_id: int):
    actor = officer_of(request)
    return _document(selectors.document_get(actor=actor, document_id=document_id))


@router.patch(
    "/documents/{document_id}",
    response=PolicyDocumentOut,
    operation_id="policy_document_update",
    summary="Change fields of a draft or published document (409 on a stale revision)",
)
def document_update(request: HttpRequest, document_id: int, payload: PolicyDocumentPatchIn):
    actor = officer_of(request, perms.MANAGE)
    data = payload.dict(exclude_unset=True)
    revision = data.pop("revision", None)
    document = services.document_update(
        actor=actor, document_id=document_id, data=data, revision=revision
    )
    return _document(document)


@router.delete(
    "/documents/{document_id}",
    response={204: None},
    operation_id="policy_document_delete",
    summary="Delete a draft document that was never published",
)
def document_delete(request: HttpRequest, document_id: int):
    actor = officer_of(request, perms.MANAGE)
    services.document_delete(actor=actor, document_id=document_id)
    return HttpStatus(204, None)


@router.post(
    "/documents/{document_id}/publish",
    response=PolicyDocumentOut,
    operation_id="policy_document_publish",
    summary="List a draft document (records listed_at and the 7-working-day check)",
)
def document_publish(request: HttpRequest, document_id: int):
    actor = officer_of(request, perms.MANAGE)
    return _document(services.document_publish(actor=actor, document_id=document_id))


@router.post(
    "/documents/{document_id}/withdraw",
    response=PolicyDocumentOut,
    operation_id="policy_document_withdraw",
    summary="Withdraw a published document and its published items",
)
def document_withdraw(request: HttpRequest, document_id: int, payload: PolicyWithdrawIn):
    actor = officer_of(request, perms.MANAGE)
    document = services.document_withdraw(
        actor=actor, document_id=document_id, reason=payload.reason
    )
    return _document(document)


@router.post(
    "/documents/{document_id}/attachments",
    response={201: PolicyAttachmentOut},
    operation_id="policy_attachment_add",
    summary="Attach a file (multipart field 'file': PDF, Word, Excel, JPEG, PNG; ≤ 20 MB)",
)
def attachment_add(request: HttpRequest, document_id: int, file: File[UploadedFile]):
    actor = officer_of(request, perms.MANAGE)
    attachment = services.attachment_add(actor=actor, document_id=document_id, uploaded=file)
    return HttpStatus(201, _attachment(attachment))


@router.delete(
    "/attachments/{attachment_id}",
    response={204: None},
    operation_id="policy_attachment_remove",
    summary="Remove an attachment of a document that is not withdrawn",
)
def attachment_remove(request: HttpRequest, attachment_id: int):
    actor = officer_of(request, perms.MANAGE)
    services.attachment_remove(actor=actor, attachment_id=attachment_id)
    return HttpStatus(204, None)


# --- items ----------------------------------------------------------------------------------------


@router.get(
    "/items",
    response=PolicyItemPageOut,
    operation_id="policy_item_list",
    summary="Policy items in the caller's scope (drafts included), newest first",
)
def item_list(request: HttpRequest, query: Query[PolicyItemQueryIn]):
    actor = officer_of(request)
    qs = selectors.items_visible(actor=actor)
    if query.document_id is not None:
        qs = qs.filter(document_id=query.document_id)
    if query.status:
        qs = qs.filter(status=query.status)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": [_item(i) for i in items], "next_cursor": next_cursor}


def _item_data(payload: PolicyItemFields) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("document_id", None)
    data.pop("revision", None)
    return data


@router.post(
    "/items",
    response={201: PolicyItemOut},
    operation_id="policy_item_create",
    summary="Create a draft item of a document, its rule as AST (rule) or text (rule_text)",
)
def item_create(request: HttpRequest, payload: PolicyItemIn):
    actor = officer_of(request, perms.MANAGE)
    data = _item_data(payload)
    rule, rule_text = data.pop("rule", None), data.pop("rule_text", None)
    item = services.item_create(
        actor=actor, document_id=payload.document_id, data=data, rule=rule, rule_text=rule_text
    )
    return HttpStatus(201, _item(item))


@router.get(
    "/items/{item_id}",
    response=PolicyItemOut,
    operation_id="policy_item_get",
    summary="One policy item with its rule (AST and text)",
)
def item_get(request: HttpRequest, item_id: int):
    actor = officer_of(request)
    return _item(selectors.item_get(actor=actor, item_id=item_id))


@router.patch(
    "/items/{item_id}",
    response=PolicyItemOut,
    operation_id="policy_item_update",
    summary="Change fields of a draft item (rule: AST or text; 409 on a stale revision)",
)
def item_update(request: HttpRequest, item_id: int, payload: PolicyItemPatchIn):
    actor = officer_of(request, perms.MANAGE)
    data = _item_data(payload)
    item = services.item_update(actor=actor, item_id=item_id, data=data, revision=payload.revision)
    return _item(item)


@router.delete(
    "/items/{item_id}",
    response={204: None},
    operation_id="policy_item_delete",
    summary="Delete a draft item that was never published",
)
def item_delete(request: HttpRequest, item_id: int):
    actor = officer_of(request, perms.MANAGE)
    services.item_delete(actor=actor, item_id=item_id)
    return HttpStatus(204, None)


@router.post(
    "/items/{item_id}/publish",
    response=PolicyItemOut,
    operation_id="policy_item_publish",
    summary="Publish a draft item (rule checked; 免申即享 only over verifiable fields; 422)",
)
def item_publish(request: HttpRequest, item_id: int):
    actor = officer_of(request, perms.MANAGE)
    return _item(services.item_publish(actor=actor, item_id=item_id))


@router.post(
    "/items/{item_id}/withdraw",
    response=PolicyItemOut,
    operation_id="policy_item_withdraw",
    summary="Withdraw a published item (pending pushes stop)",
)
def item_withdraw(request: HttpRequest, item_id: int, payload: PolicyWithdrawIn):
    actor = officer_of(request, perms.MANAGE)
    return _item(services.item_withdraw(actor=actor, item_id=item_id, reason=payload.reason))


@router.post(
    "/items/{item_id}/revise",
    response=PolicyItemOut,
    operation_id="policy_item_revise",
    summary="Bring a published or withdrawn item back to draft for editing",
)
def item_revise(request: HttpRequest, item_id: int):
    actor = officer_of(request, perms.MANAGE)
    return _item(services.item_revise(actor=actor, item_id=item_id))


@router.get(
    "/items/{item_id}/faqs",
    response=list[PolicyFAQOut],
    operation_id="policy_faq_list",
    summary="Questions and answers of an item (internal ones included)",
)
def faq_list(request: HttpRequest, item_id: int):
    actor = officer_of(request)
    item = selectors.item_get(actor=actor, item_id=item_id)
    return [_faq(f) for f in selectors.faqs_of(item)]


@router.post(
    "/items/{item_id}/faqs",
    response={201: PolicyFAQOut},
    operation_id="policy_faq_create",
    summary="Add a question and its answer to an item",
)
def faq_create(request: HttpRequest, item_id: int, payload: PolicyFAQIn):
    actor = officer_of(request, perms.MANAGE)
    data = payload.dict(exclude_unset=True)
    return HttpStatus(201, _faq(services.faq_create(actor=actor, item_id=item_id, data=data)))


@router.patch(
    "/faqs/{faq_id}",
    response=PolicyFAQOut,
    operation_id="policy_faq_update",
    summary="Change a question, its answer or whether it is public",
)
def faq_update(request: HttpRequest, faq_id: int, payload: PolicyFAQPatchIn):
    actor = officer_of(request, perms.MANAGE)
    data = payload.dict(exclude_unset=True)
    return _faq(services.faq_update(actor=actor, faq_id=faq_id, data=data))


@router.delete(
    "/faqs/{faq_id}",
    response={204: None},
    operation_id="policy_faq_delete",
    summary="Delete a question",
)
def faq_delete(request: HttpRequest, faq_id: int):
    actor = officer_of(request, perms.MANAGE)
    services.faq_delete(actor=actor, faq_id=faq_id)
    return HttpStatus(204, None)


# --- rules, explanations, the calculator ----------------------------------------------------------


@router.post(
    "/rules/check",
    response=PolicyRuleCheckOut,
    operation_id="policy_rule_check",
    summary="Check a rule (text or AST): canonical AST and text, live count, warnings; 422 "
    "with line and column",
)
def rule_check_endpoint(request: HttpRequest, payload: PolicyRuleCheckIn):
    actor = officer_of(request)
    if payload.rule is None and not (payload.text or "").strip():
        raise InvalidInput(
            "policy.invalid_rule",
            "Give the rule as text or as an AST.",
            errors=[
                {
                    "field": "text",
                    "code": "policy.invalid_rule",
                    "message": "Give the rule as text or as an AST.",
                }
            ],
        )
    tree = services.rule_resolve(rule=payload.rule, rule_text=payload.text)
    if payload.document_id is not None:
        document = selectors.document_get(actor=actor, document_id=payload.document_id)
        city_id = selectors.city_id_of(document.organisation.path)
    elif actor.organisation is not None:
        city_id = selectors.city_id_of(actor.organisation.path)
    else:
        raise InvalidInput(
            "policy.city_unknown",
            "Give document_id: the caller belongs to no city.",
            errors=[
                {
                    "field": "document_id",
                    "code": "policy.city_unknown",
                    "message": "Give document_id: the caller belongs to no city.",
                }
            ],
        )
    check = rule_check(tree, city_id=city_id, exempt_application=payload.exempt_application)
    return {
        "rule": check.tree,
        "text": check.text,
        "count": check.count,
        "warnings": check.warnings,
        "fields": sorted(rules.fields_used(check.tree)),
    }


@router.get(
    "/items/{item_id}/explain",
    response=PolicyExplanationOut,
    operation_id="policy_item_explain",
    summary="Which conditions of an item an enterprise meets, with its values (officers: any "
    "enterprise of the city; enterprise users: their own)",
)
def item_explain(request: HttpRequest, item_id: int, uscc: str):
    actor = request.user
    if actor.kind not in (AccountKind.ENTERPRISE, AccountKind.STAFF, AccountKind.SYSTEM):
        raise NotFound("policy item")
    if actor.kind != AccountKind.ENTERPRISE:
        require_perm(actor, perms.VIEW)
    item, enterprise = selectors.explain_subject(actor=actor, item_id=item_id, uscc=uscc)
    result = explanation(item, enterprise)
    return {
        "item_id": item.pk,
        "item_title": item.title,
        "uscc": enterprise.uscc,
        "enterprise_name": enterprise.name,
        "evaluated_on": result.today,
        "eligible": result.eligible,
        "conditions": _row(result.row) if result.row else None,
    }


@router.get(
    "/calculator",
    response=PolicyCalculatorOut,
    operation_id="policy_calculator",
    summary="政策计算器: the published items the caller's enterprise qualifies for now, and "
    "what it misses for the others",
)
def calculator_endpoint(request: HttpRequest, uscc: str | None = None):
    actor = request.user
    if actor.kind != AccountKind.ENTERPRISE:
        raise Forbidden("policy.enterprise_only", "The policy calculator is for enterprise users.")
    seat = selectors.enterprise_seat_get(actor=actor, uscc=uscc)
    result = calculator(seat)
    return {
        "uscc": seat.uscc,
        "name": seat.name,
        "has_file": seat.enterprise is not None,
        "evaluated_on": result.today,
        "qualifying": [_calc_item(i) for i in result.qualifying],
        "others": [
            {"item": _calc_item(m.item), "missing": [_row(r) for r in m.rows]}
            for m in result.others
        ],
    }


# --- public ---------------------------------------------------------------------------------------


def _public_item(i: PolicyItem, faqs: list[PolicyFAQ]) -> dict:
    d = i.document
    return {
        "id": i.pk,
        "title": i.title,
        "kind": i.kind,
        "benefit": i.benefit,
        "amount_cap": i.amount_cap,
        "window_start": i.window_start,
        "window_end": i.window_end,
        "materials": list(i.materials or []),
        "contact_department": i.contact_department,
        "contact_phone": i.contact_phone,
        "rule_text": i.rule_text,
        "exempt_application": i.exempt_application,
        "version": i.version,
        "published_at": i.published_at,
        "document_title": d.title,
        "document_number": d.document_number,
        "organisation": {"id": d.organisation_id, "name": d.organisation.name},
        "faqs": [_faq(f) for f in faqs],
    }


@router.get(
    "/public/items",
    response=PolicyPublicItemPageOut,
    auth=None,
    operation_id="policy_public_item_list",
    summary="Published policy items (public), newest first",
)
def public_item_list(request: HttpRequest, query: Query[PolicyPublicQueryIn]):
    qs = selectors.published_items()
    if query.kind:
        qs = qs.filter(kind=query.kind)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    faqs = selectors.public_faqs_of(items)
    return {
        "items": [_public_item(i, faqs[i.pk]) for i in items],
        "next_cursor": next_cursor,
    }


@router.get(
    "/public/items/{item_id}",
    response=PolicyPublicItemOut,
    auth=None,
    operation_id="policy_public_item_get",
    summary="One published policy item with its public questions and answers",
)
def public_item_get(request: HttpRequest, item_id: int):
    item = selectors.public_item_get(item_id=item_id)
    return _public_item(item, selectors.public_faqs_of([item])[item.pk])
