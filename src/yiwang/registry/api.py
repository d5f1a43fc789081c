"""The enterprise registry API (一企一档), mounted at /api/v1/registry: the files of the
caller's jurisdiction (list with filters, keyset pages), one file with its qualifications, tags,
the source of each field and its recent history, writing one file (PUT = create or update,
422 with every field error, 409 on a stale ``version``), and imports (multipart upload → a
job; its status, counts, first errors and the CSV error report).

Money is in 10,000 yuan (万元), as decimal strings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.api_base import keyset_page
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.permissions import require_perm
from yiwang.registry import permissions as perms
from yiwang.registry import selectors
from yiwang.registry.choices import (
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)
from yiwang.registry.industries import industry_normalise
from yiwang.registry.models import Enterprise, ImportJob
from yiwang.registry.reports import error_report_response
from yiwang.registry.services.edits import enterprise_edit
from yiwang.registry.services.imports import import_job_create

router = Router(tags=["registry"])

ScaleName = Literal.__getitem__(tuple(Scale.values))
StatusName = Literal.__getitem__(tuple(OperatingStatus.values))
QualificationName = Literal.__getitem__(tuple(QualificationKind.values))
FIRST_ERRORS = 50


class RegistryEnterpriseQueryIn(Schema):
    district_id: int | None = Field(None, description="a district or functional area (id)")
    industry: str = Field("", description="GB/T 4754 code prefix at any level: C, C39, C3911")
    scale: ScaleName | None = None  # type: ignore[valid-type]
    qualification: QualificationName | None = Field(  # type: ignore[valid-type]
        None, description="holds this qualification valid today"
    )
    status: StatusName | None = None  # type: ignore[valid-type]
    q: str = Field("", max_length=100, description="name fragment or the start of a USCC")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=500)


class RegistryEnterpriseItemOut(Schema):
    uscc: str
    name: str
    district: str | None
    street: str | None
    industry: str
    scale: str
    status: str
    version: int
    updated_at: dt.datetime


class RegistryEnterprisePageOut(Schema):
    items: list[RegistryEnterpriseItemOut]
    next_cursor: str | None


class RegistryQualificationOut(Schema):
    kind: str
    certificate_no: str
    valid_from: dt.date
    valid_to: dt.date
    source: str


class RegistryChangeOut(Schema):
    field: str
    old: object | None
    new: object | None
    source: str
    import_id: int | None
    at: dt.datetime


class RegistryEnterpriseOut(RegistryEnterpriseItemOut):
    legal_representative: str
    address: str
    district_id: int | None
    street_id: int | None
    park: str
    scale_stated: bool
    founded_on: dt.date | None
    registered_capital: Decimal | None
    employees: int | None
    revenue: Decimal | None
    total_assets: Decimal | None
    tax_paid: Decimal | None
    rd_spend: Decimal | None
    credit_rating: str
    invention_patents: int
    utility_patents: int
    software_copyrights: int
    trademarks: int
    tags: list[str]
    qualifications: list[RegistryQualificationOut]
    field_sources: dict[str, str] = Field(description="field → source of its current value")
    history: list[RegistryChangeOut] = Field(description="the newest 50 changes, newest first")
    created_at: dt.datetime


Number = int | float | str | None


class RegistryQualificationIn(Schema):
    kind: QualificationName  # type: ignore[valid-type]
    valid_from: str = Field(description="YYYY-MM-DD")
    valid_to: str = Field(description="YYYY-MM-DD")
    certificate_no: str = ""


class RegistryEnterpriseIn(Schema):
    """Fields left out keep their values; an empty value clears an optional field. A new file
    needs ``name`` and ``industry``. District and street by name (香洲区, 拱北街道)."""

    uscc: str | None = Field(None, description="optional; must be the code in the address")
    name: str | None = None
    legal_representative: str | None = None
    address: str | None = None
    district: str | None = None
    street: str | None = None
    park: str | None = None
    industry: str | None = None
    scale: str | None = Field(None, description="stated scale; empty: derived from the figures")
    founded_on: str | None = Field(None, description="YYYY-MM-DD")
    registered_capital: Number = None
    employees: Number = None
    revenue: Number = None
    total_assets: Number = None
    tax_paid: Number = None
    rd_spend: Number = None
    credit_rating: str | None = None
    invention_patents: Number = None
    utility_patents: Number = None
    software_copyrights: Number = None
    trademarks: Number = None
    status: str | None = None
    tags: list[str] | None = None
    qualifications: list[RegistryQualificationIn] | None = None
    version: int | None = Field(None, description="the version you read: 409 if it changed")


class RegistryImportErrorOut(Schema):
    row: int
    column: str
    uscc: str
    code: str
    message: str


class RegistryImportJobOut(Schema):
    id: int
    file_name: str
    status: str
    format: str
    encoding: str
    source: str
    size: int = Field(description="bytes")
    bytes_read: int
    percent: int
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    unknown_columns: list[str]
    message: str
    errors: list[RegistryImportErrorOut] = Field(description="the first 50 row errors")
    error_report_url: str | None = Field(description="every row error as CSV")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


# --- shaping -----------------------------------------------------------------------------------


def _item(e: Enterprise) -> dict:
    return {
        "uscc": e.uscc,
        "name": e.name,
        "district": e.district.name if e.district_id else None,
        "street": e.street.name if e.street_id else None,
        "industry": e.industry,
        "scale": e.scale,
        "status": e.status,
        "version": e.version,
        "updated_at": e.updated_at,
    }


def _detail(e: Enterprise) -> dict:
    out = _item(e)
    for name in ("legal_representative", "address", "district_id", "street_id", "park",
                 "scale_stated", "founded_on", "registered_capital", "employees", "revenue",
                 "total_assets", "tax_paid", "rd_spend", "credit_rating", "invention_patents",
                 "utility_patents", "software_copyrights", "trademarks", "field_sources",
                 "created_at"):  # fmt: skip
        out[name] = getattr(e, name)
    out["tags"] = selectors.enterprise_tags(e)
    out["qualifications"] = [
        {
            "kind": q.kind,
            "certificate_no": q.certificate_no,
            "valid_from": q.valid_from,
            "valid_to": q.valid_to,
            "source": q.source,
        }
        for q in selectors.enterprise_qualifications(e)
    ]
    out["history"] = [
        {
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "source": c.source,
            "import_id": c.job_id,
            "at": c.at,
        }
        for c in selectors.enterprise_history(e, limit=50)
    ]
    return out


def _job(job: ImportJob) -> dict:
    return {
        **{name: getattr(job, name) for name in (
            "id", "file_name", "status", "format", "encoding", "source", "size", "bytes_read",
            "percent", "rows", "created", "updated", "unchanged", "failed", "unknown_columns",
            "message", "created_at", "started_at", "finished_at")},
        "errors": job.errors[:FIRST_ERRORS],
        "error_report_url": reverse("api-v1:registry_import_errors", args=[job.pk])
        if job.failed
        else None,
    }  # fmt: skip


# --- enterprises -------------------------------------------------------------------------------


@router.get(
    "/enterprises",
    response=RegistryEnterprisePageOut,
    operation_id="registry_enterprise_list",
    summary="Enterprise files of the caller's jurisdiction, filtered, in keyset pages",
)
def enterprise_list(request: HttpRequest, query: Query[RegistryEnterpriseQueryIn]):
    require_perm(request.user, perms.VIEW)
    industry = ""
    if query.industry:
        try:
            industry = industry_normalise(query.industry)
        except Exception as exc:
            message = " ".join(getattr(exc, "messages", [str(exc)]))
            raise InvalidInput(
                "registry.invalid_industry",
                message,
                errors=[{"field": "industry", "code": "registry.invalid_industry",
                         "message": message}],
            ) from None  # fmt: skip
    qs = selectors.enterprise_list(
        actor=request.user,
        district_id=query.district_id,
        industry=industry,
        scale=query.scale or "",
        qualification=query.qualification or "",
        status=query.status or "",
        search=query.q,
    )
    items, next_cursor = keyset_page(qs, cursor=query.cursor, limit=query.limit, descending=False)
    return {"items": [_item(e) for e in items], "next_cursor": next_cursor}


@router.get(
    "/enterprises/{uscc}",
    response=RegistryEnterpriseOut,
    operation_id="registry_enterprise_get",
    summary="One enterprise file (一企一档): profile, sources, qualifications, tags, history",
)
def enterprise_get(request: HttpRequest, uscc: str):
    actor = request.user
    if not selectors.own_usccs(actor):
        require_perm(actor, perms.VIEW)
    return _detail(selectors.enterprise_readable(actor=actor, uscc=uscc))


@router.put(
    "/enterprises/{uscc}",
    response={200: RegistryEnterpriseOut, 201: RegistryEnterpriseOut},
    operation_id="registry_enterprise_put",
    summary="Create or update one file (201 when created); 422 lists every field error",
)
def enterprise_put(request: HttpRequest, uscc: str, payload: RegistryEnterpriseIn):
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    enterprise, created = enterprise_edit(
        actor=request.user, uscc=uscc, data=data, version=version, source=Source.API
    )
    fresh = selectors.enterprise_get(actor=request.user, uscc=enterprise.uscc)
    return HttpStatus(201 if created else 200, _detail(fresh))


# --- imports -----------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={202: RegistryImportJobOut},
    operation_id="registry_import_create",
    summary="Upload a CSV or .xlsx file (multipart) → the queued import job",
)
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    source: str = Form(  # checked by the service: 422 on "source"
        "market", description="market, tax, statistics or science"
    ),
):
    job = import_job_create(actor=request.user, upload=file, source=source)
    return HttpStatus(202, _job(job))


@router.get(
    "/imports/{job_id}",
    response=RegistryImportJobOut,
    operation_id="registry_import_get",
    summary="An import job: status, progress, counts and its first row errors",
)
def import_get(request: HttpRequest, job_id: int):
    require_perm(request.user, perms.MANAGE)
    return _job(selectors.import_job_get(actor=request.user, job_id=job_id))


@router.get(
    "/imports/{job_id}/errors",
    operation_id="registry_import_errors",
    url_name="registry_import_errors",
    summary="Every row error of an import as CSV (UTF-8 with BOM)",
    response={200: None},
)
def import_errors(request: HttpRequest, job_id: int) -> HttpResponse | FileResponse:
    require_perm(request.user, perms.MANAGE)
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    if not job.failed:
        raise NotFound("error report")
    return error_report_response(job)
