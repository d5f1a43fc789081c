"""The one permission mechanism: roles grant permission codes, scopes follow the org tree.

* A staff user holds roles; each role grants permission codes (``"audit.view"``). Apps declare
  their codes in ``<app>/permissions.py`` as ``ROLE_PERMISSIONS = {Role.X: {"app.code", ...}}``;
  this module merges them.
* :func:`restrict` filters any queryset to the records the actor may see for a permission: the
  actor's organisation subtree for staff, the actor's own records for citizens and enterprises.
* :func:`get_visible` returns one record or raises :class:`NotFound` — identical for a missing
  and an invisible record, so nothing leaks.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module

from django.apps import apps
from django.db.models import Q, QuerySet

from yiwang.core.choices import AccountKind, Role
from yiwang.core.errors import Forbidden, NotFound

CORE_ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.PLATFORM_ADMIN: {
        "core.view_organisation",
        "core.manage_organisation",
        "core.view_user",
        "core.manage_user",
        "core.manage_api_client",
        "workbench.access",
        "dashboard.view",
    },
    Role.SECURITY_ADMIN: {
        "core.view_user",
        "core.unlock_user",
        "core.manage_security_policy",
        "core.revoke_api_token",
        "workbench.access",
    },
    Role.AUDIT_ADMIN: {"audit.view", "audit.export", "workbench.access"},
    Role.ORG_ADMIN: {
        "core.view_organisation",
        "core.view_user",
        "core.manage_user",
        "workbench.access",
    },
    Role.HOTLINE_OPERATOR: {"core.view_organisation", "workbench.access"},
    Role.CASE_HANDLER: {"core.view_organisation", "workbench.access"},
    Role.SERVICE_EDITOR: {"core.view_organisation", "workbench.access"},
    Role.SERVICE_REVIEWER: {"core.view_organisation", "workbench.access"},
    Role.DATA_OFFICER: {"core.view_organisation", "workbench.access"},
    Role.POLICY_OFFICER: {"core.view_organisation", "workbench.access"},
    Role.SECURITY_ANALYST: {"core.view_organisation", "workbench.access"},
    Role.LEADER: {"core.view_organisation", "dashboard.view", "workbench.access"},
    Role.AUDITOR: {"audit.view", "audit.export", "core.view_organisation", "workbench.access"},
}


@lru_cache(maxsize=1)
def role_permissions() -> dict[str, frozenset[str]]:
    merged: dict[str, set[str]] = {
        role: set(perms) for role, perms in CORE_ROLE_PERMISSIONS.items()
    }
    for config in apps.get_app_configs():
        if not config.name.startswith("yiwang.") or config.name == "yiwang.core":
            continue
        try:
            module = import_module(f"{config.name}.permissions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.permissions":
                raise
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, set()).update(perms)
    return {role: frozenset(perms) for role, perms in merged.items()}


def permissions_of(actor) -> frozenset[str]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    cached = getattr(actor, "_yiwang_perms", None)
    if cached is not None:
        return cached
    table = role_permissions()
    perms: set[str] = set()
    if actor.kind == AccountKind.STAFF or actor.kind == AccountKind.SYSTEM:
        for role in actor.role_codes:
            perms |= table.get(role, frozenset())
        token_scopes = getattr(actor, "_token_scopes", None)
        if token_scopes is not None:
            # A token never has more than its client's user, and only its scopes.
            perms &= set(token_scopes)
    result = frozenset(perms)
    actor._yiwang_perms = result
    return result


def has_perm(actor, perm: str) -> bool:
    return bool(actor is not None and getattr(actor, "is_superuser", False)) or (
        perm in permissions_of(actor)
    )


def require_perm(actor, perm: str) -> None:
    if not has_perm(actor, perm):
        raise Forbidden("permission_denied", f"permission {perm} required")


def restrict(
    qs: QuerySet,
    actor,
    perm: str,
    *,
    org_path: str | None = "organisation__path",
    owner: str | None = None,
) -> QuerySet:
    """Records of ``qs`` the actor may see with ``perm``.

    ``org_path`` names the lookup to the owning organisation's path (``None`` if the model has
    no organisation); ``owner`` names the lookup to the owning user for public accounts.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    if actor.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE):
        if owner is None:
            return qs.none()
        return qs.filter(**{owner: actor})
    if not has_perm(actor, perm):
        return qs.none()
    if actor.is_superuser:
        return qs
    org = actor.organisation
    if org is None or org_path is None:
        return qs.none() if org_path is not None else qs
    return qs.filter(**{f"{org_path}__startswith": org.path})


def get_visible(qs: QuerySet, actor, perm: str, *, what: str = "object", **lookup):
    """One record visible to ``actor`` or :class:`NotFound` (never 403: no existence leak)."""
    model_scope = {k: lookup.pop(k) for k in ("org_path", "owner") if k in lookup}
    try:
        return restrict(qs, actor, perm, **model_scope).get(**lookup)
    except qs.model.DoesNotExist:
        raise NotFound(what) from None


def subtree_q(actor, org_path: str = "organisation__path") -> Q:
    """Q object for the actor's subtree, for use inside more complex filters."""
    if actor.is_superuser:
        return Q()
    if actor.organisation is None:
        return Q(pk__in=[])
    return Q(**{f"{org_path}__startswith": actor.organisation.path})
