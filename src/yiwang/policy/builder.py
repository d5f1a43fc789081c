"""The form-based rule builder: the third view of a rule's AST (next to the text and the JSON).

The page shows a rule as nested **groups** (all of / any of, optionally negated) of
**condition rows** (field, operator, value chosen from the registry's field catalogue, with the
operators the field's type allows). Each input is named ``b-<path>-<attr>`` where the path
locates the node (``r`` is the root group, ``r-0`` its first child, ``r-0-1`` …), so a POST of
the form is parsed back into the tree without any client-side state.

* :func:`from_tree` — a checked AST → builder nodes (``not (x in …)`` shows as "none of",
  double negations cancel: the evaluation is two-valued, so ``not not x`` is ``x``);
* :func:`from_post` — the submitted form → builder nodes; :func:`apply_action` adds or
  removes a row or a group;
* :func:`to_tree` — builder nodes → the checked AST, with the error of each row on the row
  (rows without a field yet are skipped; a group of one condition is that condition).

``to_tree(from_tree(t)) == t`` for every checked AST without double negation (tested through
the rendered page); lists are typed comma-separated (``,``, ``，``, ``、`` or ``;``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.policy import rules
from yiwang.registry import facade as registry

FieldType = registry.FieldType
HOLDS, RATIO = "holds", "ratio"
MAX_DEPTH = 6
MAX_ROWS = rules.MAX_NODES
_NAME_RE = re.compile(rf"^b-(r(?:-\d{{1,3}}){{0,{MAX_DEPTH}}})-([a-z0-9]+)$")
_LIST_SPLIT = re.compile(r"\s*[,，、;；]\s*")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")

OP_LABELS = {
    "=": "=",
    "!=": "≠",
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "between": gettext_lazy("between"),
    "in": gettext_lazy("one of"),
    "not_in": gettext_lazy("none of"),
    "prefix": gettext_lazy("under the industry code"),
    "has": gettext_lazy("has any of"),
    "within": gettext_lazy("within the last"),
    "over": gettext_lazy("at least … ago"),
}
_ORDERED_OPS = ("=", "!=", "<", "<=", ">", ">=", "between")
# Every operator the validator accepts for a type, so that any checked AST can be shown.
OPERATORS = {
    FieldType.INT: (*_ORDERED_OPS, "in", "not_in"),
    FieldType.MONEY: (*_ORDERED_OPS, "in", "not_in"),
    FieldType.DATE: ("within", "over", *_ORDERED_OPS, "in", "not_in"),
    FieldType.ENUM: ("=", "!=", "in", "not_in"),
    FieldType.TEXT: ("=", "!=", "in", "not_in"),
    FieldType.INDUSTRY: ("prefix", "in", "not_in"),
    FieldType.TAGS: ("has",),
    RATIO: rules.CMP_OPS,
    HOLDS: (),
}
UNIT_LABELS = {
    "years": gettext_lazy("years"),
    "months": gettext_lazy("months"),
    "days": gettext_lazy("days"),
}
LIST_OPS = ("in", "not_in", "prefix", "has")


def field_choices() -> list[tuple[str, str]]:
    """The field select: the catalogue, then qualifications and ratios."""
    choices = [(name, str(spec.label)) for name, spec in registry.FIELDS.items()]
    choices.append((HOLDS, _("qualification held")))
    choices.append((RATIO, _("ratio of two figures")))
    return choices


def numeric_field_choices() -> list[tuple[str, str]]:
    return [
        (name, str(spec.label))
        for name, spec in registry.FIELDS.items()
        if spec.type in FieldType.NUMERIC
    ]


def qualification_choices() -> list[tuple[str, str]]:
    return [(kind, registry.qualification_label(kind)) for kind in registry.QUALIFICATIONS]


# --- nodes ----------------------------------------------------------------------------------------


@dataclass
class Cond:
    path: str = "r-0"
    negate: bool = False
    field: str = ""
    operator: str = ""
    value: str = ""
    value2: str = ""
    unit: str = "years"
    kind: str = ""
    on: str = ""
    num: str = ""
    den: str = ""
    error: str = ""
    hint: str = ""  # an unfinished row (no value yet): skipped by the preview, not an error
    is_group = False

    @property
    def type(self) -> str:
        if self.field in (HOLDS, RATIO):
            return self.field
        spec = registry.field_get(self.field)
        return spec.type if spec else ""

    @property
    def operators(self) -> list[tuple[str, str]]:
        ops = OPERATORS.get(self.type, ())
        if self.type == FieldType.DATE:
            labels = {"<": _("before"), "<=": _("on or before"), ">": _("after"),
                      ">=": _("on or after")}  # fmt: skip
            return [(op, str(labels.get(op, OP_LABELS[op]))) for op in ops]
        return [(op, str(OP_LABELS[op])) for op in ops]

    @property
    def widget(self) -> str:
        """How the value is typed: "number", "date", "text", "choice", "list", "period",
        "holds", "ratio", or "" before a field is chosen."""
        kind = self.type
        if kind in (HOLDS, RATIO) or not kind:
            return kind
        if self.operator in ("within", "over"):
            return "period"
        if self.operator in LIST_OPS:
            return "list"
        if kind == FieldType.ENUM:
            return "choice"
        if kind == FieldType.DATE:
            return "date"
        if kind in FieldType.NUMERIC:
            return "number"
        return "text"

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The values of a closed-set field (its select, or the hint of its list)."""
        spec = registry.field_get(self.field)
        if spec is None or spec.type != FieldType.ENUM:
            return []
        return [(v, registry.field_value_label(self.field, v)) for v in spec.choices]

    @property
    def unit_label(self) -> str:
        spec = registry.field_get(self.field)
        return str(spec.unit) if spec and spec.unit else ""

    def name(self, attr: str) -> str:
        return f"b-{self.path}-{attr}"


@dataclass
class Group:
    path: str = "r"
    conj: str = "and"
    negate: bool = False
    children: list[Group | Cond] = field(default_factory=list)
    error: str = ""
    is_group = True

    @property
    def depth(self) -> int:
        return self.path.count("-")

    @property
    def can_nest(self) -> bool:
        return self.depth < MAX_DEPTH - 1

    def name(self, attr: str) -> str:
        return f"b-{self.path}-{attr}"


def renumber(node: Group | Cond, path: str = "r") -> None:
    node.path = path
    if isinstance(node, Group):
        for i, child in enumerate(node.children):
            renumber(child, f"{path}-{i}")


def walk(node: Group | Cond):
    yield node
    if isinstance(node, Group):
        for child in node.children:
            yield from walk(child)


def find(root: Group, path: str) -> Group | Cond | None:
    return next((n for n in walk(root) if n.path == path), None)


# --- AST → builder --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    return str(value)


def _from(node: dict, path: str, negate: bool = False) -> Group | Cond:
    op = node["op"]
    if op == "not":
        arg = node["arg"]
        if arg["op"] == "in" and not negate:
            return Cond(
                path=path,
                field=arg["field"],
                operator="not_in",
                value=", ".join(_text(v) for v in arg["values"]),
            )
        return _from(arg, path, not negate)
    if op in ("and", "or"):
        return Group(
            path=path,
            conj=op,
            negate=negate,
            children=[_from(a, f"{path}-{i}") for i, a in enumerate(node["args"])],
        )
    cond = Cond(path=path, negate=negate)
    if op == "holds":
        cond.field, cond.kind, cond.on = HOLDS, node["kind"], node["on"] or ""
    elif op == "ratio":
        cond.field, cond.num, cond.den = RATIO, node["num"], node["den"]
        cond.operator, cond.value = node["cmp"], _text(node["value"])
    else:
        cond.field = node["field"]
        if op == "cmp":
            cond.operator, cond.value = node["cmp"], _text(node["value"])
        elif op == "between":
            cond.operator, cond.value, cond.value2 = (
                "between",
                _text(node["low"]),
                _text(node["high"]),
            )
        elif op in ("within", "over"):
            cond.operator, cond.value, cond.unit = op, _text(node["amount"]), node["unit"]
        else:  # in, prefix, has
            cond.operator = op
            cond.value = ", ".join(_text(v) for v in node["values"])
    return cond


def from_tree(tree: dict | None) -> Group:
    """Builder nodes of a checked AST (an empty root group for no rule)."""
    if not tree:
        return Group()
    node = _from(tree, "r")
    if isinstance(node, Cond):
        node.path = "r-0"
        return Group(children=[node])
    return node


# --- POST → builder -------------------------------------------------------------------------------


def _index(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in path.split("-")[1:])


def from_post(data: Mapping[str, Any]) -> Group:
    """Builder nodes of a submitted form (unknown or malformed names are ignored; at most
    ``MAX_ROWS`` nodes and ``MAX_DEPTH`` levels are read)."""
    attrs: dict[str, dict[str, str]] = {}
    for key in data:
        match = _NAME_RE.match(key)
        if match:
            value = data.get(key)
            attrs.setdefault(match.group(1), {})[match.group(2)] = (
                value if isinstance(value, str) else ""
            )
            if len(attrs) > MAX_ROWS:
                break
    spec = attrs.get("r", {})
    root = Group(conj=_conj(spec.get("conj")), negate=bool(spec.get("negate")))
    nodes: dict[str, Group | Cond] = {"r": root}
    for path in sorted(attrs, key=_index):
        if path == "r":
            continue
        spec = attrs[path]
        parent = nodes.get(path.rsplit("-", 1)[0])
        if not isinstance(parent, Group):
            continue
        if spec.get("type") == "group":
            node: Group | Cond = Group(
                path=path, conj=_conj(spec.get("conj")), negate=bool(spec.get("negate"))
            )
        else:
            node = Cond(
                path=path,
                negate=bool(spec.get("negate")),
                **{
                    k: spec.get(k, "").strip()
                    for k in ("field", "operator", "value", "value2", "kind", "on", "num", "den")
                },
                unit=spec.get("unit") or "years",
            )
        parent.children.append(node)
        nodes[path] = node
    renumber(root)
    for node in walk(root):
        if isinstance(node, Cond):
            _fix_operator(node)
    return root


def _conj(value: Any) -> str:
    return "or" if value == "or" else "and"


def _fix_operator(cond: Cond) -> None:
    """A field change leaves an operator the new field does not have: take its first."""
    allowed = [op for op, _label in cond.operators]
    if cond.operator not in allowed:
        cond.operator = allowed[0] if allowed else ""


def apply_action(root: Group, action: str) -> Group:
    """``add:<path>`` a condition row to a group, ``group:<path>`` a sub-group (any-of inside
    all-of and vice versa), ``remove:<path>`` a node, ``clear`` everything."""
    verb, _sep, path = (action or "").partition(":")
    if verb == "clear":
        root.children = []
    target = find(root, path) if path else None
    if verb == "add" and isinstance(target, Group) and len(list(walk(root))) < MAX_ROWS:
        target.children.append(Cond(path=f"{path}-{len(target.children)}"))
    elif verb == "group" and isinstance(target, Group) and target.can_nest:
        target.children.append(
            Group(conj="or" if target.conj == "and" else "and", children=[Cond()])
        )
    elif verb == "remove" and target is not None and path != "r":
        parent = find(root, path.rsplit("-", 1)[0])
        if isinstance(parent, Group):
            parent.children = [c for c in parent.children if c is not target]
    renumber(root)
    return root


# --- builder → AST --------------------------------------------------------------------------------


class _RowError(Exception):
    pass


class _Pending(_RowError):
    """A row still being written (a value not typed yet)."""


def _negate(tree: dict) -> dict:
    return tree["arg"] if tree["op"] == "not" else {"op": "not", "arg": tree}


def _convert(spec, raw: str) -> Any:
    raw = raw.strip()
    if not raw:
        raise _Pending(_("Enter a value."))
    if spec.type in FieldType.NUMERIC:
        if not _NUMBER_RE.match(raw):
            raise _RowError(_("%(value)s is not a number.") % {"value": raw})
        return int(raw) if re.fullmatch(r"-?\d+", raw) else float(raw)
    return raw


def _list(spec, raw: str) -> list:
    parts = [p for p in _LIST_SPLIT.split(raw.strip()) if p]
    if not parts:
        raise _Pending(_("Enter at least one value."))
    return [_convert(spec, p) for p in parts]


def _leaf(cond: Cond) -> dict:
    if cond.field == HOLDS:
        if not cond.kind:
            raise _Pending(_("Choose a qualification."))
        return {"op": "holds", "kind": cond.kind, "on": cond.on or None}
    if cond.field == RATIO:
        if not cond.num or not cond.den:
            raise _Pending(_("Choose both figures of the ratio."))
        value = cond.value.strip()
        if not value:
            raise _Pending(_("Enter a value."))
        if not _NUMBER_RE.match(value):
            raise _RowError(_("%(value)s is not a number.") % {"value": value or "—"})
        number = int(value) if re.fullmatch(r"-?\d+", value) else float(value)
        return {"op": "ratio", "num": cond.num, "den": cond.den, "cmp": cond.operator,
                "value": number}  # fmt: skip
    spec = registry.field_get(cond.field)
    if spec is None:
        raise _RowError(_("Choose a field."))
    op, name = cond.operator, cond.field
    if op in rules.CMP_OPS:
        return {"op": "cmp", "field": name, "cmp": op, "value": _convert(spec, cond.value)}
    if op == "between":
        low, high = _convert(spec, cond.value), _convert(spec, cond.value2)
        return {"op": "between", "field": name, "low": low, "high": high}
    if op in ("within", "over"):
        amount = cond.value.strip()
        if not amount:
            raise _Pending(_("Enter a value."))
        if not re.fullmatch(r"\d{1,4}", amount):
            raise _RowError(_("The period is a whole number of years, months or days."))
        return {"op": op, "field": name, "amount": int(amount), "unit": cond.unit}
    if op in ("in", "not_in"):
        node = {"op": "in", "field": name, "values": _list(spec, cond.value)}
        return {"op": "not", "arg": node} if op == "not_in" else node
    if op in ("prefix", "has"):
        return {"op": op, "field": name, "values": [v.strip() for v in _list(spec, cond.value)]}
    raise _RowError(_("Choose an operator."))


def _build(node: Group | Cond, strict: bool) -> dict | None:
    """The checked AST of a node (None for an empty row or group); errors go on the rows.
    Unfinished rows are skipped with a hint, unless ``strict`` (saving) makes them errors."""
    if isinstance(node, Cond):
        node.error = node.hint = ""
        if not node.field:
            return None
        try:
            tree = rules.validate(_leaf(node))
        except _Pending as exc:
            if strict:
                node.error = str(exc)
            else:
                node.hint = str(exc)
            return None
        except _RowError as exc:
            node.error = str(exc)
            return None
        except rules.RuleError as exc:
            node.error = exc.message
            return None
        return _negate(tree) if node.negate else tree
    args = [t for t in (_build(child, strict) for child in node.children) if t is not None]
    if not args:
        return None
    tree = args[0] if len(args) == 1 else {"op": node.conj, "args": args}
    return _negate(tree) if node.negate else tree


def to_tree(root: Group, *, strict: bool = False) -> tuple[dict | None, bool]:
    """(the checked AST or None when empty, whether every row is valid). ``strict`` (saving)
    counts unfinished rows as errors; the live preview skips them."""
    tree = _build(root, strict)
    ok = not any(n.error for n in walk(root))
    if tree is not None and ok:
        try:
            tree = rules.validate(tree)
        except rules.RuleError as exc:
            root.error = exc.message
            ok = False
    return (tree if ok else None), ok


def errors_of(root: Group) -> list[tuple[str, str]]:
    """(path, message) of every node with an error."""
    return [(n.path, n.error) for n in walk(root) if n.error]
