"""The request text generator: deterministic, varied, covering every unit, topic and category."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from yiwang.hotline.textgen import (
    CATEGORIES,
    DISTRICTS,
    TOPICS,
    UNITS,
    GeneratedRequest,
    generate_request,
    generate_requests,
)

# Eleven digits in a row anywhere (a mobile number, or anything that could be mistaken for one).
ELEVEN_DIGITS = re.compile(r"\d{11}")
MASKED_MOBILE = re.compile(r"1\d{2}\*{4}\d{4}")


@pytest.fixture(scope="module")
def draws() -> list[GeneratedRequest]:
    return generate_requests(2000, seed=20261129)


def test_same_seed_same_texts_different_seed_different_texts():
    assert generate_requests(300, seed=7) == generate_requests(300, seed=7)
    assert generate_requests(300, seed=7) != generate_requests(300, seed=8)
    one, two = random.Random(5), random.Random(5)
    kwargs = {"unit_topic": "物业", "category": "complaint", "district": "斗门区"}
    assert [generate_request(one, **kwargs) for _ in range(50)] == [
        generate_request(two, **kwargs) for _ in range(50)
    ]


def test_draws_cover_every_unit_topic_and_category(draws):
    assert {r.topic for r in draws} == set(TOPICS)
    assert {r.category for r in draws} == set(CATEGORIES)
    assert {r.unit for r in draws} >= set(UNITS)
    assert {r.district for r in draws} == set(DISTRICTS)
    assert {r.lane for r in draws} == {"citizen", "enterprise"}


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_in_every_category(topic):
    rng = random.Random(topic)
    for category in CATEGORIES:
        request = generate_request(rng, unit_topic=topic, category=category)
        assert request.topic == topic
        assert request.category == category
        assert len(request.text) >= 15
        assert "{" not in request.text and "}" not in request.text  # every slot was filled


def test_unit_name_draws_one_of_its_topics():
    rng = random.Random(1)
    for unit, topics in UNITS.items():
        request = generate_request(rng, unit_topic=unit)
        assert request.topic in topics


def test_at_least_95_percent_distinct(draws):
    assert len({r.text for r in draws}) >= 0.95 * len(draws)


def test_texts_vary_in_structure_not_only_in_slots(draws):
    # The first eight characters (opening, identity, lead) should take many forms.
    assert len({r.text[:8] for r in draws}) > 300
    lengths = [len(r.text) for r in draws]
    assert min(lengths) < 50 < max(lengths)
    assert max(lengths) > 150


def test_no_unmasked_mobile_numbers(draws):
    assert not [r.text for r in draws if ELEVEN_DIGITS.search(r.text)]
    # Some texts do leave a (masked) number for the callback.
    assert sum(1 for r in draws if MASKED_MOBILE.search(r.text)) > 100


def test_category_tone(draws):
    praise = [r.text for r in draws if r.category == "praise"]
    assert praise and all(("表扬" in t) or ("感谢" in t) for t in praise)
    suggestions = [r.text for r in draws if r.category == "suggestion"]
    assert suggestions and all("建议" in t for t in suggestions)
    consults = [r.text for r in draws if r.category == "consult"]
    asking = sum(1 for t in consults if "？" in t or "问" in t or "咨询" in t)
    assert asking >= 0.9 * len(consults)


def test_some_orders_are_ambiguous_but_most_follow_their_topic(draws):
    moved = sum(1 for r in draws if r.unit != TOPICS[r.topic].unit)
    assert 0.01 * len(draws) < moved < 0.15 * len(draws)


def test_texts_name_places_of_the_demo_city(draws):
    places = set(DISTRICTS) | {s for streets in DISTRICTS.values() for s in streets}
    named = sum(1 for r in draws if any(place in r.text for place in places))
    assert named > 0.3 * len(draws)


def test_enterprise_topics_speak_as_an_enterprise():
    rng = random.Random(3)
    enterprise = [t for t, spec in TOPICS.items() if spec.lane == "enterprise"]
    assert {"惠企政策兑现", "融资", "用工", "审批服务", "知识产权"} <= set(enterprise)
    texts = [generate_request(rng, unit_topic=t).text for t in enterprise for _ in range(20)]
    assert sum(1 for t in texts if "我司" in t or "公司" in t or "企业" in t) > 0.8 * len(texts)


def test_category_mix_is_plausible(draws):
    counts = Counter(r.category for r in draws)
    assert counts["complaint"] > counts["praise"]
    assert counts["consult"] > counts["praise"]


@pytest.mark.parametrize(
    "kwargs",
    [{"unit_topic": "市不存在局"}, {"category": "咨询"}, {"district": "海淀区"}],
)
def test_unknown_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError, match="unknown"):
        generate_request(random.Random(0), **kwargs)
