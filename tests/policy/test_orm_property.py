"""Property: for random rules, the matching engine (built from the registry's streamed
profiles), the exact evaluator and the ORM query return the same enterprises — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.policy import rules, samples
from yiwang.policy.engine import Snapshot
from yiwang.policy.orm import orm_match
from yiwang.registry.selectors import matchable_profiles

TODAY = samples.TODAY


def test_engine_evaluator_and_orm_agree_on_random_rules(registry_sample):
    city, _profiles = registry_sample
    profiles = list(matchable_profiles(city_id=city.pk))
    assert len(profiles) == 600
    snapshot = Snapshot(profiles, today=TODAY)

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(seed=st.integers(min_value=0, max_value=2**32))
    def check(seed):
        tree = rules.validate(samples.random_rule(random.Random(seed), max_atoms=10, depth=3))
        engine = set(snapshot.ids_of(snapshot.match(tree)).tolist())
        exact = {p["id"] for p in profiles if rules.matches(tree, p, today=TODAY)}
        orm = set(orm_match(tree, city_id=city.pk, today=TODAY))
        assert engine == exact == orm, rules.to_text(tree)

    check()


def test_realistic_rules_agree_with_the_orm(registry_sample):
    city, _profiles = registry_sample
    snapshot = Snapshot(matchable_profiles(city_id=city.pk), today=TODAY)
    for seed in range(10):
        tree = rules.validate(samples.realistic_rule(random.Random(seed), 20))
        engine = set(snapshot.ids_of(snapshot.match(tree)).tolist())
        assert engine == set(orm_match(tree, city_id=city.pk, today=TODAY))
