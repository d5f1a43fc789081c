"""Reads of the enterprise registry: the matchable profiles for the policy engine (streamed),
the change feed, and the officer's lists."""

from __future__ import annotations

from collections.abc import Iterator

from yiwang.registry.models import Enterprise, EnterpriseTag, ProfileChange, Qualification
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
