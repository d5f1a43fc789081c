"""Eligibility rules in words: :func:`describe` says what one condition asks for, in the
active language (Chinese by default: "员工人数不超过 500 人", "成立时间在近 3 年内"), and
:func:`explain` turns an outcome of :func:`yiwang.policy.rules.evaluate` into rows with the
enterprise's own values — the officer's explanation and the 政策计算器's "what you miss".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yiwang.policy import rules
from yiwang.registry import facade as registry

FieldType = registry.FieldType

# Comparisons in words; dates read "before / after" rather than "below / above".
_CMP = {
    "=": lambda: _("%(field)s is %(value)s"),
    "!=": lambda: _("%(field)s is not %(value)s"),
    "<": lambda: _("%(field)s is below %(value)s"),
    "<=": lambda: _("%(field)s is at most %(value)s"),
    ">": lambda: _("%(field)s is above %(value)s"),
    ">=": lambda: _("%(field)s is at least %(value)s"),
}
_DATE_CMP = {
    "<": lambda: _("%(field)s is before %(value)s"),
    "<=": lambda: _("%(field)s is on or before %(value)s"),
    ">": lambda: _("%(field)s is after %(value)s"),
    ">=": lambda: _("%(field)s is on or after %(value)s"),
}


# Relative dates in words, per unit; one for the singular (English says "the last year").
_WITHIN = {
    ("years", False): lambda: _("%(field)s is within the last %(amount)d years"),
    ("months", False): lambda: _("%(field)s is within the last %(amount)d months"),
    ("days", False): lambda: _("%(field)s is within the last %(amount)d days"),
    ("years", True): lambda: _("%(field)s is within the last year"),
    ("months", True): lambda: _("%(field)s is within the last month"),
    ("days", True): lambda: _("%(field)s is within the last day"),
}
_OVER = {
    ("years", False): lambda: _("%(field)s is at least %(amount)d years ago"),
    ("months", False): lambda: _("%(field)s is at least %(amount)d months ago"),
    ("days", False): lambda: _("%(field)s is at least %(amount)d days ago"),
    ("years", True): lambda: _("%(field)s is at least a year ago"),
    ("months", True): lambda: _("%(field)s is at least a month ago"),
    ("days", True): lambda: _("%(field)s is at least a day ago"),
}


def field_label(name: str) -> str:
    spec = registry.field_get(name)
    return str(spec.label) if spec else name


def _number(value: Any) -> str:
    """``500.00`` → ``500``, ``12.50`` → ``12.5`` (never an exponent)."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def format_value(name: str, value: Any) -> str:
    """A profile value or a rule constant as shown, with its unit (``500 人``, ``300 万元``)."""
    if value is None or value == "":
        return _("no data")
    spec = registry.field_get(name)
    if isinstance(value, list | tuple):
        return "、".join(format_value(name, v) for v in value) or _("none")
    if isinstance(value, dt.date):
        return value.isoformat()
    if spec is None:
        return str(value)
    if spec.type in FieldType.NUMERIC:
        text = _number(value)
        return f"{text} {spec.unit}" if spec.unit else text
    if spec.type == FieldType.ENUM:
        return registry.field_value_label(name, value)
    if spec.type == FieldType.INDUSTRY:
        return industry_label(str(value))
    return str(value)


def industry_label(code: str) -> str:
    try:
        return f"{code} {registry.industry_get(code).name}"
    except Exception:  # a code the table does not know: the code itself
        return code


def _values(name: str, values: list) -> str:
    return "、".join(format_value(name, v) for v in values)


def _ratio_money(node: dict) -> bool:
    specs = [registry.field_get(node[k]) for k in ("num", "den")]
    return all(s is not None and s.type == FieldType.MONEY for s in specs)


def format_ratio(node: dict, value: Any) -> str:
    """A ratio as a percentage when it divides money by money (R&D / revenue), else a number."""
    if value is None:
        return _("no data")
    number = Decimal(str(value))
    if _ratio_money(node):
        percent = (number * 100).quantize(Decimal("0.01"))
        return f"{_number(percent)}%"
    return _number(number.quantize(Decimal("0.0001")))


def _holds(node: dict, *, negated: bool = False) -> str:
    kind = registry.qualification_label(node["kind"])
    if node["on"]:
        if negated:
            return _("does not hold a %(kind)s qualification valid on %(date)s") % {
                "kind": kind,
                "date": node["on"],
            }
        return _("holds a %(kind)s qualification valid on %(date)s") % {
            "kind": kind,
            "date": node["on"],
        }
    if negated:
        return _("does not hold a valid %(kind)s qualification") % {"kind": kind}
    return _("holds a valid %(kind)s qualification") % {"kind": kind}


def describe(node: dict) -> str:
    """One condition (or group) of a checked rule in words."""
    op = node["op"]
    if op == "and":
        return _("all of the following")
    if op == "or":
        return _("any of the following")
    if op == "not":
        arg = node["arg"]
        if arg["op"] == "in":
            return _("%(field)s is none of %(values)s") % {
                "field": field_label(arg["field"]),
                "values": _values(arg["field"], arg["values"]),
            }
        if arg["op"] == "has":
            return _("%(field)s include none of %(values)s") % {
                "field": field_label(arg["field"]),
                "values": _values(arg["field"], arg["values"]),
            }
        if arg["op"] == "prefix":
            return _("%(field)s is not under %(values)s") % {
                "field": field_label(arg["field"]),
                "values": "、".join(industry_label(v) for v in arg["values"]),
            }
        if arg["op"] == "holds":
            return _holds(arg, negated=True)
        return _("not: %(condition)s") % {"condition": describe(arg)}
    if op == "holds":
        return _holds(node)
    if op == "ratio":
        subject = _("the ratio of %(num)s to %(den)s") % {
            "num": field_label(node["num"]),
            "den": field_label(node["den"]),
        }
        return _CMP[node["cmp"]]() % {"field": subject, "value": format_ratio(node, node["value"])}
    name = node["field"]
    label = field_label(name)
    spec = registry.field_get(name)
    if op == "cmp":
        templates = _DATE_CMP if spec and spec.type == FieldType.DATE else {}
        template = templates.get(node["cmp"]) or _CMP[node["cmp"]]
        return template() % {"field": label, "value": format_value(name, node["value"])}
    if op == "between":
        return _("%(field)s is between %(low)s and %(high)s") % {
            "field": label,
            "low": format_value(name, node["low"]),
            "high": format_value(name, node["high"]),
        }
    if op == "in":
        return _("%(field)s is one of %(values)s") % {
            "field": label,
            "values": _values(name, node["values"]),
        }
    if op == "prefix":
        return _("%(field)s is under %(values)s") % {
            "field": label,
            "values": "、".join(industry_label(v) for v in node["values"]),
        }
    if op == "has":
        return _("%(field)s include any of %(values)s") % {
            "field": label,
            "values": _values(name, node["values"]),
        }
    if op in ("within", "over"):
        table = _WITHIN if op == "within" else _OVER
        template = table[(node["unit"], node["amount"] == 1)]()
        return template % {"field": label, "amount": node["amount"]}
    raise ValueError(op)


# --- explanations ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One condition of an explanation: what it asks (``text``, ``rule``), whether the
    enterprise meets it, and its value(s)."""

    text: str
    rule: str
    passed: bool
    kind: str  # "all", "any", "not", "condition"
    actual: str = ""
    children: list[Row] = field(default_factory=list)


def _actual(node: dict, actual: Any) -> str:
    op = node["op"]
    if op == "not":
        return _actual(node["arg"], actual)
    if op in ("and", "or"):
        return ""
    if op == "holds":
        if not actual:
            return _("not held")
        return "；".join(f"{start.isoformat()} – {end.isoformat()}" for start, end in actual)
    if op == "ratio":
        return format_ratio(node, actual)
    return format_value(node["field"], actual)


def explain(outcome: rules.Outcome) -> Row:
    """The whole outcome tree as rows (groups with their conditions)."""
    node = outcome.node
    op = node["op"]
    kind = {"and": "all", "or": "any", "not": "not"}.get(op, "condition")
    children: list[Row] = []
    if op in ("and", "or"):
        children = [explain(child) for child in outcome.children]
    elif op == "not" and node["arg"]["op"] in ("and", "or"):
        children = [explain(outcome.children[0])]
    else:
        kind = "condition"
    return Row(
        text=describe(node),
        rule=rules.to_text(node),
        passed=outcome.passed,
        kind=kind,
        actual=_actual(node, outcome.actual),
        children=children,
    )


def misses(outcome: rules.Outcome) -> list[Row]:
    """What an enterprise lacks for a rule it fails: the failed conditions of an ``and``; an
    ``or`` that failed as one row "any of" with its alternatives; nothing when it passes."""
    if outcome.passed:
        return []
    op = outcome.node["op"]
    if op == "and":
        found: list[Row] = []
        for child in outcome.children:
            found.extend(misses(child))
        return found
    return [explain(outcome)]
