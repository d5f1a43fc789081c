"""The eligibility rule language of policy items: text ⇄ AST, validation, evaluation of one
profile with an explanation, and contradiction detection.

Text form (what the API accepts and shows; the page's rule builder edits the same AST)::

    industry ^= ("C39", "I65") and employees <= 500 and founded_on within 3 years
    and holds "high_tech" and ratio(rd_spend, revenue) >= 0.05
    and district in ("香洲区", "金湾区") and not status in ("revoked", "cancelled")

Atoms (field names and types come from the registry's field catalogue, ``registry.facade``):

* ``FIELD op VALUE`` with ``= != < <= > >=`` (numbers, dates ``2024-01-01``, strings ``"A"``);
* ``FIELD between LOW and HIGH`` (both ends included);
* ``FIELD in (V, …)`` and ``FIELD not in (V, …)``;
* ``industry ^= "C39"`` or ``^= ("C39", "I65")`` — GB/T 4754 code prefixes at any level;
* ``tags has "外贸"`` or ``has ("外贸", "老字号")`` — any of the words;
* ``DATEFIELD within N years|months|days`` (on or after the reference date minus N) and
  ``DATEFIELD over N years|months|days`` (on or before it: "at least N years old");
* ``holds "high_tech"`` (valid on the reference date) or ``holds "high_tech" on 2025-12-31``;
* ``ratio(NUMERATOR, DENOMINATOR) op NUMBER`` (false when the denominator is 0 or missing).

Combined with ``and``, ``or``, ``not`` and parentheses (``not`` binds tightest, then ``and``).
A comparison with a missing value is false, and ``not`` of it is true — SQL's three-valued
logic collapsed to two the way ``COALESCE(condition, false)`` does, which the ORM compiler and
the bitmap engine share.

AST (JSON, stored with the item)::

    {"op": "and"|"or", "args": [...]}      {"op": "not", "arg": {...}}
    {"op": "cmp", "field": f, "cmp": "<=", "value": v}
    {"op": "between", "field": f, "low": v, "high": v}
    {"op": "in", "field": f, "values": [...]}
    {"op": "prefix", "field": "industry", "values": ["C39"]}
    {"op": "has", "field": "tags", "values": [...]}
    {"op": "within"|"over", "field": f, "amount": n, "unit": "years"|"months"|"days"}
    {"op": "holds", "kind": k, "on": "2025-12-31"|null}
    {"op": "ratio", "num": f, "den": f, "cmp": ">=", "value": 0.05}

Values in the AST are JSON: numbers stay numbers (money as decimal strings is not needed: the
rule's own constants are short decimals), dates ISO strings.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput
from yiwang.registry import facade as registry

FieldType = registry.FieldType
CMP_OPS = ("=", "!=", "<", "<=", ">", ">=")
UNITS = {"year": "years", "years": "years", "month": "months", "months": "months",
         "day": "days", "days": "days"}  # fmt: skip
KEYWORDS = {"and", "or", "not", "in", "between", "within", "over", "holds", "on", "has", "ratio",
            "today"}  # fmt: skip
MAX_TEXT = 4000
MAX_NODES = 200
MAX_VALUES = 500


class RuleError(InvalidInput):
    """A rule that cannot be parsed or does not fit the field catalogue (422): ``errors``
    carry the position (1-based line and column of the text) and a message each."""

    def __init__(self, message: str, *, position: tuple[int, int] | None = None) -> None:
        detail = message
        if position:
            detail = _("Line %(line)d, column %(column)d: %(message)s") % {
                "line": position[0],
                "column": position[1],
                "message": message,
            }
        error = {"field": "rule", "code": "policy.invalid_rule", "message": detail}
        if position:
            error["line"], error["column"] = position
        super().__init__("policy.invalid_rule", detail, errors=[error])


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # name, number, string, date, op, punct, end
    text: str
    value: Any
    line: int
    column: int


_TOKEN_RE = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|“[^”\n]*”)
  | (?P<op>\^=|!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        column = pos - line_start + 1
        if match is None:
            raise RuleError(
                _("Unexpected character %(char)r.") % {"char": text[pos]},
                position=(line, column),
            )
        kind = match.lastgroup
        raw = match.group()
        if kind == "space":
            newlines = raw.count("\n")
            if newlines:
                line += newlines
                line_start = pos + raw.rindex("\n") + 1
        else:
            tokens.append(Token(kind, raw, _token_value(kind, raw, (line, column)), line, column))
        pos = match.end()
    tokens.append(Token("end", "", None, line, pos - line_start + 1))
    return tokens


def _token_value(kind: str, raw: str, position: tuple[int, int]) -> Any:
    if kind == "number":
        return _number(raw)
    if kind == "string":
        if raw.startswith("“"):
            return raw[1:-1]
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise RuleError(
                _("%(text)s is not a calendar date.") % {"text": raw}, position=position
            ) from None
    if kind == "name":
        return raw.lower() if raw.lower() in KEYWORDS else raw
    return raw


def _number(raw: str) -> int | float:
    return int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)


# --- parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.nodes = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> RuleError:
        token = token or self.peek
        found = _("end of the rule") if token.kind == "end" else repr(token.text)
        return RuleError(
            _("expected %(expected)s, found %(found)s.") % {"expected": expected, "found": found},
            position=(token.line, token.column),
        )

    def keyword(self, word: str) -> bool:
        if self.peek.kind == "name" and self.peek.value == word:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail(repr(word))

    def expect_punct(self, char: str) -> None:
        if self.peek.kind != "punct" or self.peek.text != char:
            raise self.fail(repr(char))
        self.i += 1

    def node(self, data: dict, token: Token) -> dict:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RuleError(
                _("A rule has at most %(n)d conditions.") % {"n": MAX_NODES},
                position=(token.line, token.column),
            )
        return {**data, "_pos": (token.line, token.column)}

    # grammar

    def parse(self) -> dict:
        if self.peek.kind == "end":
            raise RuleError(_("The rule is empty."))
        tree = self.or_expr()
        if self.peek.kind != "end":
            raise self.fail(_("'and', 'or' or the end of the rule"))
        return tree

    def or_expr(self) -> dict:
        first = self.peek
        args = [self.and_expr()]
        while self.keyword("or"):
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else self.node({"op": "or", "args": args}, first)

    def and_expr(self) -> dict:
        first = self.peek
        args = [self.not_expr()]
        while self.keyword("and"):
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else self.node({"op": "and", "args": args}, first)

    def not_expr(self) -> dict:
        token = self.peek
        if self.keyword("not"):
            return self.node({"op": "not", "arg": self.not_expr()}, token)
        return self.atom()

    def atom(self) -> dict:
        token = self.peek
        if token.kind == "punct" and token.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect_punct(")")
            return inner
        if self.keyword("holds"):
            kind = self.take()
            if kind.kind != "string":
                raise self.fail(_("a qualification in quotes"), kind)
            on = None
            if self.keyword("on"):
                date = self.take()
                if date.kind != "date" and not (date.kind == "name" and date.value == "today"):
                    raise self.fail(_("a date (YYYY-MM-DD) or 'today'"), date)
                on = date.value if date.kind == "date" else None
            return self.node({"op": "holds", "kind": kind.value, "on": on}, token)
        if self.keyword("ratio"):
            self.expect_punct("(")
            num = self.field_name()
            self.expect_punct(",")
            den = self.field_name()
            self.expect_punct(")")
            op = self.take()
            if op.kind != "op" or op.text not in CMP_OPS:
                raise self.fail(_("a comparison (= != < <= > >=)"), op)
            value = self.take()
            if value.kind != "number":
                raise self.fail(_("a number"), value)
            return self.node(
                {"op": "ratio", "num": num, "den": den, "cmp": op.text, "value": value.value},
                token,
            )
        name = self.field_name()
        return self.condition(name, token)

    def field_name(self) -> str:
        token = self.take()
        if token.kind != "name" or token.value in KEYWORDS:
            raise self.fail(_("a field name"), token)
        return token.value

    def condition(self, name: str, token: Token) -> dict:
        nxt = self.peek
        if nxt.kind == "op":
            self.take()
            if nxt.text == "^=":
                values = self.value_or_list()
                return self.node({"op": "prefix", "field": name, "values": values}, token)
            return self.node(
                {"op": "cmp", "field": name, "cmp": nxt.text, "value": self.value()}, token
            )
        if self.keyword("between"):
            low = self.value()
            self.expect_keyword("and")
            high = self.value()
            return self.node({"op": "between", "field": name, "low": low, "high": high}, token)
        if self.keyword("in"):
            return self.node({"op": "in", "field": name, "values": self.value_list()}, token)
        if self.keyword("not"):
            self.expect_keyword("in")
            inner = self.node({"op": "in", "field": name, "values": self.value_list()}, token)
            return self.node({"op": "not", "arg": inner}, token)
        if self.keyword("has"):
            return self.node({"op": "has", "field": name, "values": self.value_or_list()}, token)
        for word in ("within", "over"):
            if self.keyword(word):
                amount = self.take()
                if amount.kind != "number" or not isinstance(amount.value, int):
                    raise self.fail(_("a whole number"), amount)
                unit = self.take()
                if unit.kind != "name" or unit.value not in UNITS:
                    raise self.fail(_("'years', 'months' or 'days'"), unit)
                return self.node(
                    {"op": word, "field": name, "amount": amount.value, "unit": UNITS[unit.value]},
                    token,
                )
        raise self.fail(_("a comparison, 'between', 'in', '^=', 'has', 'within' or 'over'"))

    def value(self) -> Any:
        token = self.take()
        if token.kind in ("number", "string", "date"):
            return token.value
        if token.kind == "name" and token.value == "today":
            raise self.fail(
                _("a value (use 'within' or 'over' for dates relative to today)"), token
            )
        raise self.fail(_('a value (number, "text" or date)'), token)

    def value_list(self) -> list:
        self.expect_punct("(")
        values = [self.value()]
        while self.peek.kind == "punct" and self.peek.text == ",":
            self.take()
            values.append(self.value())
        self.expect_punct(")")
        if len(values) > MAX_VALUES:
            raise self.fail(_("at most %(n)d values") % {"n": MAX_VALUES})
        return values

    def value_or_list(self) -> list:
        if self.peek.kind == "punct" and self.peek.text == "(":
            return self.value_list()
        return [self.value()]


# --- validation -----------------------------------------------------------------------------


def _at(node: dict) -> tuple[int, int] | None:
    pos = node.get("_pos")
    return tuple(pos) if pos else None


def _spec(name: str, node: dict):
    spec = registry.field_get(name)
    if spec is None:
        known = ", ".join(registry.FIELDS)
        raise RuleError(
            _("Unknown field %(field)r; the fields are: %(known)s.")
            % {"field": name, "known": known},
            position=_at(node),
        )
    return spec


def _mismatch(spec, value, node: dict, expected: str) -> RuleError:
    return RuleError(
        _("%(field)s is %(type)s: %(value)r is not %(expected)s.")
        % {"field": spec.name, "type": spec.type, "value": value, "expected": expected},
        position=_at(node),
    )


def _is_number(value: Any) -> bool:
    """A finite JSON number (not a boolean; NaN and infinities have no text form)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _is_text(value: Any) -> bool:
    """A string the text form can carry: one line, at most 200 characters."""
    return isinstance(value, str) and len(value) <= 200 and not _CONTROL.search(value)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_value(spec, value, node: dict) -> Any:
    """The value converted for the field's type (dates stay ISO strings), or a precise error."""
    if spec.type in FieldType.NUMERIC:
        if not _is_number(value):
            raise _mismatch(spec, value, node, _("a number"))
        if spec.type == FieldType.INT and not float(value).is_integer():
            raise _mismatch(spec, value, node, _("a whole number"))
        return value
    if spec.type == FieldType.DATE:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise _mismatch(spec, value, node, _("a date (YYYY-MM-DD)"))
        try:  # an AST (the builder, the API) skips the tokenizer's calendar check
            dt.date.fromisoformat(value)
        except ValueError:
            raise RuleError(
                _("%(text)s is not a calendar date.") % {"text": value}, position=_at(node)
            ) from None
        return value
    if not _is_text(value):
        raise _mismatch(spec, value, node, _("text in quotes"))
    if spec.type == FieldType.ENUM and value not in spec.choices:
        raise RuleError(
            _("%(field)s has no value %(value)r; it is one of: %(choices)s.")
            % {"field": spec.name, "value": value, "choices": ", ".join(spec.choices)},
            position=_at(node),
        )
    if spec.type == FieldType.INDUSTRY:
        try:
            return registry.industry_normalise(value)
        except Exception as exc:  # ValidationError: say why, at the node
            messages = getattr(exc, "messages", [str(exc)])
            raise RuleError(" ".join(str(m) for m in messages), position=_at(node)) from None
    return value


_ORDERED = (*FieldType.NUMERIC, FieldType.DATE)


def _validate(node: dict) -> dict:
    """A checked copy of the AST (values normalised, positions dropped)."""
    op = node.get("op")
    if op in ("and", "or"):
        args = node.get("args")
        if not isinstance(args, list) or len(args) < 2:
            raise RuleError(
                _("'%(op)s' needs at least two conditions.") % {"op": op}, position=_at(node)
            )
        flat: list[dict] = []
        for checked in (_validate(a) for a in args):
            # (a and b) and c is a and b and c: one canonical form for the text round trip
            flat.extend(checked["args"] if checked["op"] == op else [checked])
        return {"op": op, "args": flat}
    if op == "not":
        if not isinstance(node.get("arg"), dict):
            raise RuleError(_("'not' needs a condition."), position=_at(node))
        return {"op": "not", "arg": _validate(node["arg"])}
    if op == "holds":
        kind = node.get("kind")
        if kind not in registry.QUALIFICATIONS:
            raise RuleError(
                _("Unknown qualification %(kind)r; they are: %(known)s.")
                % {"kind": kind, "known": ", ".join(registry.QUALIFICATIONS)},
                position=_at(node),
            )
        on = node.get("on")
        if on is not None:
            _check_value(registry.FieldSpec("on", FieldType.DATE, ""), on, node)
        return {"op": "holds", "kind": kind, "on": on}
    if op == "ratio":
        for key in ("num", "den"):
            spec = _spec(node.get(key, ""), node)
            if spec.type not in FieldType.NUMERIC:
                raise RuleError(
                    _("ratio() takes numeric fields; %(field)s is %(type)s.")
                    % {"field": spec.name, "type": spec.type},
                    position=_at(node),
                )
        if node.get("cmp") not in CMP_OPS:
            raise RuleError(
                _("Unknown comparison %(op)r.") % {"op": node.get("cmp")}, position=_at(node)
            )
        value = node.get("value")
        if not _is_number(value):
            raise RuleError(_("ratio() is compared with a number."), position=_at(node))
        return {
            "op": "ratio",
            "num": node["num"],
            "den": node["den"],
            "cmp": node["cmp"],
            "value": value,
        }
    if op not in ("cmp", "between", "in", "prefix", "has", "within", "over"):
        raise RuleError(_("Unknown condition %(op)r.") % {"op": op}, position=_at(node))
    spec = _spec(node.get("field", ""), node)
    name = spec.name
    if op == "cmp":
        cmp = node.get("cmp")
        if cmp not in CMP_OPS:
            raise RuleError(_("Unknown comparison %(op)r.") % {"op": cmp}, position=_at(node))
        if cmp not in ("=", "!=") and spec.type not in _ORDERED:
            raise RuleError(
                _("%(field)s is %(type)s: it can be compared with = and != only.")
                % {"field": name, "type": spec.type},
                position=_at(node),
            )
        if spec.type in (FieldType.INDUSTRY, FieldType.TAGS):
            hint = "'^='" if spec.type == FieldType.INDUSTRY else "'has'"
            raise RuleError(
                _("%(field)s is compared with %(hint)s.") % {"field": name, "hint": hint},
                position=_at(node),
            )
        return {
            "op": "cmp",
            "field": name,
            "cmp": cmp,
            "value": _check_value(spec, node.get("value"), node),
        }
    if op == "between":
        if spec.type not in _ORDERED:
            raise RuleError(
                _("%(field)s is %(type)s: 'between' needs numbers or dates.")
                % {"field": name, "type": spec.type},
                position=_at(node),
            )
        low = _check_value(spec, node.get("low"), node)
        high = _check_value(spec, node.get("high"), node)
        return {"op": "between", "field": name, "low": low, "high": high}
    if op in ("within", "over"):
        if spec.type != FieldType.DATE:
            raise RuleError(
                _("'%(op)s' applies to dates; %(field)s is %(type)s.")
                % {"op": op, "field": name, "type": spec.type},
                position=_at(node),
            )
        amount = node.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= 1000:
            raise RuleError(_("The period is a whole number from 0 to 1000."), position=_at(node))
        if node.get("unit") not in ("years", "months", "days"):
            raise RuleError(_("The unit is years, months or days."), position=_at(node))
        return {"op": op, "field": name, "amount": amount, "unit": node["unit"]}
    values = node.get("values")
    if not isinstance(values, list) or not values or len(values) > MAX_VALUES:
        raise RuleError(
            _("'%(op)s' needs 1 to %(n)d values.") % {"op": op, "n": MAX_VALUES}, position=_at(node)
        )
    if op == "prefix" and spec.type != FieldType.INDUSTRY:
        raise RuleError(_("'^=' applies to the industry code."), position=_at(node))
    if op == "has" and spec.type != FieldType.TAGS:
        raise RuleError(_("'has' applies to tags."), position=_at(node))
    if op == "in" and spec.type == FieldType.TAGS:
        raise RuleError(_("Tags are tested with 'has'."), position=_at(node))
    if spec.type == FieldType.TAGS:
        checked = [v for v in values if _is_text(v)]
        if len(checked) != len(values):
            raise _mismatch(spec, values, node, _("text in quotes"))
    else:
        checked = [_check_value(spec, v, node) for v in values]
    return {"op": op, "field": name, "values": list(dict.fromkeys(checked))}


def parse(text: str) -> dict:
    """The checked AST of a rule's text, or ``RuleError`` (422) with line and column."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError(_("The rule is empty."))
    if len(text) > MAX_TEXT:
        raise RuleError(_("A rule has at most %(n)d characters.") % {"n": MAX_TEXT})
    return _validate(_Parser(tokenize(text)).parse())


def validate(tree: Any) -> dict:
    """The checked AST of a rule given as JSON (the rule builder's form), or ``RuleError``."""
    if not isinstance(tree, dict):
        raise RuleError(_("A rule is a JSON object."))
    count = sum(1 for _node in walk(tree))
    if count > MAX_NODES:
        raise RuleError(_("A rule has at most %(n)d conditions.") % {"n": MAX_NODES})
    return _validate(tree)


def walk(tree: dict) -> Iterator[dict]:
    yield tree
    for child in tree.get("args", ()) if isinstance(tree.get("args"), list) else ():
        if isinstance(child, dict):
            yield from walk(child)
    if isinstance(tree.get("arg"), dict):
        yield from walk(tree["arg"])


def fields_used(tree: dict) -> set[str]:
    """Profile fields (and ``qualifications``) a rule reads."""
    used: set[str] = set()
    for node in walk(tree):
        if node["op"] == "holds":
            used.add("qualifications")
        elif node["op"] == "ratio":
            used.update((node["num"], node["den"]))
        elif "field" in node:
            used.add(node["field"])
    return used


# --- text ------------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = repr(value)
    if isinstance(value, float) and "e" in text:  # 1e-05: the tokenizer reads no exponents
        text = format(Decimal(text), "f")
    return text


def _list(values: list) -> str:
    return _literal(values[0]) if len(values) == 1 else "(" + ", ".join(map(_literal, values)) + ")"


def to_text(tree: dict, *, _parent: str = "") -> str:
    """The canonical text of a checked AST (``parse(to_text(t)) == t``)."""
    op = tree["op"]
    if op in ("and", "or"):
        inner = f" {op} ".join(to_text(a, _parent=op) for a in tree["args"])
        return f"({inner})" if _parent and _parent != op else inner
    if op == "not":
        arg = tree["arg"]
        if arg["op"] == "in":
            return f"{arg['field']} not in ({', '.join(map(_literal, arg['values']))})"
        return "not " + to_text(arg, _parent="not")
    if op == "cmp":
        return f"{tree['field']} {tree['cmp']} {_literal(tree['value'])}"
    if op == "between":
        return f"{tree['field']} between {_literal(tree['low'])} and {_literal(tree['high'])}"
    if op == "in":
        return f"{tree['field']} in ({', '.join(map(_literal, tree['values']))})"
    if op == "prefix":
        return f"{tree['field']} ^= {_list(tree['values'])}"
    if op == "has":
        return f"{tree['field']} has {_list(tree['values'])}"
    if op in ("within", "over"):
        return f"{tree['field']} {op} {tree['amount']} {tree['unit']}"
    if op == "holds":
        on = f" on {tree['on']}" if tree["on"] else ""
        return f"holds {_literal(tree['kind'])}{on}"
    if op == "ratio":
        return f"ratio({tree['num']}, {tree['den']}) {tree['cmp']} {_literal(tree['value'])}"
    raise ValueError(op)


# --- evaluation of one profile ----------------------------------------------------------------


def shift(date: dt.date, amount: int, unit: str) -> dt.date:
    """``date`` minus ``amount`` years, months or days (29 February → 28 February)."""
    if unit == "days":
        return date - dt.timedelta(days=amount)
    months = amount * 12 if unit == "years" else amount
    year, month = divmod(date.year * 12 + date.month - 1 - months, 12)
    month += 1
    day = date.day
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def _cmp(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _num(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - the catalogue's numbers are numbers
        return Decimal(0)


def _as(spec_type: str, value: Any) -> Any:
    if spec_type in FieldType.NUMERIC:
        return _num(value)
    if spec_type == FieldType.DATE:
        return dt.date.fromisoformat(value)
    return value


@dataclass
class Outcome:
    """Whether one condition holds for a profile, and the profile's value(s) it looked at."""

    node: dict
    passed: bool
    actual: Any = None
    children: list[Outcome] = field(default_factory=list)

    @property
    def text(self) -> str:
        return to_text(self.node)


def evaluate(tree: dict, profile: dict, *, today: dt.date) -> Outcome:
    """Evaluate a checked AST against one profile: ``profile`` maps field names to values
    (numbers, ``date`` objects, strings, tag lists; None when unknown) and ``qualifications`` to
    ``[(kind, valid_from, valid_to), …]``. The outcome tree explains every condition."""
    op = tree["op"]
    if op in ("and", "or"):
        children = [evaluate(a, profile, today=today) for a in tree["args"]]
        results = [c.passed for c in children]
        return Outcome(tree, all(results) if op == "and" else any(results), children=children)
    if op == "not":
        child = evaluate(tree["arg"], profile, today=today)
        return Outcome(tree, not child.passed, child.actual, [child])
    if op == "holds":
        on = dt.date.fromisoformat(tree["on"]) if tree["on"] else today
        held = [
            (start, end)
            for kind, start, end in profile.get("qualifications") or ()
            if kind == tree["kind"]
        ]
        return Outcome(tree, any(s <= on <= e for s, e in held), held)
    if op == "ratio":
        num, den = profile.get(tree["num"]), profile.get(tree["den"])
        if num is None or den is None or _num(den) <= 0:
            return Outcome(tree, False, None)
        # exact: num / den op value  ⇔  num op value × den (den > 0)
        left, right = _num(num), _num(tree["value"]) * _num(den)
        return Outcome(tree, _cmp(left, tree["cmp"], right), _num(num) / _num(den))
    spec = registry.field_get(tree["field"])
    value = profile.get(tree["field"])
    if value is None or value == "":
        return Outcome(tree, False, None)
    if op == "has":
        return Outcome(tree, bool(set(value) & set(tree["values"])), value)
    if op == "prefix":
        return Outcome(tree, any(str(value).startswith(p) for p in tree["values"]), value)
    if op in ("within", "over"):
        edge = shift(today, tree["amount"], tree["unit"])
        return Outcome(tree, value >= edge if op == "within" else value <= edge, value)
    typed = _num(value) if spec.type in FieldType.NUMERIC else value
    if op == "cmp":
        return Outcome(tree, _cmp(typed, tree["cmp"], _as(spec.type, tree["value"])), value)
    if op == "between":
        low, high = _as(spec.type, tree["low"]), _as(spec.type, tree["high"])
        return Outcome(tree, low <= typed <= high, value)
    # in
    return Outcome(tree, typed in {_as(spec.type, v) for v in tree["values"]}, value)


def matches(tree: dict, profile: dict, *, today: dt.date) -> bool:
    return evaluate(tree, profile, today=today).passed


# --- contradictions ---------------------------------------------------------------------------


def _bounds(node: dict, spec_type: str):
    """(low, low_open, high, high_open) of an ordered condition, or None."""
    if node["op"] == "between":
        return _as(spec_type, node["low"]), False, _as(spec_type, node["high"]), False
    if node["op"] == "cmp" and node["cmp"] not in ("!=",):
        value = _as(spec_type, node["value"])
        return {
            "=": (value, False, value, False),
            "<": (None, False, value, True),
            "<=": (None, False, value, False),
            ">": (value, True, None, False),
            ">=": (value, False, None, False),
        }[node["cmp"]]
    return None


def contradictions(tree: dict) -> list[str]:
    """Conditions joined by ``and`` that no profile can satisfy together (the rule matches
    nothing): a warning for the author, with the field named. Looks at ranges and sets of
    one field within each ``and``; a rule may still match nothing for reasons of data."""
    found: list[str] = []
    for node in walk(tree):
        if node["op"] != "and":
            continue
        ranges: dict[str, list] = {}
        sets: dict[str, set] = {}
        for child in node["args"]:
            name = child.get("field")
            spec = registry.field_get(name) if name else None
            if spec is None:
                continue
            if spec.type in _ORDERED:
                bounds = _bounds(child, spec.type)
                if bounds:
                    ranges.setdefault(name, []).append(bounds)
            allowed = None
            if child["op"] == "in":
                allowed = set(child["values"])
            elif child["op"] == "cmp" and child["cmp"] == "=" and spec.type not in _ORDERED:
                allowed = {child["value"]}
            if allowed is not None:
                sets[name] = sets[name] & allowed if name in sets else allowed
                if not sets[name]:
                    found.append(
                        _("%(field)s cannot take a value every condition allows.") % {"field": name}
                    )
        for name, items in ranges.items():
            low, low_open, high, high_open = None, False, None, False
            for lo, lo_open, hi, hi_open in items:
                if lo is not None and (low is None or lo > low or (lo == low and lo_open)):
                    low, low_open = lo, lo_open
                if hi is not None and (high is None or hi < high or (hi == high and hi_open)):
                    high, high_open = hi, hi_open
            if (
                low is not None
                and high is not None
                and (low > high or (low == high and (low_open or high_open)))
            ):
                found.append(
                    _("%(field)s cannot be at least %(low)s and at most %(high)s at once.")
                    % {"field": name, "low": low, "high": high}
                )
    return list(dict.fromkeys(found))
