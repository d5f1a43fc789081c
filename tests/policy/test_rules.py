"""The eligibility rule language: parsing with precise errors, validation against the
registry's field catalogue, the canonical text round trip, evaluation of one profile with its
explanation, and contradiction warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yiwang.policy import rules
from yiwang.policy.rules import RuleError

TODAY = dt.date(2026, 11, 29)

FULL = """industry ^= ("C39", "I65") and employees <= 500 and founded_on within 3 years
and holds "high_tech" and ratio(rd_spend, revenue) >= 0.05
and district in ("香洲区", "金湾区") and not status in ("revoked", "cancelled")"""


def profile(**overrides):
    base = {
        "industry": "C3911",
        "employees": 120,
        "founded_on": dt.date(2024, 6, 1),
        "rd_spend": 60,
        "revenue": 1000,
        "district": "香洲区",
        "status": "operating",
        "tags": ["外贸"],
        "credit_rating": "A",
        "qualifications": [("high_tech", dt.date(2024, 1, 1), dt.date(2026, 12, 31))],
    }
    return {**base, **overrides}


def test_a_full_rule_parses_to_the_documented_ast():
    tree = rules.parse(FULL)
    assert tree["op"] == "and" and len(tree["args"]) == 7
    first, *_rest, last = tree["args"]
    assert first == {"op": "prefix", "field": "industry", "values": ["C39", "I65"]}
    assert last == {
        "op": "not",
        "arg": {"op": "in", "field": "status", "values": ["revoked", "cancelled"]},
    }
    assert {"op": "within", "field": "founded_on", "amount": 3, "unit": "years"} in tree["args"]
    assert {"op": "holds", "kind": "high_tech", "on": None} in tree["args"]
    assert rules.fields_used(tree) == {
        "industry", "employees", "founded_on", "qualifications", "rd_spend", "revenue",
        "district", "status",
    }  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        FULL,
        'employees between 10 and 300 or (scale = "small" and tags has ("外贸", "老字号"))',
        'not (credit_rating in ("C", "D") or founded_on over 10 years)',
        'holds "tech_sme" on 2025-12-31 and revenue > 2000.5 and founded_on >= 2020-01-01',
        'industry ^= "3911"',
        'park = "高新区" and street != "前山街道"',
    ],
)
def test_text_round_trips_through_the_canonical_form(text):
    tree = rules.parse(text)
    assert rules.parse(rules.to_text(tree)) == tree
    assert rules.validate(tree) == tree  # the JSON form is accepted as it is


def test_nested_conjunctions_are_flattened():
    assert rules.parse("(employees > 1 and employees < 9) and revenue > 1") == rules.parse(
        "employees > 1 and employees < 9 and revenue > 1"
    )


def test_industry_codes_are_normalised_in_the_ast():
    assert rules.parse('industry ^= ("3911", "i65")')["values"] == ["C3911", "I65"]


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("employes <= 5", (1, 1), "Unknown field 'employes'"),
        ('employees <= "many"', (1, 1), "is not a number"),
        ("employees <= 5.5", (1, 1), "a whole number"),
        ('scale = "huge"', (1, 1), "has no value 'huge'"),
        ('district < "香洲区"', (1, 1), "= and != only"),
        ("revenue within 3 years", (1, 1), "applies to dates"),
        ('holds "gaoxin"', (1, 1), "Unknown qualification 'gaoxin'"),
        ('industry ^= "98"', (1, 1), "division 98 does not exist"),
        ("employees <= 5 and\n  revenue >", (2, 12), "expected a value"),
        ("employees <= 5 revenue > 1", (1, 16), "expected 'and', 'or'"),
        ("(employees <= 5", (1, 16), "expected ')'"),
        ("employees ~ 5", (1, 11), "Unexpected character '~'"),
        ("founded_on > 2026-02-30", (1, 14), "not a calendar date"),
        ("ratio(rd_spend, district) >= 0.1", (1, 1), "ratio() takes numeric fields"),
        ('tags = "外贸"', (1, 1), "compared with 'has'"),
        ("and", (1, 1), "expected a field name"),
    ],
)
def test_bad_rules_get_precise_errors(text, position, words):
    with pytest.raises(RuleError) as error:
        rules.parse(text)
    detail = error.value.errors[0]
    assert (detail["line"], detail["column"]) == position
    assert words in detail["message"], detail["message"]
    assert error.value.code == "policy.invalid_rule"


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_empty_and_oversized_rules_are_refused(text):
    with pytest.raises(RuleError):
        rules.parse(text)


@pytest.mark.parametrize(
    "tree, words",
    [
        ([], "JSON object"),
        ({"op": "and", "args": [{"op": "cmp", "field": "employees", "cmp": "<", "value": 3}]},
         "at least two"),
        ({"op": "cmp", "field": "employees", "cmp": "~", "value": 3}, "Unknown comparison"),
        ({"op": "in", "field": "scale", "values": []}, "needs 1 to"),
        ({"op": "regex", "field": "name"}, "Unknown condition"),
        ({"op": "cmp", "field": "employees", "cmp": "<", "value": True}, "is not a number"),
    ],
)  # fmt: skip
def test_bad_json_rules_from_the_builder_are_refused(tree, words):
    with pytest.raises(RuleError) as error:
        rules.validate(tree)
    assert words in error.value.errors[0]["message"]


def test_evaluation_passes_and_explains_each_condition():
    tree = rules.parse(FULL)
    outcome = rules.evaluate(tree, profile(), today=TODAY)
    assert outcome.passed
    failing = rules.evaluate(tree, profile(employees=800, rd_spend=10), today=TODAY)
    assert not failing.passed
    failed = {c.text: c.actual for c in failing.children if not c.passed}
    assert failed == {"employees <= 500": 800, "ratio(rd_spend, revenue) >= 0.05": Decimal("0.01")}


@pytest.mark.parametrize(
    "text, overrides, expected",
    [
        ("founded_on within 3 years", {"founded_on": dt.date(2023, 11, 29)}, True),
        ("founded_on within 3 years", {"founded_on": dt.date(2023, 11, 28)}, False),
        ("founded_on over 2 years", {"founded_on": dt.date(2024, 11, 29)}, True),
        ("founded_on over 2 years", {"founded_on": dt.date(2024, 11, 30)}, False),
        # exact ratio arithmetic: 0.15 / 3 is 0.05, not 0.049999…
        ("ratio(rd_spend, revenue) >= 0.05", {"rd_spend": "0.15", "revenue": "3"}, True),
        ("ratio(rd_spend, revenue) >= 0.05", {"revenue": 0}, False),
        ("ratio(rd_spend, revenue) >= 0.05", {"revenue": None}, False),
        # a comparison with a missing value is false, and its negation true
        ("employees < 10", {"employees": None}, False),
        ("not employees < 10", {"employees": None}, True),
        ('holds "high_tech" on 2027-01-01', {}, False),
        ('holds "high_tech" on 2024-01-01', {}, True),
        ('tags has ("老字号", "外贸")', {}, True),
        ('industry ^= "C392"', {}, False),
        ('industry ^= "C"', {}, True),
        ("revenue between 1000 and 1000.00", {}, True),
    ],
)
def test_evaluation_semantics(text, overrides, expected):
    assert rules.matches(rules.parse(text), profile(**overrides), today=TODAY) is expected


def test_month_arithmetic_keeps_the_last_day():
    assert rules.shift(dt.date(2024, 2, 29), 1, "years") == dt.date(2023, 2, 28)
    assert rules.shift(dt.date(2026, 3, 31), 1, "months") == dt.date(2026, 2, 28)
    assert rules.shift(dt.date(2026, 1, 15), 30, "days") == dt.date(2025, 12, 16)


@pytest.mark.parametrize(
    "text, warns",
    [
        ("employees < 10 and employees > 20", True),
        ("employees <= 10 and employees >= 10", False),
        ("employees < 10 and employees >= 10", True),
        ('scale in ("small", "micro") and scale = "large"', True),
        ('scale in ("small", "micro") and scale = "small"', False),
        ("founded_on >= 2020-01-01 and founded_on between 2010-01-01 and 2019-12-31", True),
        ("employees < 10 or employees > 20", False),
    ],
)
def test_contradictions_are_reported(text, warns):
    found = rules.contradictions(rules.parse(text))
    assert bool(found) is warns, found
