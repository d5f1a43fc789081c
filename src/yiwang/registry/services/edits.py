"""An officer's or an API client's write of one enterprise file, inside their jurisdiction.

:func:`enterprise_edit` checks ``registry.manage``, answers 404 for a file outside the actor's
jurisdiction (like a missing one), refuses to place a file in a district or street the actor
does not answer for (422 on ``district``), then writes through
:func:`~yiwang.registry.services.profiles.enterprise_save` (history, sources, audit, 409 on a
concurrent edit).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.errors import Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import require_perm
from yiwang.registry import permissions as perms
from yiwang.registry.choices import Source
from yiwang.registry.models import Enterprise
from yiwang.registry.selectors import Jurisdiction
from yiwang.registry.services.profiles import Places, enterprise_save, profile_clean


def _field_error(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def enterprise_edit(
    *,
    actor,
    uscc: str,
    data: dict[str, Any],
    version: int | None = None,
    source: str = Source.OFFICER,
) -> tuple[Enterprise, bool]:
    """Create or update the file of ``uscc``; returns (the file, whether it was created)."""
    require_perm(actor, perms.MANAGE)
    scope = Jurisdiction.of(actor)
    if scope is None or scope.city_id is None:
        raise Forbidden("registry.no_jurisdiction", _("You answer for no city's enterprises."))
    code = (uscc or "").strip().upper()
    given = str(data.get("uscc") or "").strip().upper()
    if given and given != code:
        raise _field_error(
            "uscc",
            "registry.uscc_mismatch",
            _("The code in the body (%(body)s) is not the one in the address (%(path)s).")
            % {"body": given, "path": code},
        )
    data = {**data, "uscc": code}
    existing = Enterprise.objects.filter(uscc=code).first()
    if existing is not None and (
        existing.city_id != scope.city_id
        or not scope.covers(district_id=existing.district_id, street_id=existing.street_id)
    ):
        raise NotFound("enterprise")
    if scope.level != "city":
        _check_place(scope, data, existing)
    enterprise = enterprise_save(
        actor=actor, city_id=scope.city_id, data=data, source=source, version=version
    )
    return enterprise, existing is None


def _check_place(scope: Jurisdiction, data: dict[str, Any], existing: Enterprise | None) -> None:
    """A district or street officer keeps the file inside their jurisdiction."""
    places = {k: data[k] for k in ("district", "street") if k in data}
    cleaned = profile_clean(places, places=Places.of(scope.city_id))
    if cleaned.errors:
        return  # enterprise_save reports them with the other field errors
    values = cleaned.values
    district = existing.district_id if existing else None
    street = existing.street_id if existing else None
    if "street" in values:
        street = values["street"]
    if "district" in values:
        district = values["district"]
    elif values.get("_street_district"):
        district = values["_street_district"]
    if not scope.covers(district_id=district, street_id=street):
        raise _field_error(
            "district",
            "registry.outside_jurisdiction",
            _("Choose a district and street within your jurisdiction."),
        )
