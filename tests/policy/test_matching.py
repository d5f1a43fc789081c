"""The per-process matcher follows the registry's change feed: changed and new enterprises
are answered from their fresh profiles until the snapshot is rebuilt."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.policy.conftest import uscc_for
from yiwang.policy import rules, samples
from yiwang.policy.matching import Matcher
from yiwang.policy.orm import orm_match
from yiwang.registry.services.profiles import enterprise_save

TODAY = samples.TODAY


@pytest.fixture
def matcher(registry_sample):
    city, _profiles = registry_sample
    m = Matcher(city.pk)
    m.rebuild(today=TODAY)
    return m


def _orm(city, text):
    return set(orm_match(rules.parse(text), city_id=city.pk, today=TODAY))


def test_changes_and_new_enterprises_are_seen_after_a_refresh(registry_sample, matcher):
    city, profiles = registry_sample
    text = 'employees >= 2000 and district = "香洲区"'
    tree = rules.parse(text)
    before = set(matcher.match_ids(tree, fresh=True).tolist())
    builds = matcher.builds  # 2 when the fixture's day (TODAY) is not today in Shanghai
    assert before == _orm(city, text)
    target = next(p for p in profiles if p["id"] not in before)
    uscc = target["uscc"]
    enterprise_save(
        actor=None, city_id=city.pk, data={"uscc": uscc, "employees": 2500, "district": "香洲区"}
    )
    created = enterprise_save(
        actor=None,
        city_id=city.pk,
        data={
            "uscc": uscc_for(9000),
            "name": "新设企业有限公司",
            "industry": "I6513",
            "employees": 3000,
            "district": "香洲区",
        },
    )
    # within the polling interval nothing changes unless asked for
    after = set(matcher.match_ids(tree, fresh=True).tolist())
    assert after == _orm(city, text)
    assert created.pk in after and len(after) == len(before) + 2
    assert matcher.builds == builds and len(matcher.delta) == 2
    # the enterprise leaves the set again
    enterprise_save(actor=None, city_id=city.pk, data={"uscc": uscc, "employees": 10})
    assert set(matcher.match_ids(tree, fresh=True).tolist()) == _orm(city, text)


def test_items_for_one_enterprise(registry_sample, matcher):
    city, _profiles = registry_sample
    items = [(n, rules.validate(samples.realistic_rule(random.Random(n), 6))) for n in range(30)]
    items += [("any", rules.parse('not status = "moved_out" or employees >= 0'))]
    ids = matcher.match_ids(rules.parse("employees >= 0"), fresh=True).tolist()
    for enterprise_id in ids[:40]:
        expected = [
            k for k, t in items if enterprise_id in set(orm_match(t, city_id=city.pk, today=TODAY))
        ]
        assert matcher.items_for(enterprise_id, items) == expected


def test_a_new_day_rebuilds(registry_sample, matcher):
    matcher.refresh(today=TODAY + dt.timedelta(days=1))
    assert matcher.builds == 2 and matcher.snapshot.today == TODAY + dt.timedelta(days=1)
