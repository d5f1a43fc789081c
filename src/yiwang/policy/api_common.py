"""Who may call the policy API's endpoints: officers (staff holding a permission code) and
enterprise users (the service desk, consultation)."""

from __future__ import annotations

from django.http import HttpRequest

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Forbidden
from yiwang.core.permissions import require_perm
from yiwang.policy import permissions as perms


def officer_of(request: HttpRequest, perm: str = perms.VIEW):
    """The caller of an officer endpoint: public accounts and staff without ``perm`` get 403."""
    actor = request.user
    if actor.kind not in (AccountKind.STAFF, AccountKind.SYSTEM):
        raise Forbidden("permission_denied", f"permission {perm} required")
    require_perm(actor, perm)
    return actor


def enterprise_user_of(request: HttpRequest):
    """The caller of an enterprise endpoint: staff and citizens get 403."""
    actor = request.user
    if actor.kind != AccountKind.ENTERPRISE:
        raise Forbidden("policy.enterprise_only", "This is for enterprise users.")
    return actor
