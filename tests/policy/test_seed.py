"""The demo policies: ~40 documents with 100 items over the seeded registry, after its step;
rules valid, 免申即享 only over verifiable fields, every published rule matching enterprises,
listing both on time and late, idempotent."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from rich.console import Console
from rich.progress import Progress

from yiwang.core.seed import SCALES, SeedContext, _discover
from yiwang.policy import rules
from yiwang.policy.choices import DocumentStatus, ItemStatus
from yiwang.policy.matching import matcher_for
from yiwang.policy.models import PolicyDocument, PolicyFAQ, PolicyItem
from yiwang.policy.selectors import city_id_of
from yiwang.policy.services import unverifiable_fields

pytestmark = pytest.mark.django_db
STEPS = ("core.organisations", "core.accounts", "core.public", "registry.enterprises",
         "policy.documents")  # fmt: skip


def _run(steps=STEPS) -> dict:
    """The seed's own loop over the steps policies need (the whole seed takes minutes)."""
    selected = [s for s in _discover() if s.name in steps]
    faker = Faker("zh_CN")
    with Progress(console=Console(quiet=True)) as progress:
        ctx = SeedContext(
            scale="small", rng=random.Random(1), faker=faker, progress=progress,
            params=SCALES["small"],
        )  # fmt: skip
        for step in selected:
            ctx.rng = random.Random(f"20230714:{step.name}")
            faker.seed_instance(f"20230714:{step.name}")
            step.fn(ctx)
    return ctx.counts


def test_the_policy_step_comes_after_the_registry():
    order = {s.name: s.order for s in _discover()}
    assert order["policy.documents"] > order["registry.enterprises"]


def test_demo_policies(db):
    counts = _run()
    assert counts["policy documents"] == PolicyDocument.objects.count() >= 40
    assert PolicyItem.objects.count() == 100
    assert counts["policy items published"] >= 80
    statuses = set(PolicyDocument.objects.values_list("status", flat=True))
    assert statuses == set(DocumentStatus.values)
    listed = PolicyDocument.objects.exclude(listed_at=None)
    assert (
        listed.filter(listed_on_time=True).exists() and listed.filter(listed_on_time=False).exists()
    )
    assert PolicyFAQ.objects.exists()
    published = list(
        PolicyItem.objects.filter(status=ItemStatus.PUBLISHED).select_related(
            "document__organisation"
        )
    )
    assert sum(i.exempt_application for i in published) >= 30
    matcher = matcher_for(city_id_of(published[0].document.organisation.path))
    empty = []
    for item in published:
        assert rules.validate(item.rule) == item.rule
        if item.exempt_application:
            assert unverifiable_fields(item.rule) == []
        if matcher.count(item.rule) == 0:
            empty.append(item.title)
    # a few narrow items may match nobody among the demo's 3,000 enterprises, most match some
    assert len(empty) <= len(published) // 5, empty

    again = _run(("policy.documents",))
    assert "policy documents" not in again
    assert PolicyItem.objects.count() == 100
