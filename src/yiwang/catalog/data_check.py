"""Validator of the catalogue exchange format ``yiwang.catalog/1`` (docs/modules/catalog-format.md).

Plain Python on purpose: the importer, the seed command, the tests and an operator checking a
city's file before loading it all call :func:`check_catalogue`; it needs no Django.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

FORMAT = "yiwang.catalog/1"
LIFE_EVENTS_FORMAT = "yiwang.catalog.life_events/1"
DATA_DIR = Path(__file__).parent / "data"

#: item kind → 2-digit prefix of the demo basic code (依申请六类 + 公共服务).
KIND_CODES = {
    "xk": "01",  # 行政许可
    "gf": "05",  # 行政给付
    "qr": "07",  # 行政确认
    "jl": "08",  # 行政奖励
    "cj": "09",  # 行政裁决
    "qt": "10",  # 其他行政权力
    "gg": "20",  # 公共服务
}
LEVELS = ("city", "district", "street")
AUDIENCES = ("person", "legal_person")
#: 业务办理项: 新设 / 变更 / 延续 / 注销 (the codes of catalog.choices.Operation).
OPERATIONS = ("new", "change", "renew", "cancel")
MATERIAL_KINDS = ("original", "copy", "form", "certificate")
MATERIAL_FORMS = ("paper", "electronic", "both")
MATERIAL_SOURCES = ("applicant", "government")
LIMIT_UNITS = ("working_day", "natural_day")
HANDLING_TYPES = ("immediate", "promised", "joint", "report")
TONGBAN = ("city", "province", "cross_province", "cross_border")
RESULT_TYPES = ("certificate", "approval", "record", "other")
VISITS = (0, 1, 2)

CODE_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^0\d{2,3}-\d{5,8}$")

REQUIRED_ITEM_FIELDS = {
    "code": str,
    "name": str,
    "kind": str,
    "department": str,
    "implementing_levels": list,
    "basis": list,
    "audience": list,
    "themes": list,
    "operations": list,
    "conditions": list,
    "materials": list,
    "steps": list,
    "legal_limit": dict,
    "promised_limit": dict,
    "handling_type": str,
    "fees": list,
    "visits": int,
    "online": bool,
    "online_depth": int,
    "tongban": str,
    "result": dict,
    "phone": str,
    "faq": list,
    "synonyms": list,
}
OPTIONAL_ITEM_FIELDS = {
    "office": str,
    "places": list,
    "hours": str,
    "complaint_phone": str,
    "main_item": str,
}


def load_demo(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """The shipped demo catalogue with its life events merged in under ``life_events``."""
    data = json.loads((data_dir / "basic_items.json").read_text(encoding="utf-8"))
    events = json.loads((data_dir / "life_events.json").read_text(encoding="utf-8"))
    data["life_events"] = events["life_events"]
    return data


def natural_days(value: int, unit: str) -> int:
    """A limit in natural days, for comparing limits in different units: five working days
    count as one calendar week, rounded up (the same reading as ``catalog.elements``)."""
    return value if unit == "natural_day" else math.ceil(value * 7 / 5)


def promised_within_legal(promised: dict[str, Any], legal: dict[str, Any]) -> bool:
    """Promised ≤ legal: directly in the same unit, else both in natural days."""
    if promised["unit"] == legal["unit"]:
        return promised["value"] <= legal["value"]
    return natural_days(promised["value"], promised["unit"]) <= natural_days(
        legal["value"], legal["unit"]
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_ok(value: Any, expected: type) -> bool:
    if expected is int:
        return _is_int(value)
    return isinstance(value, expected)


def _enum(errors: list[str], where: str, value: Any, allowed: tuple) -> bool:
    if value not in allowed:
        errors.append(f"{where}: {value!r} is not one of {', '.join(map(str, allowed))}")
        return False
    return True


def _text(errors: list[str], where: str, value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: must be a non-empty string")
        return False
    return True


def _text_list(errors: list[str], where: str, value: Any, *, allow_empty: bool) -> None:
    if not isinstance(value, list):
        errors.append(f"{where}: must be a list of strings")
        return
    if not value and not allow_empty:
        errors.append(f"{where}: must not be empty")
    for i, entry in enumerate(value):
        _text(errors, f"{where}[{i}]", entry)
    strings = [v for v in value if isinstance(v, str)]
    for dup, n in Counter(strings).items():
        if n > 1:
            errors.append(f"{where}: duplicate entry {dup!r}")


def _limit(errors: list[str], where: str, limit: Any) -> bool:
    if not isinstance(limit, dict):
        errors.append(f"{where}: must be an object with value and unit")
        return False
    ok = True
    value = limit.get("value")
    if not _is_int(value) or value < 0:
        errors.append(f"{where}.value: must be an integer >= 0")
        ok = False
    if not _enum(errors, f"{where}.unit", limit.get("unit"), LIMIT_UNITS):
        ok = False
    return ok


def check_material(errors: list[str], where: str, m: Any) -> None:
    """One row of a materials table (also used for bundles' shared materials)."""
    if not isinstance(m, dict):
        errors.append(f"{where}: must be an object")
        return
    _text(errors, f"{where}.name", m.get("name"))
    _enum(errors, f"{where}.kind", m.get("kind"), MATERIAL_KINDS)
    _enum(errors, f"{where}.form", m.get("form"), MATERIAL_FORMS)
    _enum(errors, f"{where}.source", m.get("source"), MATERIAL_SOURCES)
    required = m.get("required")
    if not isinstance(required, bool):
        errors.append(f"{where}.required: must be true or false")
    elif not required and not (isinstance(m.get("condition"), str) and m["condition"].strip()):
        errors.append(f"{where}.condition: a conditional material must say when it is needed")
    copies = m.get("copies")
    if not _is_int(copies) or copies < 0:
        errors.append(f"{where}.copies: must be an integer >= 0")
    elif copies == 0 and m.get("source") == "applicant":
        errors.append(f"{where}.copies: a material the applicant submits needs at least 1 copy")
    if not isinstance(m.get("basis", ""), str):
        errors.append(f"{where}.basis: must be a string")
    if m.get("source") == "government" and m.get("form") == "paper":
        errors.append(f"{where}.form: a material obtained by data sharing cannot be paper-only")


def _check_item(errors: list[str], where: str, it: dict[str, Any], departments: dict | None):
    for field, expected in REQUIRED_ITEM_FIELDS.items():
        if field not in it:
            errors.append(f"{where}.{field}: required element missing")
        elif not _type_ok(it[field], expected):
            errors.append(f"{where}.{field}: must be of type {expected.__name__}")
    for field, expected in OPTIONAL_ITEM_FIELDS.items():
        if field in it and not _type_ok(it[field], expected):
            errors.append(f"{where}.{field}: must be of type {expected.__name__}")
    get = it.get

    code, kind = get("code"), get("kind")
    kind_ok = _enum(errors, f"{where}.kind", kind, tuple(KIND_CODES))
    if isinstance(code, str):
        if not CODE_RE.match(code):
            errors.append(f"{where}.code: {code!r} must be 12 digits")
        else:
            if kind_ok and code[:2] != KIND_CODES[kind]:
                errors.append(
                    f"{where}.code: prefix {code[:2]} does not match kind {kind} "
                    f"({KIND_CODES[kind]})"
                )
            dept = get("department")
            if departments is not None and dept in departments and code[2:5] != departments[dept]:
                errors.append(
                    f"{where}.code: department digits {code[2:5]} do not match "
                    f"{dept} ({departments[dept]})"
                )
    _text(errors, f"{where}.name", get("name"))
    dept_ok = _text(errors, f"{where}.department", get("department"))
    if dept_ok and departments is not None and get("department") not in departments:
        errors.append(f"{where}.department: {get('department')!r} is not a listed department")

    for field, allowed, allow_empty in (
        ("implementing_levels", LEVELS, False),
        ("audience", AUDIENCES, False),
        ("operations", OPERATIONS, True),
    ):
        values = get(field)
        if isinstance(values, list):
            if not values and not allow_empty:
                errors.append(f"{where}.{field}: must not be empty")
            for i, v in enumerate(values):
                _enum(errors, f"{where}.{field}[{i}]", v, allowed)
            for dup, n in Counter(map(str, values)).items():
                if n > 1:
                    errors.append(f"{where}.{field}: duplicate entry {dup!r}")

    basis = get("basis")
    _text_list(errors, f"{where}.basis", basis, allow_empty=False)
    for i, b in enumerate(basis if isinstance(basis, list) else []):
        if isinstance(b, str) and b.strip() and not b.startswith("《"):
            errors.append(f"{where}.basis[{i}]: must start with the title in 《》")
    _text_list(errors, f"{where}.conditions", get("conditions"), allow_empty=False)
    _text_list(errors, f"{where}.themes", get("themes"), allow_empty=True)
    _text_list(errors, f"{where}.synonyms", get("synonyms"), allow_empty=True)

    materials = get("materials")
    if isinstance(materials, list):
        if not materials:
            errors.append(f"{where}.materials: must not be empty")
        for i, m in enumerate(materials):
            check_material(errors, f"{where}.materials[{i}]", m)
        names = [m.get("name") for m in materials if isinstance(m, dict)]
        for dup, n in Counter(names).items():
            if n > 1:
                errors.append(f"{where}.materials: duplicate material {dup!r}")

    legal, promised = get("legal_limit"), get("promised_limit")
    limits_ok = _limit(errors, f"{where}.legal_limit", legal)
    limits_ok = _limit(errors, f"{where}.promised_limit", promised) and limits_ok
    if limits_ok:
        if not promised_within_legal(promised, legal):
            errors.append(
                f"{where}.promised_limit: promised limit {promised['value']} {promised['unit']} "
                f"exceeds the legal limit {legal['value']} {legal['unit']}"
            )
        handling = get("handling_type")
        handling_ok = _enum(errors, f"{where}.handling_type", handling, HANDLING_TYPES)
        if handling_ok and (handling == "immediate") != (promised["value"] == 0):
            errors.append(
                f"{where}.handling_type: an immediate item (即办件) has a promised limit of 0 "
                f"and every item with a promised limit of 0 is immediate"
            )
    elif "handling_type" in it:
        _enum(errors, f"{where}.handling_type", get("handling_type"), HANDLING_TYPES)

    steps = get("steps")
    if isinstance(steps, list):
        if not steps:
            errors.append(f"{where}.steps: must not be empty")
        total = 0
        for i, s in enumerate(steps):
            sw = f"{where}.steps[{i}]"
            if not isinstance(s, dict):
                errors.append(f"{sw}: must be an object")
                continue
            _text(errors, f"{sw}.name", s.get("name"))
            _text(errors, f"{sw}.role", s.get("role"))
            days = s.get("days")
            if not _is_int(days) or days < 0:
                errors.append(f"{sw}.days: must be an integer >= 0")
            else:
                total += days
            if limits_ok and "unit" in s and s["unit"] != promised["unit"]:
                errors.append(f"{sw}.unit: must be the unit of the promised limit")
        if limits_ok and total > promised["value"]:
            errors.append(
                f"{where}.steps: step days add up to {total}, more than the promised limit "
                f"{promised['value']}"
            )

    fees = get("fees")
    for i, fee in enumerate(fees if isinstance(fees, list) else []):
        fw = f"{where}.fees[{i}]"
        if not isinstance(fee, dict):
            errors.append(f"{fw}: must be an object")
            continue
        for key in ("item", "standard", "basis"):
            _text(errors, f"{fw}.{key}", fee.get(key))
        if not isinstance(fee.get("waivable"), bool):
            errors.append(f"{fw}.waivable: must be true or false")

    visits, online, depth = get("visits"), get("online"), get("online_depth")
    visits_ok = _is_int(visits) and _enum(errors, f"{where}.visits", visits, VISITS)
    depth_ok = _is_int(depth) and _enum(errors, f"{where}.online_depth", depth, (1, 2, 3, 4))
    if visits_ok and depth_ok and isinstance(online, bool):
        if (depth == 4) != (visits == 0):
            errors.append(
                f"{where}.online_depth: depth 4 (全程网办) means zero visits and zero visits "
                f"means depth 4 (visits={visits}, depth={depth})"
            )
        if not online and depth != 1:
            errors.append(f"{where}.online_depth: an item not handled online has depth 1")
        if online and depth == 1:
            errors.append(f"{where}.online_depth: an item handled online has depth 2 or more")
    _enum(errors, f"{where}.tongban", get("tongban"), TONGBAN)

    result = get("result")
    if isinstance(result, dict):
        _enum(errors, f"{where}.result.type", result.get("type"), RESULT_TYPES)
        _text(errors, f"{where}.result.name", result.get("name"))
    for key in ("phone", "complaint_phone"):
        phone = get(key)
        if isinstance(phone, str) and not PHONE_RE.match(phone):
            errors.append(f"{where}.{key}: {phone!r} is not like 0756-12345 (area code-number)")

    faq = get("faq")
    if isinstance(faq, list):
        if not 1 <= len(faq) <= 3:
            errors.append(f"{where}.faq: must hold 1 to 3 questions")
        for i, qa in enumerate(faq):
            if not isinstance(qa, dict):
                errors.append(f"{where}.faq[{i}]: must be an object with q and a")
                continue
            _text(errors, f"{where}.faq[{i}].q", qa.get("q"))
            _text(errors, f"{where}.faq[{i}].a", qa.get("a"))


def _check_life_events(errors: list[str], events: Any, items: list, departments: dict | None):
    if not isinstance(events, list):
        errors.append("life_events: must be a list")
        return
    by_code = {it.get("code"): it for it in items if isinstance(it, dict)}
    item_themes = {t for it in by_code.values() for t in (it.get("themes") or [])}
    names = [e.get("name") for e in events if isinstance(e, dict)]
    for dup, n in Counter(names).items():
        if n > 1:
            errors.append(f"life_events: duplicate life event {dup!r}")
    codes = [e.get("code") for e in events if isinstance(e, dict)]
    for dup, n in Counter(codes).items():
        if n > 1:
            errors.append(f"life_events: duplicate code {dup!r}")
    for theme in sorted(t for t in item_themes if isinstance(t, str) and t not in names):
        errors.append(f"items: theme {theme!r} is not a life event")
    for i, ev in enumerate(events):
        where = f"life_events[{i}]"
        if not isinstance(ev, dict):
            errors.append(f"{where}: must be an object")
            continue
        where = f"{where} ({ev.get('name')})"
        _text(errors, f"{where}.code", ev.get("code"))
        _text(errors, f"{where}.name", ev.get("name"))
        _enum(errors, f"{where}.audience", ev.get("audience"), AUDIENCES)
        ev_items = ev.get("items")
        if not isinstance(ev_items, list) or not ev_items:
            errors.append(f"{where}.items: must be a non-empty list of item codes")
            ev_items = []
        for code in ev_items:
            if code not in by_code:
                errors.append(f"{where}.items: unknown item code {code!r}")
        bundle = ev.get("bundle")
        if bundle is None:
            continue
        bw = f"{where}.bundle"
        if not isinstance(bundle, dict):
            errors.append(f"{bw}: must be an object")
            continue
        _text(errors, f"{bw}.name", bundle.get("name"))
        b_items = bundle.get("items")
        if not isinstance(b_items, list) or len(b_items) < 2:
            errors.append(f"{bw}.items: a bundle combines at least 2 items")
            b_items = b_items if isinstance(b_items, list) else []
        for code in b_items:
            if code not in by_code:
                errors.append(f"{bw}.items: unknown item code {code!r}")
            elif code not in ev_items:
                errors.append(f"{bw}.items: {code} is not one of the life event's items")
        shared = bundle.get("shared_materials")
        if not isinstance(shared, list) or not shared:
            errors.append(f"{bw}.shared_materials: must list the materials submitted once")
        else:
            for j, m in enumerate(shared):
                check_material(errors, f"{bw}.shared_materials[{j}]", m)
        lead = bundle.get("lead_department")
        lead_ok = _text(errors, f"{bw}.lead_department", lead)
        if lead_ok and departments is not None and lead not in departments:
            errors.append(f"{bw}.lead_department: {lead!r} is not a listed department")
        if "promised_limit" in bundle:
            _limit(errors, f"{bw}.promised_limit", bundle["promised_limit"])
        if "visits" in bundle:
            _enum(errors, f"{bw}.visits", bundle["visits"], VISITS)


def check_catalogue(data: Any) -> list[str]:
    """Every rule violation in ``data`` (a ``yiwang.catalog/1`` document), empty when valid.

    ``data`` may carry the life events under ``life_events`` (as :func:`load_demo` returns it);
    they are then checked too, including that their item codes exist.
    """
    errors: list[str] = []
    if not isinstance(data, dict):
        return ["catalogue: must be a JSON object"]
    if data.get("format") != FORMAT:
        errors.append(f"format: must be {FORMAT!r}")
    departments = None
    if "departments" in data:
        departments = {}
        depts = data["departments"]
        for i, d in enumerate(depts if isinstance(depts, list) else []):
            if not isinstance(d, dict) or not isinstance(d.get("name"), str):
                errors.append(f"departments[{i}]: must be an object with code and name")
                continue
            if not (isinstance(d.get("code"), str) and re.fullmatch(r"\d{3}", d["code"])):
                errors.append(f"departments[{i}].code: must be 3 digits")
            if d["name"] in departments:
                errors.append(f"departments: duplicate department {d['name']!r}")
            departments[d["name"]] = d.get("code")
        dcodes = [d for d in departments.values() if d]
        for dup, n in Counter(dcodes).items():
            if n > 1:
                errors.append(f"departments: duplicate department code {dup!r}")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        errors.append("items: must be a non-empty list")
        return errors
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            errors.append(f"items[{i}]: must be an object")
            continue
        _check_item(errors, f"items[{i}] ({it.get('code')})", it, departments)
    codes = [it.get("code") for it in items if isinstance(it, dict)]
    for dup, n in Counter(codes).items():
        if n > 1:
            errors.append(f"items: duplicate code {dup!r}")
    names = [it.get("name") for it in items if isinstance(it, dict)]
    for dup, n in Counter(names).items():
        if n > 1:
            errors.append(f"items: duplicate name {dup!r}")
    if "life_events" in data:
        _check_life_events(errors, data["life_events"], items, departments)
    return errors


def check_queries(queries: Any, data: dict[str, Any]) -> list[str]:
    """Rule violations in a labelled search-query set against the catalogue ``data``."""
    if not isinstance(queries, list):
        return ["queries: must be a list"]
    errors: list[str] = []
    codes = {it.get("code") for it in data.get("items", []) if isinstance(it, dict)}
    for i, q in enumerate(queries):
        where = f"queries[{i}]"
        if not isinstance(q, dict):
            errors.append(f"{where}: must be an object")
            continue
        _text(errors, f"{where}.q", q.get("q"))
        expected = q.get("expected")
        if not isinstance(expected, list) or len(expected) > 3:
            errors.append(f"{where}.expected: must be a list of 0 to 3 item codes")
            continue
        for code in expected:
            if code not in codes:
                errors.append(f"{where}.expected: unknown item code {code!r}")
    return errors
