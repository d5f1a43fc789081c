"""Eligibility rules compiled to a Django ``Q`` over the registry's enterprises — the
database's answer to the same question the matching engine answers: the peer of
``yiwang bench policy-match`` and the oracle of the engine's property test.

The semantics match :mod:`yiwang.policy.rules`: a condition on a missing value is false, and
``not`` of it true. Django already negates nullable lookups that way (``NOT (x < 10 AND x IS
NOT NULL)``); ratios state their non-null operands explicitly so that ``NOT`` of a ratio is
never ``NULL``. Ratios compare ``num × q`` with ``den × p`` for the constant p/q — exact
numeric arithmetic on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.db.models import F, Q, Value
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from yiwang.policy import rules
from yiwang.registry import facade as registry

_LOOKUPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_EXPRESSIONS = {
    "=": Exact,
    "<": LessThan,
    "<=": LessThanOrEqual,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
}


def _column(name: str) -> str:
    return registry.FIELD_LOOKUPS.get(name, name)


def _value(name: str, value):
    spec = registry.field_get(name)
    if spec.type == registry.FieldType.DATE:
        return dt.date.fromisoformat(value)
    if spec.type == registry.FieldType.MONEY:
        return Decimal(str(value))
    return value


def _present(name: str) -> Q:
    column = _column(name)
    spec = registry.field_get(name)
    if spec.type in (registry.FieldType.TEXT, registry.FieldType.ENUM):
        return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
    return Q(**{f"{column}__isnull": False})


def rule_q(tree: dict, *, today: dt.date) -> Q:
    """The ``Q`` of a checked rule."""
    op = tree["op"]
    if op == "and":
        q = Q()
        for arg in tree["args"]:
            q &= rule_q(arg, today=today)
        return q
    if op == "or":
        q = Q(pk__in=[])
        for arg in tree["args"]:
            q |= rule_q(arg, today=today)
        return q
    if op == "not":
        return ~rule_q(tree["arg"], today=today)
    if op == "holds":
        on = dt.date.fromisoformat(tree["on"]) if tree["on"] else today
        return registry.qualification_held(tree["kind"], on)
    if op == "ratio":
        fraction = Fraction(Decimal(str(tree["value"])))
        num, den = F(tree["num"]), F(tree["den"])
        left = num * Value(fraction.denominator)
        right = den * Value(fraction.numerator)
        known = Q(**{f"{tree['num']}__isnull": False, f"{tree['den']}__gt": 0})
        if tree["cmp"] == "!=":
            return known & ~Q(Exact(left, right))
        return known & Q(_EXPRESSIONS[tree["cmp"]](left, right))
    name = tree["field"]
    column = _column(name)
    if op == "has":
        return registry.tagged_any(tree["values"])
    if op == "prefix":
        q = Q(pk__in=[])
        for prefix in tree["values"]:
            q |= Q(**{f"{column}__startswith": prefix})
        return q
    if op in ("within", "over"):
        edge = rules.shift(today, tree["amount"], tree["unit"])
        return Q(**{f"{column}__gte" if op == "within" else f"{column}__lte": edge})
    if op == "between":
        return Q(**{f"{column}__gte": _value(name, tree["low"]),
                    f"{column}__lte": _value(name, tree["high"])})  # fmt: skip
    if op == "in":
        return Q(**{f"{column}__in": [_value(name, v) for v in tree["values"]]})
    cmp, value = tree["cmp"], _value(name, tree["value"])
    if cmp == "!=":
        return _present(name) & ~Q(**{column: value})
    return Q(**{f"{column}__{_LOOKUPS[cmp]}": value})


def orm_match(tree: dict, *, city_id: int, today: dt.date) -> list[int]:
    """Ids of the enterprises matching a checked rule, by one database query."""
    return registry.enterprise_ids_where(rule_q(tree, today=today), city_id=city_id)
