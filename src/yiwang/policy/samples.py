"""Random enterprise profiles and random eligibility rules, for the property tests (engine,
exact evaluator and ORM must agree) and the matching bench. Deterministic for a seed.

Profiles are realistic in shape (industries, scales, dates, money with two decimals, missing
values, qualifications with validity periods); rules draw constants from the same
distributions (so they hit boundaries: equal values, exact ratios) and nest ``and``/``or``/
``not`` up to a depth.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from yiwang.registry import facade as registry

INDUSTRIES = (
    "C3911", "C3973", "C2710", "C3612", "C1391", "I6513", "I6520", "I6420", "F5212",
    "F5110", "H6210", "H6110", "E4710", "G5990", "K7010", "M7310", "L7212", "A0111",
)  # fmt: skip
DISTRICTS = ("香洲区", "斗门区", "金湾区", "横琴粤澳深度合作区", "高新区")
STREETS = ("拱北街道", "吉大街道", "前山街道", "井岸镇", "三灶镇", "唐家湾镇")
PARKS = ("", "", "", "软件园", "生物医药产业园", "航空产业园")
TAGS = ("外贸", "老字号", "上市后备", "外资", "专利密集", "绿色工厂")
SCALES = ("large", "medium", "small", "micro")
STATUSES = ("operating", "operating", "operating", "operating", "suspended", "revoked",
            "cancelled")  # fmt: skip
CREDIT = ("", "A", "A", "B", "B", "M", "C", "D")
MONEY_FIELDS = ("registered_capital", "revenue", "total_assets", "tax_paid", "rd_spend")
INT_FIELDS = ("employees", "invention_patents", "utility_patents", "software_copyrights",
              "trademarks")  # fmt: skip
TODAY = dt.date(2026, 11, 29)


def _money(rng: random.Random) -> Decimal | None:
    if rng.random() < 0.08:
        return None
    choice = rng.random()
    if choice < 0.2:
        return Decimal(rng.choice((0, 50, 100, 300, 500, 1000, 2000, 5000)))  # round figures
    return (Decimal(rng.randint(0, 2_000_000)) / 100).quantize(Decimal("0.01"))


def random_profile(rng: random.Random, pk: int, *, today: dt.date = TODAY) -> dict:
    """One matchable profile (the shape ``registry`` hands to the engine)."""
    founded = today - dt.timedelta(days=rng.randint(0, 365 * 30))
    profile: dict = {
        "id": pk,
        "industry": rng.choice(INDUSTRIES)[: rng.choice((3, 4, 5, 5, 5))],
        "scale": rng.choice(SCALES),
        "district": rng.choice(DISTRICTS),
        "street": rng.choice(STREETS) if rng.random() < 0.8 else None,
        "park": rng.choice(PARKS) or None,
        "status": rng.choice(STATUSES),
        "founded_on": founded if rng.random() < 0.97 else None,
        "credit_rating": rng.choice(CREDIT) or None,
        "employees": None
        if rng.random() < 0.05
        else rng.choice((0, 5, 10, 20, 100, 300))
        if rng.random() < 0.3
        else rng.randint(0, 3000),
        "tags": rng.sample(TAGS, rng.choice((0, 0, 1, 2))),
        "qualifications": [],
    }
    for name in MONEY_FIELDS:
        profile[name] = _money(rng)
    for name in INT_FIELDS[1:]:
        profile[name] = rng.choice((0, 0, 0, 1, 2, 5, rng.randint(0, 200)))
    for kind in registry.QUALIFICATIONS:
        if rng.random() < 0.15:
            start = today - dt.timedelta(days=rng.randint(-200, 365 * 4))
            end = start + dt.timedelta(days=rng.choice((365, 365 * 3, 365 * 3 - 1)))
            profile["qualifications"].append((kind, start, end))
    return profile


def _date(rng: random.Random) -> str:
    return (TODAY - dt.timedelta(days=rng.randint(-100, 365 * 30))).isoformat()


def _atom(rng: random.Random) -> dict:
    kind = rng.random()
    if kind < 0.1:
        on = None if rng.random() < 0.6 else _date(rng)
        return {"op": "holds", "kind": rng.choice(registry.QUALIFICATIONS), "on": on}
    if kind < 0.18:
        num, den = rng.choice((("rd_spend", "revenue"), ("tax_paid", "revenue"),
                               ("revenue", "employees"), ("rd_spend", "tax_paid")))  # fmt: skip
        value = rng.choice((0.03, 0.04, 0.05, 0.1, 0.5, 1, 2, 50, 0.333))
        return {"op": "ratio", "num": num, "den": den, "cmp": rng.choice(("<", ">=", ">", "<=")),
                "value": value}  # fmt: skip
    if kind < 0.28:
        prefixes = [
            rng.choice(INDUSTRIES)[: rng.choice((1, 3, 4, 5))] for _ in range(rng.randint(1, 3))
        ]
        return {"op": "prefix", "field": "industry", "values": list(dict.fromkeys(prefixes))}
    if kind < 0.34:
        return {"op": "has", "field": "tags", "values": rng.sample(TAGS, rng.randint(1, 2))}
    if kind < 0.42:
        unit = rng.choice(("years", "months", "days"))
        return {"op": rng.choice(("within", "over")), "field": "founded_on",
                "amount": rng.randint(0, 12), "unit": unit}  # fmt: skip
    if kind < 0.6:
        name, pool = rng.choice((("scale", SCALES), ("district", DISTRICTS), ("street", STREETS),
                                 ("park", PARKS[3:]), ("status", STATUSES),
                                 ("credit_rating", CREDIT[1:])))  # fmt: skip
        if rng.random() < 0.5:
            return {"op": "in", "field": name, "values": list(dict.fromkeys(rng.sample(pool, 2)))}
        return {
            "op": "cmp",
            "field": name,
            "cmp": rng.choice(("=", "!=")),
            "value": rng.choice(pool),
        }
    name = rng.choice((*MONEY_FIELDS, *INT_FIELDS, "founded_on"))
    if name == "founded_on":
        values = [_date(rng) for _ in range(2)]
    elif name in MONEY_FIELDS:
        values = [float(_money(rng) or 0) if rng.random() < 0.7 else round(rng.uniform(0, 20000), 3)
                  for _ in range(2)]  # fmt: skip
    else:
        values = [rng.choice((0, 5, 10, 20, 100, 300, rng.randint(0, 3000))) for _ in range(2)]
    if rng.random() < 0.2:
        low, high = sorted(values)
        return {"op": "between", "field": name, "low": low, "high": high}
    return {"op": "cmp", "field": name, "cmp": rng.choice(("=", "!=", "<", "<=", ">", ">=")),
            "value": values[0]}  # fmt: skip


def random_rule(rng: random.Random, *, max_atoms: int = 8, depth: int = 2) -> dict:
    """A random valid rule (a JSON AST; pass it through ``rules.validate``)."""
    if depth == 0 or rng.random() < 0.3:
        atom = _atom(rng)
        return {"op": "not", "arg": atom} if rng.random() < 0.15 else atom
    n = rng.randint(2, max(2, max_atoms // 2))
    args = [random_rule(rng, max_atoms=max_atoms // 2, depth=depth - 1) for _ in range(n)]
    node = {"op": rng.choice(("and", "and", "or")), "args": args}
    return {"op": "not", "arg": node} if rng.random() < 0.1 else node


def realistic_rule(rng: random.Random, conditions: int = 20) -> dict:
    """An ``and`` of ``conditions`` conditions the way policy items are written (industry,
    district, scale, status, age, figures, qualifications, ratios) — the bench's workload."""
    atoms = [
        {
            "op": "prefix",
            "field": "industry",
            "values": [rng.choice(("C", "I", "C39", "I65", "F"))],
        },
        {"op": "not", "arg": {"op": "in", "field": "status", "values": ["revoked", "cancelled"]}},
        {"op": "in", "field": "scale", "values": ["small", "medium", "micro"]},
        {"op": "in", "field": "district", "values": rng.sample(DISTRICTS, 3)},
        {"op": "within", "field": "founded_on", "amount": rng.randint(3, 15), "unit": "years"},
        {"op": "cmp", "field": "employees", "cmp": "<=", "value": rng.choice((300, 500, 1000))},
        {"op": "cmp", "field": "revenue", "cmp": ">=", "value": rng.choice((100, 300, 500))},
        {"op": "ratio", "num": "rd_spend", "den": "revenue", "cmp": ">=", "value": 0.03},
        {"op": "cmp", "field": "credit_rating", "cmp": "!=", "value": "D"},
        {"op": "cmp", "field": "tax_paid", "cmp": ">", "value": rng.choice((0, 10, 50))},
        {"op": "cmp", "field": "invention_patents", "cmp": ">=", "value": rng.choice((0, 1))},
        {"op": "between", "field": "registered_capital", "low": 10, "high": 100000},
        {"op": "cmp", "field": "total_assets", "cmp": "<=", "value": 200000},
        {"op": "cmp", "field": "rd_spend", "cmp": ">", "value": rng.choice((0, 5, 20))},
        {"op": "over", "field": "founded_on", "amount": 1, "unit": "years"},
        {"op": "cmp", "field": "software_copyrights", "cmp": ">=", "value": 0},
        {
            "op": "or",
            "args": [
                {"op": "holds", "kind": "tech_sme", "on": None},
                {"op": "holds", "kind": "high_tech", "on": None},
            ],
        },
        {"op": "cmp", "field": "utility_patents", "cmp": ">=", "value": 0},
        {"op": "cmp", "field": "employees", "cmp": ">=", "value": rng.choice((5, 10, 20))},
        {"op": "cmp", "field": "trademarks", "cmp": ">=", "value": 0},
    ]
    return {"op": "and", "args": atoms[:conditions]}
