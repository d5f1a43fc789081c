"""API of the enterprise service desk and of disbursement (mounted under /api/v1/policy/ by
yiwang.api).

* Enterprise users (others: 403), for one of their enterprises (``?uscc=`` when they act for
  several; another enterprise's credit code or record is 404): ``desk/pushes`` (+ ``read``),
  ``desk/grants``, ``desk/applications``, ``desk/apply/{item_id}`` (GET the prefill, POST
  to apply: 404 not published, 409 免申即享 / applied before / window closed, 422 not
  qualifying with the failing conditions).
* Officers (``policy.view`` to read, ``policy.manage`` on the item to write; 404 outside the
  scope): an item's grants with totals, pay (one or in bulk), revoke; the 快申快享 queue,
  decide, pay. Transitions not allowed are 409.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.api_base import keyset_page
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy import selectors_desk as desk
from yiwang.policy.api_common import enterprise_user_of, officer_of
from yiwang.policy.choices import ApplicationStatus, DocumentStatus, GrantStatus, ItemStatus
from yiwang.policy.describe import Row
from yiwang.policy.models import Grant, PolicyItem, Push, QuickApplication
from yiwang.policy.services import applications as application_services
from yiwang.policy.services import grants as grant_services
from yiwang.policy.services import inbox

router = Router(tags=["policy"])

GrantStatusName = Literal.__getitem__(tuple(GrantStatus.values))
ApplicationStatusName = Literal.__getitem__(tuple(ApplicationStatus.values))


# --- schemas --------------------------------------------------------------------------------------


class PolicyDeskItemOut(Schema):
    id: int
    title: str
    kind: str
    exempt_application: bool
    benefit: str
    amount_cap: Decimal | None = Field(description="10,000 yuan")
    window_start: dt.date | None
    window_end: dt.date | None
    materials: list[str]
    contact_department: str
    contact_phone: str
    published: bool
    document_title: str
    document_number: str
    organisation: str
    public_url: str | None
    explain_url: str | None


class PolicyDeskPushOut(Schema):
    id: int
    item: PolicyDeskItemOut
    status: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    next_step: str = Field(description="granted (免申即享), applied, apply, or closed")
    apply_url: str | None


class PolicyDeskPushPageOut(Schema):
    uscc: str
    unread: int = Field(description="unread pushes of the enterprise")
    items: list[PolicyDeskPushOut]
    next_cursor: str | None = None


class PolicyDeskPushQueryIn(Schema):
    uscc: str | None = Field(None, description="one of the caller's enterprises")
    unread: bool | None = Field(None, description="true: unread only")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyDeskSeatQueryIn(Schema):
    uscc: str | None = Field(None, description="one of the caller's enterprises")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyDeskGrantOut(Schema):
    id: int
    item_id: int
    item_title: str
    document_number: str
    amount: Decimal | None = Field(description="10,000 yuan")
    status: str
    approved_at: dt.datetime
    paid_at: dt.datetime | None
    payment_reference: str
    note: str


class PolicyDeskGrantPageOut(Schema):
    uscc: str
    items: list[PolicyDeskGrantOut]
    next_cursor: str | None = None


class PolicyDeskApplicationOut(Schema):
    id: int
    item_id: int
    item_title: str
    status: str
    submitted_at: dt.datetime
    due_at: dt.datetime = Field(description="to be honoured by (60 working days)")
    note: str
    decided_at: dt.datetime | None
    reason: str
    amount: Decimal | None = Field(description="10,000 yuan")
    paid_at: dt.datetime | None
    prefill: dict


class PolicyDeskApplicationPageOut(Schema):
    uscc: str
    items: list[PolicyDeskApplicationOut]
    next_cursor: str | None = None


class PolicyDeskConditionOut(Schema):
    text: str
    rule: str
    passed: bool
    kind: str
    actual: str
    children: list[PolicyDeskConditionOut]


class PolicyDeskPrefillFieldOut(Schema):
    name: str
    label: str
    value: str
    source: str = Field(description="the department the value came from ('' if not recorded)")
    recorded_at: dt.datetime | None


class PolicyDeskPrefillOut(Schema):
    uscc: str
    item: PolicyDeskItemOut
    evaluated_on: dt.date
    eligible: bool
    fields: list[PolicyDeskPrefillFieldOut]
    materials: list[str]
    missing: list[PolicyDeskConditionOut] = Field(description="conditions not met")
    application: PolicyDeskApplicationOut | None = Field(description="applied before")


class PolicyDeskApplyIn(Schema):
    uscc: str | None = Field(None, description="one of the caller's enterprises")
    note: str = Field("", max_length=1000)


class PolicyDeskEnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    district: str | None


class PolicyDeskItemGrantOut(Schema):
    id: int
    enterprise: PolicyDeskEnterpriseOut
    amount: Decimal | None
    status: str
    approved_at: dt.datetime
    paid_at: dt.datetime | None
    payment_reference: str
    note: str
    revision: int


class PolicyDeskGrantTotalsOut(Schema):
    approved_count: int
    approved_amount: Decimal
    paid_count: int
    paid_amount: Decimal
    revoked_count: int


class PolicyDeskItemGrantPageOut(Schema):
    item_id: int
    totals: PolicyDeskGrantTotalsOut = Field(description="of the filtered district, any status")
    items: list[PolicyDeskItemGrantOut]
    next_cursor: str | None = None


class PolicyDeskItemGrantQueryIn(Schema):
    status: GrantStatusName | None = None  # type: ignore[valid-type]
    district_id: int | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PolicyDeskGrantPayIn(Schema):
    payment_reference: str = Field(max_length=60)
    revision: int | None = Field(None, description="the revision read; 409 if saved since")


class PolicyDeskGrantsPayIn(Schema):
    grant_ids: list[int] = Field(max_length=grant_services.BULK_MAX)
    payment_reference: str = Field(max_length=60)


class PolicyDeskGrantRevokeIn(Schema):
    reason: str = Field(max_length=500)


class PolicyDeskQueueItemOut(PolicyDeskApplicationOut):
    enterprise: PolicyDeskEnterpriseOut
    organisation: str
    overdue: bool
    revision: int


class PolicyDeskQueuePageOut(Schema):
    items: list[PolicyDeskQueueItemOut]
    overdue: int = Field(description="overdue applications in the caller's scope")
    total: int
    offset: int


class PolicyDeskQueueQueryIn(Schema):
    status: ApplicationStatusName | None = Field(  # type: ignore[valid-type]
        None, description="one status (default: waiting for the department)"
    )
    item_id: int | None = None
    overdue: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class PolicyDeskDecideIn(Schema):
    decision: Literal["approve", "reject"]
    amount: Decimal | None = Field(None, description="10,000 yuan, at most the item's cap")
    reason: str = Field("", max_length=500, description="required to reject")
    revision: int | None = Field(None, description="the revision read; 409 if saved since")


class PolicyDeskRevisionIn(Schema):
    revision: int | None = Field(None, description="the revision read; 409 if saved since")


# --- shaping --------------------------------------------------------------------------------------


def _item(i: PolicyItem) -> dict:
    d = i.document
    public = i.status == ItemStatus.PUBLISHED and d.status == DocumentStatus.PUBLISHED
    return {
        "id": i.pk,
        "title": i.title,
        "kind": i.kind,
        "exempt_application": i.exempt_application,
        "benefit": i.benefit,
        "amount_cap": i.amount_cap,
        "window_start": i.window_start,
        "window_end": i.window_end,
        "materials": list(i.materials or []),
        "contact_department": i.contact_department,
        "contact_phone": i.contact_phone,
        "published": public,
        "document_title": d.title,
        "document_number": d.document_number,
        "organisation": d.organisation.name,
        "public_url": reverse("policy:public_item", args=[i.pk]) if public else None,
        "explain_url": reverse("policy:explain", args=[i.pk]) if public else None,
    }


def _push(p: Push, applied: set[int]) -> dict:
    item = _item(p.item)
    if p.item.exempt_application:
        step = "granted"
    elif p.item_id in applied:
        step = "applied"
    elif item["published"]:
        step = "apply"
    else:
        step = "closed"
    return {
        "id": p.pk,
        "item": item,
        "status": p.status,
        "created_at": p.created_at,
        "read_at": p.read_at,
        "next_step": step,
        "apply_url": reverse("policy:desk_apply", args=[p.item_id]) if step == "apply" else None,
    }


def _grant(g: Grant) -> dict:
    return {
        "id": g.pk,
        "item_id": g.item_id,
        "item_title": g.item.title,
        "document_number": g.item.document.document_number,
        "amount": g.amount,
        "status": g.status,
        "approved_at": g.approved_at,
        "paid_at": g.paid_at,
        "payment_reference": g.payment_reference,
        "note": g.note,
    }


def _application(a: QuickApplication) -> dict:
    return {
        "id": a.pk,
        "item_id": a.item_id,
        "item_title": a.item.title,
        "status": a.status,
        "submitted_at": a.submitted_at,
        "due_at": a.due_at,
        "note": a.note,
        "decided_at": a.decided_at,
        "reason": a.reason,
        "amount": a.amount,
        "paid_at": a.paid_at,
        "prefill": a.prefill or {},
    }


def _enterprise(e) -> dict:
    return {
        "id": e.pk,
        "uscc": e.uscc,
        "name": e.name,
        "district": e.district.name if e.district_id else None,
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


# --- the enterprise's desk ------------------------------------------------------------------------


@router.get(
    "/desk/pushes",
    response=PolicyDeskPushPageOut,
    operation_id="policy_desk_push_list",
    summary="The policies pushed to the caller's enterprise, newest first, with the unread count",
)
def desk_push_list(request: HttpRequest, query: Query[PolicyDeskPushQueryIn]):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=query.uscc)
    qs = desk.desk_pushes(actor=actor, seat=seat)
    if query.unread:
        qs = qs.filter(read_at__isnull=True)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    applied = set()
    if seat.enterprise is not None:
        applied = desk.applied_items(seat.enterprise.id, [p.item_id for p in items])
    return {
        "uscc": seat.uscc,
        "unread": desk.desk_unread_count(actor=actor, seat=seat),
        "items": [_push(p, applied) for p in items],
        "next_cursor": next_cursor,
    }


@router.get(
    "/desk/pushes/{push_id}",
    response=PolicyDeskPushOut,
    operation_id="policy_desk_push_get",
    summary="One pushed policy of the caller's enterprise (reading it does not mark it read)",
)
def desk_push_get(request: HttpRequest, push_id: int):
    actor = enterprise_user_of(request)
    push, _seat = desk.desk_push_get(actor=actor, push_id=push_id)
    return _push(push, desk.applied_items(push.enterprise_id, [push.item_id]))


@router.post(
    "/desk/pushes/{push_id}/read",
    response=PolicyDeskPushOut,
    operation_id="policy_desk_push_read",
    summary="Mark a pushed policy read (the first read is recorded; again changes nothing)",
)
def desk_push_read(request: HttpRequest, push_id: int):
    actor = enterprise_user_of(request)
    push, _seat = desk.desk_push_get(actor=actor, push_id=push_id)
    read = inbox.push_mark_read(actor=actor, push_id=push_id)
    push.status, push.read_at = read.status, read.read_at
    return _push(push, desk.applied_items(push.enterprise_id, [push.item_id]))


@router.get(
    "/desk/grants",
    response=PolicyDeskGrantPageOut,
    operation_id="policy_desk_grant_list",
    summary="免申即享: the benefits granted to the caller's enterprise without application",
)
def desk_grant_list(request: HttpRequest, query: Query[PolicyDeskSeatQueryIn]):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=query.uscc)
    qs = desk.desk_grants(actor=actor, seat=seat)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"uscc": seat.uscc, "items": [_grant(g) for g in items], "next_cursor": next_cursor}


@router.get(
    "/desk/grants/{grant_id}",
    response=PolicyDeskGrantOut,
    operation_id="policy_desk_grant_get",
    summary="One grant of the caller's enterprise",
)
def desk_grant_get(request: HttpRequest, grant_id: int):
    actor = enterprise_user_of(request)
    return _grant(desk.desk_grant_get(actor=actor, grant_id=grant_id))


@router.get(
    "/desk/applications",
    response=PolicyDeskApplicationPageOut,
    operation_id="policy_desk_application_list",
    summary="快申快享: the applications of the caller's enterprise, newest first",
)
def desk_application_list(request: HttpRequest, query: Query[PolicyDeskSeatQueryIn]):
    actor = enterprise_user_of(request)
    seat = selectors.enterprise_seat_get(actor=actor, uscc=query.uscc)
    qs = desk.desk_applications(actor=actor, seat=seat)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {
        "uscc": seat.uscc,
        "items": [_application(a) for a in items],
        "next_cursor": next_cursor,
    }


@router.get(
    "/desk/apply/{item_id}",
    response=PolicyDeskPrefillOut,
    operation_id="policy_desk_prefill",
    summary="快申快享: the prefilled application of a published item (404 not published, 409 "
    "免申即享, 422 no registry file)",
)
def desk_prefill(request: HttpRequest, item_id: int, uscc: str | None = None):
    actor = enterprise_user_of(request)
    prefill = desk.application_prefill(actor=actor, item_id=item_id, uscc=uscc)
    return {
        "uscc": prefill.seat.uscc,
        "item": _item(prefill.item),
        "evaluated_on": prefill.today,
        "eligible": prefill.eligible,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "value": f.value,
                "source": f.source,
                "recorded_at": f.recorded_at,
            }
            for f in prefill.fields
        ],
        "materials": prefill.materials,
        "missing": [_row(r) for r in prefill.missing],
        "application": _application(prefill.application) if prefill.application else None,
    }


@router.post(
    "/desk/apply/{item_id}",
    response={201: PolicyDeskApplicationOut},
    operation_id="policy_desk_apply",
    summary="快申快享: confirm the prefilled application (404 not published; 409 免申即享, "
    "applied before or window closed; 422 not qualifying, with the failing conditions)",
)
def desk_apply(request: HttpRequest, item_id: int, payload: PolicyDeskApplyIn):
    actor = enterprise_user_of(request)
    application = application_services.application_submit(
        actor=actor, item_id=item_id, uscc=payload.uscc, note=payload.note
    )
    return HttpStatus(201, _application(application))


# --- officers: 免申即享 grants --------------------------------------------------------------------


def _officer_grant(g: Grant) -> dict:
    return {
        "id": g.pk,
        "enterprise": _enterprise(g.enterprise),
        "amount": g.amount,
        "status": g.status,
        "approved_at": g.approved_at,
        "paid_at": g.paid_at,
        "payment_reference": g.payment_reference,
        "note": g.note,
        "revision": g.revision,
    }


@router.get(
    "/manage/items/{item_id}/grants",
    response=PolicyDeskItemGrantPageOut,
    operation_id="policy_item_grant_list",
    summary="免申即享: an item's grants (status, district filters) with totals",
)
def item_grant_list(request: HttpRequest, item_id: int, query: Query[PolicyDeskItemGrantQueryIn]):
    actor = officer_of(request)
    item, qs = desk.item_grants(
        actor=actor, item_id=item_id, status=query.status, district_id=query.district_id
    )
    totals = desk.grant_totals(desk.grants_of(item, district_id=query.district_id))
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {
        "item_id": item.pk,
        "totals": totals.__dict__,
        "items": [_officer_grant(g) for g in items],
        "next_cursor": next_cursor,
    }


@router.post(
    "/manage/grants/{grant_id}/pay",
    response=PolicyDeskItemGrantOut,
    operation_id="policy_grant_pay",
    summary="Mark an approved grant paid with its payment reference (409 unless approved)",
)
def grant_pay(request: HttpRequest, grant_id: int, payload: PolicyDeskGrantPayIn):
    actor = officer_of(request, perms.MANAGE)
    grant = grant_services.grant_pay(
        actor=actor,
        grant_id=grant_id,
        payment_reference=payload.payment_reference,
        revision=payload.revision,
    )
    return _officer_grant(grant)


@router.post(
    "/manage/items/{item_id}/grants/pay",
    response=list[PolicyDeskItemGrantOut],
    operation_id="policy_grants_pay",
    summary="Mark several approved grants of an item paid with one payment reference (all or "
    "nothing: 409 if one is not approved)",
)
def grants_pay(request: HttpRequest, item_id: int, payload: PolicyDeskGrantsPayIn):
    actor = officer_of(request, perms.MANAGE)
    grants = grant_services.grants_pay(
        actor=actor,
        item_id=item_id,
        grant_ids=payload.grant_ids,
        payment_reference=payload.payment_reference,
    )
    return [_officer_grant(g) for g in grants]


@router.post(
    "/manage/grants/{grant_id}/revoke",
    response=PolicyDeskItemGrantOut,
    operation_id="policy_grant_revoke",
    summary="Revoke an approved grant with a reason (409 unless approved)",
)
def grant_revoke(request: HttpRequest, grant_id: int, payload: PolicyDeskGrantRevokeIn):
    actor = officer_of(request, perms.MANAGE)
    grant = grant_services.grant_revoke(actor=actor, grant_id=grant_id, reason=payload.reason)
    return _officer_grant(grant)


# --- officers: 快申快享 applications --------------------------------------------------------------


def _queue_item(a: QuickApplication, now: dt.datetime) -> dict:
    return {
        **_application(a),
        "enterprise": _enterprise(a.enterprise),
        "organisation": a.item.document.organisation.name,
        "overdue": desk.is_overdue(a, now),
        "revision": a.revision,
    }


@router.get(
    "/manage/applications",
    response=PolicyDeskQueuePageOut,
    operation_id="policy_application_queue",
    summary="快申快享: the applications of the caller's scope, earliest due first (default: "
    "waiting for the department)",
)
def application_queue(request: HttpRequest, query: Query[PolicyDeskQueueQueryIn]):
    actor = officer_of(request)
    now = timezone.now()
    qs = desk.applications_queue(
        actor=actor, status=query.status, item_id=query.item_id, overdue=query.overdue, now=now
    ).select_related("enterprise__district")
    items = list(qs[query.offset : query.offset + query.limit])
    return {
        "items": [_queue_item(a, now) for a in items],
        "overdue": desk.applications_queue(actor=actor, overdue=True, now=now).count(),
        "total": qs.count(),
        "offset": query.offset,
    }


@router.post(
    "/manage/applications/{application_id}/decide",
    response=PolicyDeskQueueItemOut,
    operation_id="policy_application_decide",
    summary="Approve (amount up to the item's cap) or reject (reason required) a submitted "
    "application (409 unless submitted)",
)
def application_decide(request: HttpRequest, application_id: int, payload: PolicyDeskDecideIn):
    actor = officer_of(request, perms.MANAGE)
    application = application_services.application_decide(
        actor=actor,
        application_id=application_id,
        approve=payload.decision == "approve",
        amount=payload.amount,
        reason=payload.reason,
        revision=payload.revision,
    )
    return _queue_item(application, timezone.now())


@router.post(
    "/manage/applications/{application_id}/pay",
    response=PolicyDeskQueueItemOut,
    operation_id="policy_application_pay",
    summary="Mark an approved application's amount paid (409 unless approved with an amount)",
)
def application_pay(request: HttpRequest, application_id: int, payload: PolicyDeskRevisionIn):
    actor = officer_of(request, perms.MANAGE)
    application = application_services.application_pay(
        actor=actor, application_id=application_id, revision=payload.revision
    )
    return _queue_item(application, timezone.now())
