"""The matching engine: eligibility rules as set algebra over per-field indexes.

A :class:`Snapshot` is built from the registry's matchable profiles (one streamed pass) for a
reference date, and answers "which enterprises does this rule match" without the database:

* closed-set fields (scale, status, credit rating, district, street, park), every level of the
  industry code (``C``, ``C39``, ``C391``, ``C3911``), each tag and each qualification held on
  the reference date are **roaring bitmaps** of row numbers;
* numbers, money and dates are **sorted arrays** (values as exact integers: money in
  hundredths of 10,000 yuan, dates as ordinals) with the row numbers in value order; a range is
  two binary searches, turned into a bitmap through precomputed bucket bitmaps (prefix unions
  of 64 coarse buckets, 1,024 fine buckets) plus the few rows at the edges;
* ``and`` starts from its smallest operand: when that is small the other conditions filter its
  rows by direct array lookups, otherwise bitmaps are intersected;
* ratios have no index (the constant varies): they are computed exactly on the candidate rows
  (``num × q op p × den`` with the constant as the fraction p/q), so the engine agrees with the
  exact evaluator of :mod:`yiwang.policy.rules` and with the ORM's numeric arithmetic.

Row numbers are dense 0..n-1 in the order of the given ids; results are bitmaps of rows
(:meth:`Snapshot.ids` turns them into enterprise ids). A snapshot is immutable; freshness (the
change feed, the daily rebuild) is the job of :mod:`yiwang.policy.matching`.
"""

from __future__ import annotations

import array
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from pyroaring import BitMap

from yiwang.policy import rules
from yiwang.registry import facade as registry

FieldType = registry.FieldType
COARSE = 64
FINE = 1024
SMALL = 4096  # a candidate set this small is filtered row by row
COMMON_RATIOS = (("rd_spend", "revenue"), ("tax_paid", "revenue"))
MISSING = np.iinfo(np.int64).min


def _bitmap(rows: np.ndarray) -> BitMap:
    """A bitmap of row numbers (any order)."""
    if not len(rows):
        return BitMap()
    ordered = np.sort(rows.astype(np.uint32, copy=False))
    return BitMap(array.array("I", ordered.tobytes()))


def _rows(bitmap: BitMap) -> np.ndarray:
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32).astype(np.int64)


def money_units(value) -> int | None:
    """Money in hundredths of 10,000 yuan (exact), None when unknown."""
    if value is None or value == "":
        return None
    return int((Decimal(str(value)) * 100).to_integral_value())


def _scale(spec_type: str) -> int:
    return 100 if spec_type == FieldType.MONEY else 1


def _encode(spec_type: str, value):
    """A field value as the integer the arrays hold."""
    if value is None or value == "":
        return None
    if spec_type == FieldType.DATE:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return value.toordinal()
    if spec_type == FieldType.MONEY:
        return money_units(value)
    return int(value)


def _bound(spec_type: str, value, *, upper: bool) -> int:
    """A rule constant as an inclusive integer bound (money may have more decimals than the
    data: ``revenue >= 2000.555`` is ``units >= 200056``)."""
    if spec_type == FieldType.DATE:
        return dt.date.fromisoformat(value).toordinal()
    exact = Fraction(Decimal(str(value))) * _scale(spec_type)
    return math.floor(exact) if upper else math.ceil(exact)


class NumericIndex:
    """One numeric/date column: values by row, rows in value order, bucket bitmaps. Integer
    columns mark unknown values with ``MISSING``; float columns (ratios) with NaN."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        if values.dtype.kind == "f":
            self.present = np.flatnonzero(~np.isnan(values))
        else:
            self.present = np.flatnonzero(values != MISSING)  # ascending rows
        self.order = self.present[np.argsort(values[self.present], kind="stable")]
        self.sorted = values[self.order]
        n = len(self.order)
        self.fine_size = max(1, math.ceil(n / FINE))
        self.fine = [
            _bitmap(self.order[i : i + self.fine_size]) for i in range(0, n, self.fine_size)
        ]
        self.per_coarse = max(1, math.ceil(len(self.fine) / COARSE))
        prefixes = [BitMap()]
        for start in range(0, len(self.fine), self.per_coarse):
            chunk = self.fine[start : start + self.per_coarse]
            prefixes.append(prefixes[-1] | BitMap.union(*chunk))
        self.prefixes = prefixes  # prefixes[k]: rows of the first k coarse buckets

    def rank_range(self, low: int | None, high: int | None) -> tuple[int, int]:
        """Ranks [i, j) of the values within [low, high] (inclusive; None: unbounded)."""
        i = 0 if low is None else int(np.searchsorted(self.sorted, low, side="left"))
        j = len(self.sorted) if high is None else int(np.searchsorted(self.sorted, high, "right"))
        return i, max(i, j)

    def bitmap(self, i: int, j: int) -> BitMap:
        """The rows of ranks [i, j) as a bitmap."""
        if j - i <= SMALL:
            return _bitmap(self.order[i:j])
        fs, pc = self.fine_size, self.per_coarse
        fi, fj = -(-i // fs), j // fs  # fine buckets wholly inside
        ci, cj = -(-fi // pc), fj // pc  # coarse buckets wholly inside
        parts = []
        if cj > ci:
            parts.append(self.prefixes[cj] - self.prefixes[ci])
            parts.extend(self.fine[fi : ci * pc])
            parts.extend(self.fine[cj * pc : fj])
        else:
            parts.extend(self.fine[fi:fj])
        edges = np.concatenate([self.order[i : min(j, fi * fs)], self.order[max(i, fj * fs) : j]])
        parts.append(_bitmap(edges))
        return BitMap.union(*parts)

    def filter(self, rows: np.ndarray, low: int | None, high: int | None) -> np.ndarray:
        values = self.values[rows]
        keep = values != MISSING
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
        return rows[keep]


@dataclass
class _Range:
    """A condition on one numeric index: rows with value in [low, high] (lazily a bitmap)."""

    index: NumericIndex
    low: int | None
    high: int | None
    negate_equal: bool = False  # "!=": the complement of the range among present rows

    def count(self) -> int:
        i, j = self.index.rank_range(self.low, self.high)
        return len(self.index.order) - (j - i) if self.negate_equal else j - i

    def bitmap(self, snapshot: Snapshot) -> BitMap:
        i, j = self.index.rank_range(self.low, self.high)
        inside = self.index.bitmap(i, j)
        if self.negate_equal:
            return self.index.bitmap(0, len(self.index.order)) - inside
        return inside

    def filter(self, rows: np.ndarray) -> np.ndarray:
        if self.negate_equal:
            values = self.index.values[rows]
            low = self.low
            return rows[(values != MISSING) & (values != low)]
        return self.index.filter(rows, self.low, self.high)


RATIO_BAND = 1e-9  # relative width around the constant where float ratios are re-checked exactly


@dataclass
class _Ratio:
    """``num / den op p/q``: false where den ≤ 0 or a value is missing. A float index of the
    ratios (built once per pair and snapshot) finds the rows; those whose float ratio is within
    a hair of the constant are decided exactly on the integer columns (``num × q op p × den``)."""

    snapshot: Snapshot
    num: NumericIndex
    den: NumericIndex
    pair: tuple[str, str]
    op: str
    p: int
    q: int

    def _index(self) -> NumericIndex:
        return self.snapshot.ratio_index(self.pair)

    def _split(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Rank ranges of the ratio index: (surely passing, to check exactly)."""
        index, x = self._index(), self.p / self.q
        lo, hi = x - abs(x) * RATIO_BAND - 1e-300, x + abs(x) * RATIO_BAND + 1e-300
        band = index.rank_range(lo, hi)
        n = len(index.order)
        sure = {
            ">": (band[1], n), ">=": (band[1], n), "<": (0, band[0]), "<=": (0, band[0]),
            "=": (0, 0), "!=": (0, 0),
        }[self.op]  # fmt: skip
        return sure, band

    def count(self) -> int:
        (i, j), (bi, bj) = self._split()
        if self.op == "!=":
            return len(self._index().order)
        return (j - i) + (bj - bi)

    def exact(self, rows: np.ndarray) -> np.ndarray:
        num, den = self.num.values[rows], self.den.values[rows]
        ok = (num != MISSING) & (den != MISSING) & (den > 0)
        rows, num, den = rows[ok], num[ok], den[ok]
        left = num.astype(object) * self.q if _overflows(num, self.q) else num * self.q
        right = den.astype(object) * self.p if _overflows(den, self.p) else den * self.p
        return rows[np.asarray(_compare(left, self.op, right), dtype=bool)]

    def filter(self, rows: np.ndarray) -> np.ndarray:
        return self.exact(rows)

    def bitmap(self, snapshot: Snapshot) -> BitMap:
        index = self._index()
        (i, j), (bi, bj) = self._split()
        checked = _bitmap(self.exact(index.order[bi:bj]))
        if self.op == "!=":
            return index.bitmap(0, len(index.order)) - (index.bitmap(bi, bj) - checked)
        return index.bitmap(i, j) | checked


def _overflows(values: np.ndarray, factor: int) -> bool:
    peak = int(np.abs(values).max()) if len(values) else 0
    return peak * abs(factor) >= 2**62


def _compare(left, op: str, right):
    return {
        "=": lambda: left == right,
        "!=": lambda: left != right,
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
    }[op]()


class Snapshot:
    """The matchable profiles of the registry at one moment, for one reference date."""

    def __init__(self, profiles: Iterable[dict], *, today: dt.date) -> None:
        self.today = today
        ids: list[int] = []
        columns: dict[str, list] = {
            name: [] for name, spec in registry.FIELDS.items() if _is_numeric(spec.type)
        }
        keyed: dict[str, dict[str, list[int]]] = {
            name: {} for name, spec in registry.FIELDS.items() if not _is_numeric(spec.type)
        }
        held: dict[str, list[tuple[int, int, int]]] = {k: [] for k in registry.QUALIFICATIONS}
        for row, profile in enumerate(profiles):
            ids.append(profile["id"])
            for name in columns:
                encoded = _encode(registry.FIELDS[name].type, profile.get(name))
                columns[name].append(MISSING if encoded is None else encoded)
            for name, table in keyed.items():
                for key in _keys(registry.FIELDS[name].type, profile.get(name)):
                    table.setdefault(key, []).append(row)
            for kind, start, end in profile.get("qualifications") or ():
                if kind in held:
                    held[kind].append(
                        (row, _encode(FieldType.DATE, start), _encode(FieldType.DATE, end))
                    )
        self.ids = np.asarray(ids, dtype=np.int64)
        self.size = len(ids)
        self.all = BitMap(range(self.size))
        self.numeric = {
            name: NumericIndex(np.asarray(values, dtype=np.int64))
            for name, values in columns.items()
        }
        self.keyed = {
            name: {key: BitMap(rows) for key, rows in table.items()}
            for name, table in keyed.items()
        }
        # rows with any value of a closed-set field (what "!=" leaves the other values of)
        self.keyed_present = {
            name: BitMap.union(*table.values()) if table else BitMap()
            for name, table in self.keyed.items()
        }
        self.qualifications = {
            kind: np.asarray(rows, dtype=np.int64).reshape(-1, 3) for kind, rows in held.items()
        }
        today_ord = today.toordinal()
        self.held_today = {kind: self._held(kind, today_ord) for kind in self.qualifications}
        self._ratios: dict[tuple[str, str], NumericIndex] = {}
        for pair in COMMON_RATIOS:  # the ratios policies use most, built with the snapshot
            self.ratio_index(pair)

    # --- public -----------------------------------------------------------------------------

    def match(self, tree: dict) -> BitMap:
        """Rows matching a checked rule."""
        return self._eval(tree)

    def count(self, tree: dict) -> int:
        return len(self._eval(tree))

    def ids_of(self, rows: BitMap) -> np.ndarray:
        return self.ids[_rows(rows)]

    def row_of(self, enterprise_id: int) -> int | None:
        i = int(np.searchsorted(self.ids, enterprise_id))
        return i if i < self.size and self.ids[i] == enterprise_id else None

    # --- evaluation -------------------------------------------------------------------------

    def ratio_index(self, pair: tuple[str, str]) -> NumericIndex:
        """The float index of ``num / den`` over the rows where both are known and den > 0
        (NaN elsewhere), built on first use."""
        index = self._ratios.get(pair)
        if index is None:
            num, den = self.numeric[pair[0]].values, self.numeric[pair[1]].values
            ok = (num != MISSING) & (den != MISSING) & (den > 0)
            ratios = np.full(self.size, np.nan)
            # in the columns' units (money in hundredths), as the constants are scaled in _leaf
            ratios[ok] = num[ok].astype(np.float64) / den[ok].astype(np.float64)
            index = self._ratios[pair] = NumericIndex(ratios)
        return index

    def _held(self, kind: str, on: int) -> BitMap:
        table = self.qualifications[kind]
        if not len(table):
            return BitMap()
        valid = (table[:, 1] <= on) & (table[:, 2] >= on)
        return _bitmap(np.unique(table[valid, 0]))

    def _eval(self, node: dict) -> BitMap:
        op = node["op"]
        if op == "and":
            return self._and(node["args"])
        if op == "or":
            return BitMap.union(*(self._eval(a) for a in node["args"]))
        if op == "not":
            return self.all - self._eval(node["arg"])
        leaf = self._leaf(node)
        return leaf if isinstance(leaf, BitMap) else leaf.bitmap(self)

    def _and(self, args: list[dict]) -> BitMap:
        leaves = [self._leaf(a) if a["op"] not in ("and", "or", "not") else None for a in args]
        sets = [self._eval(a) for a, leaf in zip(args, leaves, strict=True) if leaf is None]
        sets += [leaf for leaf in leaves if isinstance(leaf, BitMap)]
        lazy = [leaf for leaf in leaves if leaf is not None and not isinstance(leaf, BitMap)]
        if sets:
            sets.sort(key=len)
            current = sets[0]
            for other in sets[1:]:
                if not current:
                    return current
                current = current & other
        else:
            lazy.sort(key=lambda x: x.count())
            current = lazy.pop(0).bitmap(self)
        lazy.sort(key=lambda x: x.count())
        rows = None  # once the candidates are few, the rest filter one array in place
        for leaf in lazy:
            if rows is None:
                if not current:
                    return current
                if len(current) > SMALL * 4:
                    current = current & leaf.bitmap(self)
                    continue
                rows = _rows(current)
            rows = leaf.filter(rows)
            if not len(rows):
                break
        return current if rows is None else _bitmap(rows)

    def _leaf(self, node: dict):
        op = node["op"]
        if op == "holds":
            if node["on"] is None:
                return self.held_today[node["kind"]]
            return self._held(node["kind"], _encode(FieldType.DATE, node["on"]))
        if op == "ratio":
            value = Fraction(Decimal(str(node["value"])))
            num, den = self.numeric[node["num"]], self.numeric[node["den"]]
            # money and plain numbers may be mixed: bring both to the same unit
            scale_num = _scale(registry.FIELDS[node["num"]].type)
            scale_den = _scale(registry.FIELDS[node["den"]].type)
            value = value * scale_num / scale_den
            pair = (node["num"], node["den"])
            return _Ratio(self, num, den, pair, node["cmp"], value.numerator, value.denominator)
        name = node["field"]
        spec = registry.FIELDS[name]
        if _is_numeric(spec.type):
            return self._numeric_leaf(node, spec)
        table = self.keyed[name]
        if op in ("in", "has", "prefix"):
            values = node["values"]
        elif op == "cmp" and node["cmp"] == "=":
            values = [node["value"]]
        elif op == "cmp":  # "!=": rows with a value other than it
            return self.keyed_present[name] - table.get(node["value"], BitMap())
        else:  # pragma: no cover - validation allows nothing else
            raise ValueError(op)
        found = [table[v] for v in values if v in table]
        return BitMap.union(*found) if found else BitMap()

    def _numeric_leaf(self, node: dict, spec) -> _Range:
        index = self.numeric[node["field"]]
        op = node["op"]
        if op in ("within", "over"):
            edge = rules.shift(self.today, node["amount"], node["unit"]).toordinal()
            return _Range(index, edge, None) if op == "within" else _Range(index, None, edge)
        if op == "between":
            low = _bound(spec.type, node["low"], upper=False)
            high = _bound(spec.type, node["high"], upper=True)
            return _Range(index, low, high)
        if op == "in":
            return _Union([self._numeric_leaf({**node, "op": "cmp", "cmp": "=", "value": v}, spec)
                           for v in node["values"]])  # fmt: skip
        cmp, value = node["cmp"], node["value"]
        low, high = _bound(spec.type, value, upper=False), _bound(spec.type, value, upper=True)
        if cmp == "=":
            return _Range(index, low, high) if low <= high else _Range(index, 1, 0)
        if cmp == "!=":
            if low > high:  # a constant no stored value can equal: every present row
                return _Range(index, None, None)
            return _Range(index, low, low, negate_equal=True)
        if cmp == "<":
            return _Range(index, None, low - 1)
        if cmp == "<=":
            return _Range(index, None, high)
        if cmp == ">":
            return _Range(index, high + 1, None)
        return _Range(index, low, None)


@dataclass
class _Union:
    parts: list[_Range]

    def count(self) -> int:
        return sum(p.count() for p in self.parts)

    def bitmap(self, snapshot: Snapshot) -> BitMap:
        return BitMap.union(*(p.bitmap(snapshot) for p in self.parts))

    def filter(self, rows: np.ndarray) -> np.ndarray:
        kept = [p.filter(rows) for p in self.parts]
        return np.unique(np.concatenate(kept)) if kept else rows[:0]


def _is_numeric(spec_type: str) -> bool:
    return spec_type in (*FieldType.NUMERIC, FieldType.DATE)


def _keys(spec_type: str, value) -> list[str]:
    if value is None or value == "":
        return []
    if spec_type == FieldType.INDUSTRY:
        return list(registry.industry_prefixes(value))
    if spec_type == FieldType.TAGS:
        return list(dict.fromkeys(value))
    return [value]
