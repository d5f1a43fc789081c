"""The demo registry: realistic files with valid codes, sources and history through the
service, the enterprise accounts' files (the demo enterprise's with its later changes), the
bulk path of ``--scale city``, and a second run that adds nothing.

The counts are made small here (800 through the service, 1,200 more — 200 of them through the
service, the first chunk being the small demo's — in bulk); the real
figures (3,000 and 438,000) only change how many chunks run."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from faker import Faker
from rich.console import Console
from rich.progress import Progress

from yiwang.core.seed import SCALES, SeedContext, make_uscc
from yiwang.core.validators import validate_uscc
from yiwang.registry import seed
from yiwang.registry.models import Enterprise, EnterpriseTag, ProfileChange, Qualification
from yiwang.registry.scale import scale_derive

pytestmark = pytest.mark.django_db


PARAMS = {**SCALES["small"], "enterprises": 20, "citizens": 0, "staff_per_dept": 0}


def _run(scale: str) -> dict:
    from yiwang.core import seed as core_seed

    counts: dict = {}
    with Progress(console=Console(quiet=True)) as progress:
        for step in (core_seed.seed_organisations, core_seed.seed_accounts,
                     core_seed.seed_public_accounts, seed.seed_enterprises):  # fmt: skip
            ctx = SeedContext(
                scale=scale,
                rng=random.Random(f"1:{step.__name__}"),
                faker=Faker("zh_CN"),
                progress=progress,
                params=PARAMS,
            )
            step(ctx)
            for key, value in ctx.counts.items():
                counts[key] = counts.get(key, 0) + value
    return counts


@pytest.fixture
def small_counts(monkeypatch):
    monkeypatch.setitem(seed.COUNTS, "small", 800)
    monkeypatch.setitem(seed.COUNTS, "city", 2000)


def test_the_small_demo_registry_and_a_second_run_that_adds_nothing(small_counts):
    counts = _run("small")
    assert counts["enterprise files"] == 800 + 21  # and the 21 enterprise accounts' files
    files = list(Enterprise.objects.select_related("district"))
    assert len({e.uscc for e in files}) == len(files) == 821
    for e in files:
        assert validate_uscc(e.uscc) == e.uscc
        assert e.scale == scale_derive(
            industry=e.industry, employees=e.employees, revenue=e.revenue, assets=e.total_assets
        )
    scales = Counter(e.scale for e in files)
    assert scales["micro"] > scales["small"] > scales["medium"] > scales["large"] > 0
    sections = Counter(e.industry[0] for e in files)
    assert sections.most_common(1)[0][0] == "F" and sections["C"] > 40 and sections["I"] > 20
    assert Counter(e.district.name for e in files).most_common(1)[0][0] == "香洲区"
    high_tech = Qualification.objects.filter(kind="high_tech").count()
    assert 0.04 * len(files) < high_tech < 0.13 * len(files)
    assert EnterpriseTag.objects.exists()
    # every value has its department as source, and a history row
    sample = files[5]
    assert sample.field_sources["name"] == "market"
    assert sample.field_sources.get("revenue") in ("statistics", None)
    assert sample.field_sources.get("tax_paid") in ("tax", None)
    assert set(Qualification.objects.values_list("source", flat=True)) == {"science"}
    fields = set(ProfileChange.objects.filter(enterprise=sample).values_list("field", flat=True))
    assert {"name", "industry", "address"} <= fields
    # the demo enterprise user's file, with later changes from the tax and statistics bureaus
    demo = Enterprise.objects.get(name=seed.DEMO_NAME)
    assert demo.uscc == make_uscc(random.Random(7))  # the demo account's code (core.seed)
    assert (demo.credit_rating, demo.employees, demo.industry) == ("A", 112, "I6513")
    assert demo.qualifications.filter(kind="high_tech").exists()
    changes = ProfileChange.objects.filter(enterprise=demo)
    credit = changes.filter(field="credit_rating").order_by("pk")
    assert [(c.old, c.new, c.source) for c in credit] == [("", "B", "tax"), ("B", "A", "tax")]
    assert changes.filter(field="employees", old=86, new=112, source="statistics").exists()
    before = ProfileChange.objects.count()
    assert "enterprise files" not in _run("small")
    assert ProfileChange.objects.count() == before


def test_the_city_scale_adds_the_rest_in_bulk(small_counts):
    _run("small")
    counts = _run("city")
    assert counts["enterprise files"] == 1200
    assert Enterprise.objects.count() == 2021
    bulk = Enterprise.objects.order_by("-pk").first()
    assert bulk.field_sources["revenue"] == "statistics" and bulk.version == 1
    assert bulk.scale == scale_derive(
        industry=bulk.industry, employees=bulk.employees, revenue=bulk.revenue,
        assets=bulk.total_assets,
    )  # fmt: skip
    assert validate_uscc(bulk.uscc) == bulk.uscc
    # one summary change per bulk file: the matching engine's change feed sees them
    summary = ProfileChange.objects.filter(field="created")
    assert summary.count() == 1000 and summary.filter(enterprise=bulk, new=bulk.name).exists()
    assert set(Qualification.objects.values_list("source", flat=True)) == {"science"}
    assert Qualification.objects.filter(enterprise__in=summary.values("enterprise")).exists()
    assert "enterprise files" not in _run("city")
    assert Enterprise.objects.count() == 2021
