"""Reads the web shell needs: who the user is, where they land, their tree, platform warnings."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.core import health
from yiwang.core.choices import AccountKind, OrgKind, Role
from yiwang.core.models import CitizenProfile, Organisation
from yiwang.core.permissions import has_perm
from yiwang.core.selectors import organisation_list

logger = logging.getLogger(__name__)

_CITY_NAME_KEY = "portal:city_name"


def city_name() -> str:
    """The city the platform serves: ``settings.YIWANG_CITY_NAME`` or the root organisation."""
    configured = getattr(settings, "YIWANG_CITY_NAME", "")
    if configured:
        return configured
    name = cache.get(_CITY_NAME_KEY)
    if name is None:
        root = (
            Organisation.objects.filter(parent__isnull=True, kind=OrgKind.CITY, is_active=True)
            .order_by("sort_order", "pk")
            .values_list("name", flat=True)
            .first()
        )
        name = root or ""
        cache.set(_CITY_NAME_KEY, name, 300)
    return name


def is_workbench_user(user) -> bool:
    """Government staff (and superusers) use the workbench; public accounts never see it."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.kind == AccountKind.STAFF)
    )


def is_platform_admin(user) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or Role.PLATFORM_ADMIN in user.role_codes)
    )


def landing_url(user) -> str:
    """Where a user goes after signing in when no ``next`` was asked for."""
    return reverse("portal:workbench" if is_workbench_user(user) else "portal:me")


def role_labels(user) -> list[str]:
    labels = []
    for code in sorted(user.role_codes):
        try:
            labels.append(str(Role(code).label))
        except ValueError:
            labels.append(code)
    return labels


@dataclass(frozen=True)
class EnterpriseLine:
    name: str
    uscc: str
    role: str


@dataclass(frozen=True)
class AccountSummary:
    username: str
    display_name: str
    kind: str
    email: str
    mobile_masked: str
    organisation: str
    roles: list[str]
    real_name: str = ""
    id_number_masked: str = ""
    verified_at: dt.datetime | None = None
    enterprises: list[EnterpriseLine] = field(default_factory=list)
    date_joined: dt.datetime | None = None
    last_login: dt.datetime | None = None


def account_summary(user) -> AccountSummary:
    """What the "my account" page shows; personal data only in masked form."""
    try:
        citizen = user.citizen
    except CitizenProfile.DoesNotExist:
        citizen = None
    memberships = user.enterprise_memberships.select_related("enterprise").order_by(
        "enterprise__name"
    )
    return AccountSummary(
        username=user.username,
        display_name=user.display_name or user.username,
        kind=str(user.get_kind_display()),
        email=user.email,
        mobile_masked=user.masked_mobile,
        organisation=user.organisation.name if user.organisation_id else "",
        roles=role_labels(user),
        real_name=citizen.real_name if citizen else "",
        id_number_masked=citizen.id_number_masked if citizen else "",
        verified_at=citizen.verified_at if citizen else None,
        enterprises=[
            EnterpriseLine(m.enterprise.name, m.enterprise.uscc, str(m.get_role_display()))
            for m in memberships
        ],
        date_joined=user.date_joined,
        last_login=user.last_login,
    )


@dataclass(frozen=True)
class TreeNode:
    org: Organisation
    level: int  # depth below the top of what the user sees (0 = a visible root)
    has_children: bool


def organisation_tree(*, actor) -> list[TreeNode]:
    """The organisations ``actor`` may see, depth-first, siblings by sort order then creation.

    Nodes whose parent is invisible (the top of the actor's subtree) become roots.
    """
    if not has_perm(actor, "core.view_organisation"):
        return []
    orgs = list(organisation_list(actor=actor))
    by_id = {o.pk: o for o in orgs}
    children: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        parent = org.parent_id if org.parent_id in by_id else None
        children.setdefault(parent, []).append(org)
    for siblings in children.values():
        siblings.sort(key=lambda o: (o.sort_order, o.pk))
    result: list[TreeNode] = []
    stack = [(org, 0) for org in reversed(children.get(None, []))]
    while stack:
        org, level = stack.pop()
        kids = children.get(org.pk, [])
        result.append(TreeNode(org=org, level=level, has_children=bool(kids)))
        stack.extend((kid, level + 1) for kid in reversed(kids))
    return result


def health_warnings() -> list[str]:
    """Warnings registered in ``yiwang.core.health.WARNINGS`` (e.g. a calendar year with no
    data); a provider that fails becomes a warning itself instead of breaking the page."""
    warnings: list[str] = []
    for provider in list(health.WARNINGS):
        try:
            warnings.extend(str(w) for w in provider())
        except Exception as exc:
            logger.exception("health warning provider %r failed", provider)
            warnings.append(_("A warning check failed: %(error)s") % {"error": exc})
    return warnings
