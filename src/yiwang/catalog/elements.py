"""The implementation elements of a version: cleaning with per-field errors, time-limit
comparison across units, and the diff between two versions."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalog.choices import UNIFIED_ELEMENTS, HandlingType, LimitUnit, Tongban
from yiwang.core.errors import InvalidInput

SCALARS = (
    "legal_limit",
    "legal_limit_unit",
    "promised_limit",
    "promised_limit_unit",
    "handling_type",
    "visits",
    "online",
    "online_depth",
    "tongban",
    "fee_free",
)
LISTS = ("conditions", "materials", "steps", "fees", "places", "faq")
DICTS = ("phones", "result")
ELEMENTS = (*SCALARS, *LISTS, *DICTS, "deviation_reason")
LIMIT_MAX = 365
TEXT_MAX = 2000
LIST_MAX = 200


def natural_days(value: int, unit: str) -> int:
    """A limit in natural days, for comparing limits given in different units: five working
    days are taken as one calendar week (ceiling), the usual reading of 工作日 limits."""
    return value if unit == LimitUnit.NATURAL_DAY else math.ceil(value * 7 / 5)


def promised_within_legal(promised: int, p_unit: str, legal: int, l_unit: str) -> bool:
    if p_unit == l_unit:
        return promised <= legal
    return natural_days(promised, p_unit) <= natural_days(legal, l_unit)


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"field": field, "code": code, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise InvalidInput(
                first["code"], "; ".join(e["message"] for e in self.items), errors=self.items
            )


def _int(errors: _Errors, data: dict, field: str, low: int, high: int) -> None:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.add(
            field,
            "catalog.invalid_number",
            _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
        )


def _choice(errors: _Errors, data: dict, field: str, choices) -> None:
    if data.get(field) not in choices.values:
        errors.add(field, "catalog.invalid_choice", _("Not one of the allowed values."))


def _texts(errors: _Errors, value: Any, field: str) -> None:
    if not isinstance(value, list) or len(value) > LIST_MAX:
        errors.add(field, "catalog.invalid_list", _("Give a list (at most 200 entries)."))
        return
    for entry in value:
        if isinstance(entry, str):
            bad = not entry.strip() or len(entry) > TEXT_MAX
        elif isinstance(entry, dict):
            bad = not entry or any(
                not isinstance(v, str | int | bool | None)
                or (isinstance(v, str) and len(v) > TEXT_MAX)
                for v in entry.values()
            )
        else:
            bad = True
        if bad:
            errors.add(field, "catalog.invalid_entry", _("An entry of this list is not valid."))
            return


def _materials(errors: _Errors, value: Any) -> None:
    if not isinstance(value, list):
        return
    names = set()
    for entry in value:
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            errors.add("materials", "catalog.material_name", _("Every material needs a name."))
            return
        name = entry["name"].strip()
        if name in names:
            errors.add(
                "materials",
                "catalog.material_duplicate",
                _("The material %(name)s is listed twice.") % {"name": name},
            )
            return
        names.add(name)
        if not entry.get("required", True) and not str(entry.get("condition") or "").strip():
            errors.add(
                "materials",
                "catalog.material_condition",
                _("A material that is not always required needs its condition (%(name)s).")
                % {"name": name},
            )
            return


def clean_elements(data: dict[str, Any]) -> dict[str, Any]:
    """The elements of a version, checked all at once (per-field errors, ``InvalidInput``).

    Unified elements (name, code, kind, competent department, implementing level, basis) are
    the basic item's and are refused here: ``catalog.unified_element``."""
    errors = _Errors()
    for field in sorted(set(data) & set(UNIFIED_ELEMENTS)):
        errors.add(
            field,
            "catalog.unified_element",
            _("%(field)s is unified province-wide: it is set on the basic catalogue item.")
            % {"field": field},
        )
    for field in sorted(set(data) - set(ELEMENTS) - set(UNIFIED_ELEMENTS)):
        errors.add(field, "catalog.unknown_element", _("Unknown element."))
    _int(errors, data, "legal_limit", 0, LIMIT_MAX)
    _int(errors, data, "promised_limit", 0, LIMIT_MAX)
    _choice(errors, data, "legal_limit_unit", LimitUnit)
    _choice(errors, data, "promised_limit_unit", LimitUnit)
    _choice(errors, data, "handling_type", HandlingType)
    _choice(errors, data, "tongban", Tongban)
    _int(errors, data, "visits", 0, 2)
    _int(errors, data, "online_depth", 1, 4)
    for flag in ("online", "fee_free"):
        if not isinstance(data.get(flag), bool):
            errors.add(flag, "catalog.invalid_flag", _("Give true or false."))
    for field in LISTS:
        _texts(errors, data.get(field, []), field)
    for field in DICTS:
        if not isinstance(data.get(field, {}), dict):
            errors.add(field, "catalog.invalid_entry", _("Not valid."))
    _materials(errors, data.get("materials", []))
    if len(str(data.get("deviation_reason") or "")) > TEXT_MAX:
        errors.add("deviation_reason", "catalog.too_long", _("At most 2000 characters."))
    if not errors.items and not promised_within_legal(
        data["promised_limit"],
        data["promised_limit_unit"],
        data["legal_limit"],
        data["legal_limit_unit"],
    ):
        errors.add(
            "promised_limit",
            "catalog.promised_over_legal",
            _("The promised limit may not exceed the legal limit (承诺时限不得超过法定时限)."),
        )
    if (
        not errors.items
        and data["handling_type"] == HandlingType.IMMEDIATE
        and data["promised_limit"]
    ):
        errors.add(
            "promised_limit",
            "catalog.immediate_has_limit",
            _("An item handled on the spot (即办件) has a promised limit of 0."),
        )
    if not errors.items and data.get("fees") and data["fee_free"]:
        errors.add("fees", "catalog.fees_but_free", _("A free item lists no fees."))
    errors.raise_if_any()
    clean = {field: data[field] for field in SCALARS}
    for field in LISTS:
        clean[field] = list(data.get(field, []))
    for field in DICTS:
        clean[field] = dict(data.get(field, {}))
    clean["deviation_reason"] = str(data.get("deviation_reason") or "").strip()
    return clean


def elements_of(version) -> dict[str, Any]:
    """A version's elements as the plain dict :func:`clean_elements` takes."""
    return {field: getattr(version, field) for field in ELEMENTS}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """``{element: [old, new]}`` of the elements that differ (the version history's diff)."""
    return {f: [old.get(f), new.get(f)] for f in ELEMENTS if old.get(f) != new.get(f)}
