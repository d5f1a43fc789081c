"""Core API: the current user, organisations, audit search."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yiwang.core import selectors
from yiwang.core.api_base import keyset_page
from yiwang.core.permissions import permissions_of, require_perm

router = Router(tags=["core"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    division_code: str | None
    uscc: str
    code: str
    depth: int

    @staticmethod
    def resolve_division_code(obj) -> str | None:
        return obj.division_id


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    kind: str
    organisation: OrganisationOut | None
    roles: list[str]
    permissions: list[str]


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class AuditOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    result: str
    request_id: str
    ip: str | None
    channel: str


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


class AuditFilter(Schema):
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    request_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/me", response=MeOut, operation_id="core_me", summary="The authenticated user")
def me(request: HttpRequest):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "kind": user.kind,
        "organisation": user.organisation,
        "roles": sorted(user.role_codes),
        "permissions": sorted(permissions_of(user)),
    }


@router.get(
    "/organisations",
    response=OrganisationPage,
    operation_id="core_organisation_list",
    summary="Organisations visible to the caller",
)
def organisation_list(
    request: HttpRequest, kind: str | None = None, cursor: str | None = None, limit: int = 100
):
    qs = selectors.organisation_list(actor=request.auth, kind=kind)
    items, next_cursor = keyset_page(qs, cursor=cursor, limit=limit, descending=False)
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/organisations/{org_id}",
    response=OrganisationOut,
    operation_id="core_organisation_get",
    summary="One organisation",
)
def organisation_get(request: HttpRequest, org_id: int):
    return selectors.organisation_get(actor=request.auth, pk=org_id)


@router.get(
    "/audit/records",
    response=AuditPage,
    operation_id="core_audit_list",
    summary="Search audit records (auditors)",
)
def audit_list(request: HttpRequest, filters: Query[AuditFilter]):
    require_perm(request.auth, "audit.view")
    qs = selectors.audit_list(
        actor=request.auth,
        action=filters.action,
        actor_username=filters.actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        request_id=filters.request_id,
        since=filters.since,
        until=filters.until,
    )
    items, next_cursor = keyset_page(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}
