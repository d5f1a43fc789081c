"""Reads of the core app, already scoped to what the actor may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from yiwang.core.models import AuditLog, Organisation, User
from yiwang.core.permissions import get_visible, has_perm, restrict


def organisation_list(
    *, actor, kind: str | None = None, under: Organisation | None = None
) -> QuerySet:
    qs = restrict(
        Organisation.objects.select_related("division", "parent"),
        actor,
        "core.view_organisation",
        org_path="path",
    )
    if kind:
        qs = qs.filter(kind=kind)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return qs


def organisation_get(*, actor, pk: int) -> Organisation:
    return get_visible(
        Organisation.objects.select_related("division", "parent"),
        actor,
        "core.view_organisation",
        what="organisation",
        org_path="path",
        pk=pk,
    )


def user_list(*, actor, organisation: Organisation | None = None) -> QuerySet:
    qs = restrict(
        User.objects.select_related("organisation").prefetch_related("role_assignments"),
        actor,
        "core.view_user",
    )
    if organisation is not None:
        qs = qs.filter(organisation__path__startswith=organisation.path)
    return qs.order_by("organisation__path", "username")


def user_get(*, actor, pk: int) -> User:
    return get_visible(
        User.objects.select_related("organisation"), actor, "core.view_user", what="user", pk=pk
    )


def audit_list(
    *,
    actor,
    action: str | None = None,
    actor_username: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    request_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet:
    """Audit records of actions taken inside the auditor's subtree (system actions included
    for auditors at the city root)."""
    qs = restrict(AuditLog.objects.all(), actor, "audit.view", org_path="actor_organisation_path")
    org = getattr(actor, "organisation", None)
    if org is not None and org.parent_id is None and has_perm(actor, "audit.view"):
        # Auditors at the city root also see system actions and public accounts' actions.
        qs = qs | AuditLog.objects.filter(actor_organisation_path="")
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_username:
        qs = qs.filter(actor_label__icontains=actor_username)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    return qs.order_by("-occurred_at", "-id")
