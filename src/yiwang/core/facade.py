"""What other apps may use of core beyond its kernel modules.

Kernel modules every app imports directly: ``audit``, ``errors``, ``permissions``, ``api_base``,
``context``, ``pii``, ``validators``, ``choices``, ``health``, ``seed``. Core's models, services
and selectors are internal (import-linter enforces it); this facade exposes the few reads other
apps need, as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.core.choices import OrgKind
from yiwang.core.models import EnterpriseAccount, Organisation, User


@dataclass(frozen=True)
class OrgRef:
    id: int
    name: str
    kind: str
    path: str
    division_code: str | None
    uscc: str = ""


def _ref(org: Organisation) -> OrgRef:
    return OrgRef(org.pk, org.name, org.kind, org.path, org.division_id, org.uscc)


def organisation_by_code(code: str) -> OrgRef | None:
    org = Organisation.objects.filter(code=code).first()
    return _ref(org) if org else None


def organisation_by_id(pk: int) -> OrgRef | None:
    org = Organisation.objects.filter(pk=pk).first()
    return _ref(org) if org else None


def organisation_ancestors(pk: int) -> list[OrgRef]:
    """The chain from the city root down to the organisation itself."""
    org = Organisation.objects.filter(pk=pk).first()
    if org is None:
        return []
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    by_id = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    return [_ref(by_id[i]) for i in ids if i in by_id]


def user_label(pk: int) -> str:
    user = User.objects.filter(pk=pk).only("username", "display_name").first()
    return str(user) if user else ""


def users_with_role(role: str, *, within: OrgRef | None = None) -> list[int]:
    """Ids of active users holding ``role``, optionally inside an organisation's subtree."""
    qs = User.objects.filter(is_active=True, role_assignments__role=role)
    if within is not None:
        qs = qs.filter(organisation__path__startswith=within.path)
    return list(qs.values_list("pk", flat=True).distinct())


def cities() -> list[OrgRef]:
    """The cities (roots of organisation trees), oldest first."""
    return [_ref(o) for o in Organisation.objects.filter(kind=OrgKind.CITY).order_by("pk")]


def places_of_city(city_id: int) -> list[OrgRef]:
    """The districts, functional areas and streets of a city (its places, for addresses and
    enterprise files), in tree order."""
    city = Organisation.objects.filter(pk=city_id).first()
    if city is None:
        return []
    kinds = [OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA, OrgKind.STREET]
    places = Organisation.objects.filter(path__startswith=city.path, kind__in=kinds)
    return [_ref(o) for o in places.order_by("path")]


@dataclass(frozen=True)
class EnterpriseAccountRef:
    uscc: str
    name: str
    district_id: int | None


def enterprise_accounts() -> list[EnterpriseAccountRef]:
    """Every enterprise account (the enterprises users act for), by id: the registry's seed
    gives each of them a file."""
    rows = EnterpriseAccount.objects.order_by("pk").values_list("uscc", "name", "district_id")
    return [EnterpriseAccountRef(u, n, d) for u, n, d in rows]
