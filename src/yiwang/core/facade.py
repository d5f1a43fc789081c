"""What other apps may use of core beyond its kernel modules.

Kernel modules every app imports directly: ``audit``, ``errors``, ``permissions``, ``api_base``,
``context``, ``pii``, ``validators``, ``choices``, ``health``, ``seed``. Core's models, services
and selectors are internal (import-linter enforces it); this facade exposes the few reads other
apps need, as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.core.choices import AccountKind, EnterpriseMemberRole, OrgKind
from yiwang.core.models import EnterpriseAccount, EnterpriseMember, Organisation, User


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


def enterprise_member_ids(usccs: Iterable[str]) -> dict[str, list[int]]:
    """USCC → ids of the active users acting for that enterprise account (every given USCC is
    a key; an enterprise without an account or without members has an empty list). One
    query; the policy push looks up its recipients with it."""
    found: dict[str, list[int]] = {u: [] for u in usccs}
    if not found:
        return found
    rows = (
        EnterpriseMember.objects.filter(enterprise__uscc__in=list(found), user__is_active=True)
        .order_by("user_id")
        .values_list("enterprise__uscc", "user_id")
    )
    for uscc, user_id in rows:
        found[uscc].append(user_id)
    return found


@dataclass(frozen=True)
class EnterpriseAgentIn:
    """An enterprise account to ensure, with one member user (the demo seed)."""

    uscc: str
    name: str
    username: str
    display_name: str
    mobile: str = ""
    district_id: int | None = None


def enterprise_agents_provision(rows: Iterable[EnterpriseAgentIn]) -> int:
    """Give each enterprise an account (created when missing) and, when the account has no
    member yet, one agent user with an unusable password (they sign in after a password
    reset) — in bulk, with one audit record. Idempotent: accounts with members and taken
    user names are left alone. Returns the number of users created. For seeding: the
    credit codes must be valid (the registry's)."""
    rows = list(rows)
    if not rows:
        return 0
    with transaction.atomic():
        accounts = {
            a.uscc: a for a in EnterpriseAccount.objects.filter(uscc__in=[r.uscc for r in rows])
        }
        missing = [
            EnterpriseAccount(uscc=r.uscc, name=r.name[:200], district_id=r.district_id)
            for r in rows
            if r.uscc not in accounts
        ]
        EnterpriseAccount.objects.bulk_create(missing, batch_size=2000)
        accounts = {
            a.uscc: a for a in EnterpriseAccount.objects.filter(uscc__in=[r.uscc for r in rows])
        }
        staffed = set(
            EnterpriseMember.objects.filter(enterprise__in=list(accounts.values())).values_list(
                "enterprise__uscc", flat=True
            )
        )
        taken = set(
            User.objects.filter(username__in=[r.username for r in rows]).values_list(
                "username", flat=True
            )
        )
        todo = [r for r in rows if r.uscc not in staffed and r.username not in taken]
        users = [
            User(
                username=r.username,
                display_name=r.display_name,
                kind=AccountKind.ENTERPRISE,
                mobile=r.mobile,
                password=make_password(None),  # unusable: no hash to compute
            )
            for r in todo
        ]
        User.objects.bulk_create(users, batch_size=2000)
        ids = dict(
            User.objects.filter(username__in=[r.username for r in todo]).values_list(
                "username", "pk"
            )
        )
        EnterpriseMember.objects.bulk_create(
            [
                EnterpriseMember(
                    enterprise=accounts[r.uscc],
                    user_id=ids[r.username],
                    role=EnterpriseMemberRole.ADMIN,
                )
                for r in todo
            ],
            batch_size=2000,
        )
        if missing or todo:
            audit_record(
                actor=None,
                action="core.enterprise.provision",
                object_type="core.enterpriseaccount",
                changes={"accounts_created": len(missing), "users_created": len(todo)},
            )
    return len(todo)
