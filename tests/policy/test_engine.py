"""The bitmap matching engine agrees with the exact evaluator, rule for rule, on random
profiles and random rules (boundaries included: equal values, exact ratios, missing values,
qualification validity edges)."""

from __future__ import annotations

import random

import pytest

from yiwang.policy import rules, samples
from yiwang.policy.engine import Snapshot

TODAY = samples.TODAY


@pytest.fixture(scope="module")
def population():
    rng = random.Random(20261129)
    profiles = [samples.random_profile(rng, pk) for pk in range(1, 6001, 2)]  # ids with gaps
    return profiles, Snapshot(profiles, today=TODAY)


def _expected(tree, profiles):
    return {p["id"] for p in profiles if rules.matches(tree, p, today=TODAY)}


@pytest.mark.parametrize("seed", range(150))
def test_random_rules_match_exactly_what_the_evaluator_matches(population, seed):
    profiles, snapshot = population
    tree = rules.validate(samples.random_rule(random.Random(seed)))
    got = set(snapshot.ids_of(snapshot.match(tree)).tolist())
    assert got == _expected(tree, profiles), rules.to_text(tree)


@pytest.mark.parametrize("seed", range(20))
def test_realistic_twenty_condition_rules_agree(population, seed):
    profiles, snapshot = population
    tree = rules.validate(samples.realistic_rule(random.Random(seed), 20))
    got = set(snapshot.ids_of(snapshot.match(tree)).tolist())
    assert got == _expected(tree, profiles)


def test_edges_of_ranges_and_money_constants_with_more_decimals():
    profiles = [
        {"id": 1, "revenue": "2000.55", "employees": 10, "rd_spend": "0.15"},
        {"id": 2, "revenue": "2000.56", "employees": 11, "rd_spend": "3"},
        {"id": 3, "revenue": None, "employees": None, "rd_spend": None},
        {"id": 4, "revenue": "3", "employees": 9, "rd_spend": "0.15"},
    ]
    snapshot = Snapshot(profiles, today=TODAY)
    cases = {
        "revenue >= 2000.555": {2},
        "revenue <= 2000.555": {1, 4},
        "revenue = 2000.555": set(),
        "revenue != 2000.555": {1, 2, 4},
        "revenue != 3": {1, 2},
        "not revenue = 3": {1, 2, 3},
        "employees between 10 and 11": {1, 2},
        "ratio(rd_spend, revenue) >= 0.05": {4},  # 0.15 / 3 is exactly 0.05
        "ratio(rd_spend, revenue) < 0.05": {1, 2},
        "ratio(revenue, employees) > 200": {1},
    }
    for text, expected in cases.items():
        tree = rules.parse(text)
        assert set(snapshot.ids_of(snapshot.match(tree)).tolist()) == expected, text
        assert _expected(tree, profiles) == expected, text


def test_large_ranges_go_through_the_bucket_bitmaps():
    rng = random.Random(7)
    profiles = [{"id": i, "employees": rng.randint(0, 50000)} for i in range(40000)]
    snapshot = Snapshot(profiles, today=TODAY)
    for low, high in ((0, 50000), (1234, 45678), (20000, 20000), (49990, 60000), (-5, 3)):
        tree = rules.parse(f"employees between {low} and {high}")
        got = set(snapshot.ids_of(snapshot.match(tree)).tolist())
        assert got == {p["id"] for p in profiles if low <= p["employees"] <= high}
    assert snapshot.row_of(39999) == 39999 and snapshot.row_of(40000) is None
