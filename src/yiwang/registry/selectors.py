"""Reads of the enterprise registry: the matchable profiles for the policy engine (streamed),
the change feed, and the officer's lists.

Who sees which files (:class:`Jurisdiction`): staff holding ``registry.view`` see the
enterprises of their jurisdiction — the street their organisation belongs to, else its
district or functional area, else its whole city (city departments, the platform). A file
outside it answers 404 exactly like a missing one. Enterprise users see only the files of the
enterprises they act for (``core.EnterpriseAccount`` by USCC), read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yiwang.core import facade as core
from yiwang.core.choices import AccountKind, OrgKind
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm
from yiwang.registry import permissions as perms
from yiwang.registry.choices import JobStatus
from yiwang.registry.models import (
    Enterprise,
    EnterpriseTag,
    ImportJob,
    ProfileChange,
    Qualification,
)
from yiwang.registry.services.profiles import COUNT_FIELDS, MONEY_FIELDS, Places

MATCH_COLUMNS = ("id", "industry", "scale", "status", "founded_on", "credit_rating", "park",
                 "district_id", "street_id", *MONEY_FIELDS, *COUNT_FIELDS)  # fmt: skip
CHUNK = 5000


def matchable_profiles(*, city_id: int, ids: list[int] | None = None) -> Iterator[dict]:
    """The profiles the policy engine matches, in id order: the catalogue's fields (district
    and street by name), ``qualifications`` as ``[(kind, valid_from, valid_to), …]``. Streamed
    in chunks of 5,000 (two queries per chunk); ``ids`` restricts to some enterprises."""
    places = Places.of(city_id)
    names = places.names
    qs = Enterprise.objects.filter(city_id=city_id).order_by("pk").values_list(*MATCH_COLUMNS)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        held: dict[int, list] = {}
        for enterprise_id, kind, start, end in Qualification.objects.filter(
            enterprise_id__gte=chunk[0][0], enterprise_id__lte=last, enterprise__city_id=city_id
        ).values_list("enterprise_id", "kind", "valid_from", "valid_to"):
            held.setdefault(enterprise_id, []).append((kind, start, end))
        tagged: dict[int, list[str]] = {}
        for enterprise_id, tag in EnterpriseTag.objects.filter(
            enterprise_id__gte=chunk[0][0], enterprise_id__lte=last, enterprise__city_id=city_id
        ).values_list("enterprise_id", "tag"):
            tagged.setdefault(enterprise_id, []).append(tag)
        for row in chunk:
            profile = dict(zip(MATCH_COLUMNS, row, strict=True))
            profile["district"] = names.get(profile.pop("district_id"))
            profile["street"] = names.get(profile.pop("street_id"))
            profile["qualifications"] = held.get(profile["id"], [])
            profile["tags"] = tagged.get(profile["id"], [])
            yield profile


def change_cursor() -> int:
    """The id of the newest profile change (0 when none): where the change feed stands."""
    last = ProfileChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def changed_since(cursor: int, *, limit: int = 10000) -> tuple[int, list[int]]:
    """(the new cursor, the ids of the enterprises changed after ``cursor``) — at most
    ``limit`` changes at a time."""
    rows = list(
        ProfileChange.objects.filter(pk__gt=cursor)
        .order_by("pk")
        .values_list("pk", "enterprise_id")[:limit]
    )
    if not rows:
        return cursor, []
    return rows[-1][0], sorted({e for _pk, e in rows})


# --- who sees what -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Jurisdiction:
    """The enterprises a member of staff answers for: a street, a district (or functional
    area) or a whole city; ``everything`` for superusers and the platform itself (CLI, tasks
    without an actor), still within ``city_id`` when one is given."""

    city_id: int | None
    district_id: int | None = None
    street_id: int | None = None
    everything: bool = False

    @classmethod
    def of(cls, actor, *, city_id: int | None = None) -> Jurisdiction | None:
        """``None`` when the actor sees no enterprise file as staff."""
        if actor is None:
            return cls(city_id=city_id, everything=True)
        if not getattr(actor, "is_authenticated", False) or actor.kind not in (
            AccountKind.STAFF,
            AccountKind.SYSTEM,
        ):
            return None
        cached = getattr(actor, "_registry_jurisdiction", False)
        if cached is not False:
            return cached
        found: Jurisdiction | None = None
        if actor.organisation_id:
            chain = core.organisation_ancestors(actor.organisation_id)
            city = next((o.id for o in chain if o.kind == OrgKind.CITY), None)
            district = next(
                (o.id for o in reversed(chain)
                 if o.kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA)),
                None,
            )  # fmt: skip
            street = next((o.id for o in reversed(chain) if o.kind == OrgKind.STREET), None)
            if actor.is_superuser:
                found = cls(city_id=city, everything=True)
            elif city is not None:
                found = cls(city_id=city, district_id=district, street_id=street)
        elif actor.is_superuser:
            found = cls(city_id=city_id, everything=True)
        actor._registry_jurisdiction = found
        return found

    @property
    def level(self) -> str:
        if self.everything or (self.district_id is None and self.street_id is None):
            return "city"
        return "street" if self.street_id else "district"

    def q(self) -> Q:
        condition = Q(city_id=self.city_id) if self.city_id is not None else Q()
        if self.everything:
            return condition
        if self.street_id is not None:
            return condition & Q(street_id=self.street_id)
        if self.district_id is not None:
            return condition & Q(district_id=self.district_id)
        return condition

    def covers(self, *, district_id: int | None, street_id: int | None) -> bool:
        """Whether a file placed in this district and street is inside the jurisdiction."""
        if self.everything or self.level == "city":
            return True
        if self.street_id is not None:
            return street_id == self.street_id
        return district_id == self.district_id


def _staff_scope(actor, perm: str) -> Jurisdiction | None:
    if not has_perm(actor, perm):
        return None
    return Jurisdiction.of(actor)


def enterprises_visible(*, actor, perm: str = perms.VIEW) -> QuerySet:
    """The files ``actor`` may see as staff (none for public accounts)."""
    scope = _staff_scope(actor, perm)
    if scope is None:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(scope.q())


def enterprise_list(
    *,
    actor,
    district_id: int | None = None,
    industry: str = "",
    scale: str = "",
    qualification: str = "",
    status: str = "",
    search: str = "",
    on: dt.date | None = None,
) -> QuerySet:
    """The officer's list with its filters (all optional): district, industry prefix
    (canonical GB/T 4754 code), scale, a qualification valid ``on`` (today), operating status,
    and a name fragment or the start of a USCC."""
    qs = enterprises_visible(actor=actor)
    if district_id:
        qs = qs.filter(district_id=district_id)
    if industry:
        qs = qs.filter(industry__startswith=industry)
    if scale:
        qs = qs.filter(scale=scale)
    if status:
        qs = qs.filter(status=status)
    if qualification:
        on = on or timezone.localdate()
        qs = qs.filter(
            Exists(
                Qualification.objects.filter(
                    enterprise=OuterRef("pk"),
                    kind=qualification,
                    valid_from__lte=on,
                    valid_to__gte=on,
                )
            )
        )
    search = (search or "").strip()
    if search:
        code = search.upper()
        if len(code) >= 4 and code.isalnum() and code.isascii():
            qs = qs.filter(Q(uscc__startswith=code) | Q(name__icontains=search))
        else:
            qs = qs.filter(name__icontains=search)
    return qs.select_related("district", "street").order_by("pk")


def enterprise_get(*, actor, uscc: str, perm: str = perms.VIEW) -> Enterprise:
    """One file the actor may see as staff, else :class:`NotFound` (missing and invisible
    alike)."""
    enterprise = (
        enterprises_visible(actor=actor, perm=perm)
        .select_related("district", "street", "city")
        .filter(uscc=(uscc or "").strip().upper())
        .first()
    )
    if enterprise is None:
        raise NotFound("enterprise")
    return enterprise


def own_usccs(actor) -> list[str]:
    """The USCCs of the enterprises an enterprise user acts for (none for anyone else)."""
    if not getattr(actor, "is_authenticated", False) or actor.kind != AccountKind.ENTERPRISE:
        return []
    return list(
        actor.enterprise_memberships.order_by("enterprise__name").values_list(
            "enterprise__uscc", flat=True
        )
    )


def enterprise_own(*, actor, uscc: str | None = None) -> Enterprise:
    """An enterprise user's own file (the first of theirs when ``uscc`` is not given); another
    enterprise's file, or one the registry does not hold, is :class:`NotFound`."""
    mine = own_usccs(actor)
    wanted = (uscc or "").strip().upper() or (mine[0] if mine else "")
    if not wanted or wanted not in mine:
        raise NotFound("enterprise")
    enterprise = (
        Enterprise.objects.select_related("district", "street", "city").filter(uscc=wanted).first()
    )
    if enterprise is None:
        raise NotFound("enterprise")
    return enterprise


def enterprise_readable(*, actor, uscc: str) -> Enterprise:
    """A file as staff (in jurisdiction) or as one of the enterprise's own users."""
    if getattr(actor, "is_authenticated", False) and actor.kind == AccountKind.ENTERPRISE:
        return enterprise_own(actor=actor, uscc=uscc)
    return enterprise_get(actor=actor, uscc=uscc)


def enterprise_history(enterprise: Enterprise, *, limit: int = 200) -> list[ProfileChange]:
    """The newest changes of a file first (the history timeline)."""
    return list(
        ProfileChange.objects.filter(enterprise=enterprise)
        .select_related("job")
        .order_by("-pk")[:limit]
    )


def enterprise_qualifications(enterprise: Enterprise) -> list[Qualification]:
    return list(enterprise.qualifications.order_by("kind", "-valid_from"))


def enterprise_tags(enterprise: Enterprise) -> list[str]:
    return list(enterprise.tags.order_by("tag").values_list("tag", flat=True))


# --- imports -----------------------------------------------------------------------------------


def import_jobs_visible(*, actor) -> QuerySet:
    """Imports an officer may follow: their own, and every import of their city for officers
    who answer for the whole city."""
    scope = _staff_scope(actor, perms.MANAGE)
    if scope is None:
        return ImportJob.objects.none()
    qs = ImportJob.objects.select_related("actor")
    if scope.level == "city":
        return qs.filter(city_id=scope.city_id) if scope.city_id else qs
    return qs.filter(actor=actor)


def import_job_get(*, actor, job_id: int) -> ImportJob:
    job = import_jobs_visible(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound("import")
    return job


def import_jobs_stalled(*, queued_before: dt.datetime, silent_before: dt.datetime) -> list[int]:
    """Jobs a lost task left undone: queued with a file and never started, or running without
    progress (a worker that died)."""
    queued = ImportJob.objects.filter(
        status=JobStatus.QUEUED, created_at__lt=queued_before
    ).exclude(file="")
    running = ImportJob.objects.filter(
        status=JobStatus.RUNNING, heartbeat_at__lt=silent_before
    ).exclude(file="")
    return sorted(
        set(queued.values_list("pk", flat=True)) | set(running.values_list("pk", flat=True))
    )
