"""The cases API, mounted at /api/v1/cases: applying (multipart with the materials), my cases,
one case, the department inbox and the workflow actions; the statistics at ``/stats``
(``api_stats``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Form, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field, ValidationError

from yiwang.cases import selectors, services
from yiwang.cases.api_stats import router as stats_router
from yiwang.cases.choices import CaseStatus, WarningLevel
from yiwang.cases.models import Case, Extension
from yiwang.cases.services import common
from yiwang.core import pii
from yiwang.core.api_base import keyset_page
from yiwang.core.errors import InvalidInput, NotFound

router = Router(tags=["cases"])

CaseStatusName = Literal.__getitem__(tuple(CaseStatus.values))
WarningName = Literal.__getitem__(tuple(WarningLevel.values))
ActionName = Literal[
    "accept",
    "refuse",
    "correct",
    "resubmit",
    "review",
    "pause",
    "resume",
    "extend",
    "decide",
    "complete",
    "deliver",
    "withdraw",
]


class ApplicationIn(Schema):
    """Multipart form fields; each material is a file part named by its code (``M03``, for a
    bundle ``S01`` / ``I2-M03``) — the codes are listed by the item's ``slots``."""

    item_id: int | None = Field(None, description="published implementation item (or bundle)")
    bundle_code: str = Field("", description="life event code of a 一件事 bundle")
    form: str = Field("{}", description="the filled form as a JSON object")
    conditions: str = Field(
        "[]", description="JSON list: codes or names of conditional materials that apply"
    )
    district_id: int | None = Field(None, description="bundle: the district to handle it in")
    applicant_id: int | None = Field(None, description="帮办代办: the account filed for")


class OrgOut(Schema):
    id: int
    name: str


class MaterialOut(Schema):
    id: int
    slot: str
    material_name: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    superseded: bool
    download_url: str


class ReceiptOut(Schema):
    """回执: what was received, when, and the limits that now run."""

    number: str
    status: str
    item_name: str
    organisation: OrgOut
    submitted_at: dt.datetime
    acceptance_deadline: dt.datetime | None
    deadline: dt.datetime | None
    materials: list[MaterialOut]
    sub_cases: list[str]


class CaseListItemOut(Schema):
    number: str
    version: int
    status: str
    item_name: str
    bundle_code: str
    organisation: OrgOut
    applicant_name: str
    applicant_identity: str
    phone: str
    submitted_at: dt.datetime
    acceptance_deadline: dt.datetime | None
    deadline: dt.datetime | None
    warning_level: str
    decision: str
    parent: str | None


class CaseEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str | None
    note: str
    at: dt.datetime


class CorrectionOut(Schema):
    case: str
    items: list[dict[str, Any]]
    note: str
    issued_at: dt.datetime
    deadline: dt.datetime
    resolved_at: dt.datetime | None


class PauseOut(Schema):
    reason: str
    note: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    days: int


class ExtensionOut(Schema):
    days: int
    reason: str
    approver: str
    previous_deadline: dt.datetime
    new_deadline: dt.datetime
    notified_at: dt.datetime


class CaseOut(CaseListItemOut):
    applicant_kind: str
    contact_name: str
    agent: str | None
    basic_code: str
    item_id: int | None
    item_version_id: int | None
    form_data: dict[str, Any]
    declared_conditions: list[str]
    slots: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    step_index: int
    limit_value: int
    limit_unit: str
    joint: bool
    received_at: dt.datetime
    accepted_at: dt.datetime | None
    paused_days: int
    extension_days: int
    refusal_reason: str
    refer_to: str
    decision_reasons: str
    decided_at: dt.datetime | None
    completed_at: dt.datetime | None
    delivery_deadline: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery_method: str
    withdrawn_at: dt.datetime | None
    extension: ExtensionOut | None
    events: list[CaseEventOut]
    materials: list[MaterialOut]
    corrections: list[CorrectionOut]
    pauses: list[PauseOut]
    sub_cases: list[CaseListItemOut]


class CasePageOut(Schema):
    items: list[CaseListItemOut]
    next_cursor: str | None


class InboxOut(Schema):
    items: list[CaseListItemOut]
    page: int
    has_next: bool


class MineQueryIn(Schema):
    status: CaseStatusName | None = None  # type: ignore[valid-type]
    cursor: str | None = None
    limit: int = 50


class CaseInboxQueryIn(Schema):
    status: CaseStatusName | None = None  # type: ignore[valid-type]
    warning: WarningName | None = None  # type: ignore[valid-type]
    page: int = Field(1, ge=1)
    limit: int = Field(50, ge=1, le=200)


class CaseActionIn(Schema):
    """The payload of one action (JSON; ``resubmit`` is multipart with the files)."""

    version: int | None = Field(None, description="the version the client saw (optional)")
    note: str = ""
    reason: str = ""
    refer_to: str = Field("", description="refuse: the competent authority to turn to")
    items: list[dict[str, Any]] = Field(
        default_factory=list, description='correct: [{"material": "M03", "reason": "…"}]'
    )
    approver: str = Field("", description="extend: the head of the authority who approved")
    decision: str = Field("", description="decide: approve or deny")
    reasons: str = Field("", description="decide: reasons (required to deny)")
    method: str = Field("", description="deliver: pickup, mail or electronic")


def _org(case: Case) -> dict:
    return {"id": case.organisation_id, "name": case.organisation.name}


def _list_item(case: Case) -> dict:
    parent = case.parent.number if case.parent_id else None
    return {
        "number": case.number,
        "version": case.version,
        "status": case.status,
        "item_name": case.item_name,
        "bundle_code": case.bundle_code,
        "organisation": _org(case),
        "applicant_name": case.applicant_name,
        "applicant_identity": case.masked_identity,
        "phone": case.masked_phone,
        "submitted_at": case.submitted_at,
        "acceptance_deadline": case.acceptance_deadline,
        "deadline": case.deadline,
        "warning_level": case.warning_level,
        "decision": case.decision,
        "parent": parent,
    }


def _material(case: Case, m) -> dict:
    return {
        "id": m.pk,
        "slot": m.slot,
        "material_name": m.material_name,
        "name": m.name,
        "content_type": m.content_type,
        "size": m.size,
        "sha256": m.sha256,
        "uploaded_at": m.uploaded_at,
        "superseded": m.superseded_by_id is not None,
        "download_url": f"/api/v1/cases/applications/{case.number}/materials/{m.pk}",
    }


def _detail(case: Case) -> dict:
    out = _list_item(case)
    extension = Extension.objects.filter(case=case).first()
    subs = list(selectors.sub_cases(case=case)) if case.item_id is None else []
    out.update(
        phone=case.phone,
        applicant_kind=case.applicant_kind,
        contact_name=case.contact_name,
        agent=str(case.agent) if case.agent_id else None,
        basic_code=case.basic_code,
        item_id=case.item_id,
        item_version_id=case.item_version_id,
        form_data=case.form_data,
        declared_conditions=list(case.declared_conditions),
        slots=case.slots or (case.parent.slots if case.parent_id else []),
        steps=list(case.steps),
        step_index=case.step_index,
        limit_value=case.limit_value,
        limit_unit=case.limit_unit,
        joint=case.joint,
        received_at=case.received_at,
        accepted_at=case.accepted_at,
        paused_days=case.paused_days,
        extension_days=case.extension_days,
        refusal_reason=case.refusal_reason,
        refer_to=case.refer_to,
        decision_reasons=case.decision_reasons,
        decided_at=case.decided_at,
        completed_at=case.completed_at,
        delivery_deadline=case.delivery_deadline,
        delivered_at=case.delivered_at,
        delivery_method=case.delivery_method,
        withdrawn_at=case.withdrawn_at,
        extension=extension,
        events=[
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": str(e.actor) if e.actor_id else None,
                "note": pii.mask_text(e.note),
                "at": e.at,
            }
            for e in selectors.case_events(case=case)
        ],
        materials=[
            _material(case, m) for m in selectors.case_materials(case=case, current_only=False)
        ],
        corrections=[
            {
                "case": n.case.number,
                "items": n.items,
                "note": n.note,
                "issued_at": n.issued_at,
                "deadline": n.deadline,
                "resolved_at": n.resolved_at,
            }
            for n in selectors.case_corrections(case=case)
        ],
        pauses=list(selectors.case_pauses(case=case).values()),
        sub_cases=[_list_item(c) for c in subs],
    )
    return out


def _json_field(raw: str, field: str, kind: type):
    try:
        value = json.loads(raw or ("{}" if kind is dict else "[]"))
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, kind):
        raise common.invalid(field, "cases.invalid_json", f"{field}: a JSON {kind.__name__}")
    return value


@router.post(
    "/applications",
    response={201: ReceiptOut},
    operation_id="cases_application_submit",
    summary="Apply (接件): multipart form fields plus one file part per material code → receipt",
)
def application_submit(request: HttpRequest, payload: Form[ApplicationIn]):
    form = _json_field(payload.form, "form", dict)
    conditions = [str(c) for c in _json_field(payload.conditions, "conditions", list)]
    files = {key: request.FILES[key] for key in request.FILES}
    common_args = {
        "actor": request.user,
        "form": form,
        "files": files,
        "conditions": conditions,
        "applicant_id": payload.applicant_id,
    }
    if payload.bundle_code:
        case = services.bundle_submit(
            **common_args, bundle_code=payload.bundle_code, district_id=payload.district_id
        )
    elif payload.item_id is not None:
        case = services.application_submit(**common_args, item_id=payload.item_id)
    else:
        raise common.invalid("item_id", "cases.required", "Give item_id or bundle_code.")
    case = Case.objects.select_related("organisation").get(pk=case.pk)
    return HttpStatus(
        201,
        {
            "number": case.number,
            "status": case.status,
            "item_name": case.item_name,
            "organisation": _org(case),
            "submitted_at": case.submitted_at,
            "acceptance_deadline": case.acceptance_deadline,
            "deadline": case.deadline,
            "materials": [_material(case, m) for m in selectors.case_materials(case=case)],
            "sub_cases": [c.number for c in selectors.sub_cases(case=case)],
        },
    )


@router.get(
    "/applications",
    response=CasePageOut,
    operation_id="cases_application_list",
    summary="My applications (applicant; an agent's filings for staff), newest first",
)
def application_list(request: HttpRequest, query: Query[MineQueryIn]):
    qs = selectors.case_list_mine(actor=request.user, status=query.status)
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit)
    return {"items": [_list_item(c) for c in items], "next_cursor": next_cursor}


@router.get(
    "/inbox",
    response=InboxOut,
    operation_id="cases_inbox",
    summary="Department inbox: unfinished cases of the caller's organisation, most urgent first",
)
def inbox(request: HttpRequest, query: Query[CaseInboxQueryIn]):
    qs = selectors.case_inbox(actor=request.user, status=query.status, warning=query.warning)
    start = (query.page - 1) * query.limit
    rows = list(qs[start : start + query.limit + 1])
    return {
        "items": [_list_item(c) for c in rows[: query.limit]],
        "page": query.page,
        "has_next": len(rows) > query.limit,
    }


@router.get(
    "/applications/{number}",
    response=CaseOut,
    operation_id="cases_application_get",
    summary="One case with its timeline, materials, notices and sub-cases",
)
def application_get(request: HttpRequest, number: str):
    return _detail(selectors.case_get(actor=request.user, number=number))


@router.get(
    "/applications/{number}/materials/{material_id}",
    operation_id="cases_material_download",
    summary="Download a material of a visible case (Content-Disposition: attachment)",
)
def material_download(request: HttpRequest, number: str, material_id: int):
    case = selectors.case_get(actor=request.user, number=number)
    material = (
        selectors.case_materials(case=case, current_only=False).filter(pk=material_id).first()
    )
    if material is None:
        raise NotFound("material")
    try:
        handle = material.file.open("rb")
    except OSError:
        raise NotFound("material") from None
    response = FileResponse(
        handle, as_attachment=True, filename=material.name, content_type=material.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


_ACTION_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": CaseActionIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "resubmit: 'version' and one file part per material code",
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            },
        }
    }
}


def _action_payload(request: HttpRequest) -> tuple[CaseActionIn, dict]:
    if request.content_type == "multipart/form-data":
        data: dict[str, Any] = {k: request.POST.get(k) for k in request.POST}
        files = {key: request.FILES[key] for key in request.FILES}
    else:
        try:
            data = json.loads(request.body or b"{}")
        except json.JSONDecodeError:
            raise common.invalid("body", "cases.invalid_json", "The body is not JSON.") from None
        files = {}
    if not isinstance(data, dict):
        raise common.invalid("body", "cases.invalid_json", "The body must be a JSON object.")
    try:
        return CaseActionIn.model_validate(data), files
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"]) or None,
                "code": e["type"],
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        raise InvalidInput(
            "invalid", "; ".join(e["message"] for e in errors), errors=errors
        ) from None


@router.post(
    "/applications/{number}/actions/{action}",
    response=CaseOut,
    operation_id="cases_application_action",
    summary="One workflow action (404 for cases you do not hold, 409 for an illegal transition)",
    openapi_extra=_ACTION_BODY,
)
def application_action(request: HttpRequest, number: str, action: ActionName):  # type: ignore[valid-type]
    p, files = _action_payload(request)
    args = {"actor": request.user, "number": number, "version": p.version}
    match action:
        case "accept":
            case = services.case_accept(**args, note=p.note)
        case "refuse":
            case = services.case_refuse(**args, reason=p.reason, refer_to=p.refer_to)
        case "correct":
            case = services.case_request_correction(**args, items=p.items, note=p.note)
        case "resubmit":
            case = services.case_resubmit(**args, files=files)
        case "review":
            case = services.case_review(**args, note=p.note)
        case "pause":
            case = services.case_pause(**args, reason=p.reason, note=p.note)
        case "resume":
            case = services.case_resume(**args, note=p.note)
        case "extend":
            case = services.case_extend(**args, reason=p.reason, approver=p.approver)
        case "decide":
            case = services.case_decide(**args, decision=p.decision, reasons=p.reasons)
        case "complete":
            case = services.case_complete(**args, note=p.note)
        case "deliver":
            case = services.case_deliver(**args, method=p.method, note=p.note)
        case "withdraw":
            case = services.case_withdraw(**args, reason=p.reason)
    return _detail(selectors.case_get(actor=request.user, number=case.number))


router.add_router("/stats", stats_router)
