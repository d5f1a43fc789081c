"""The demo catalogue: the shipped basic items implemented across the demo city, planted
deviations that the consistency report finds, idempotent."""

from __future__ import annotations

from rich.console import Console

from yiwang.catalog.models import BasicItem, ImplementationItem
from yiwang.catalog.selectors import consistency_report
from yiwang.core.seed import run_seed


def test_demo_catalogue_is_implemented_and_its_planted_deviations_found(db, make_staff):
    from yiwang.core.choices import Role
    from yiwang.core.models import Organisation

    counts = run_seed(scale="small", console=Console(quiet=True))
    assert counts["catalogue basic items"] >= 300
    assert BasicItem.objects.count() == counts["catalogue basic items"]
    implemented = ImplementationItem.objects.filter(current__isnull=False)
    assert implemented.count() == counts["catalogue implementation items"] > 600
    # the district bureaus implement the district-level items, the city bodies the others
    food = ImplementationItem.objects.filter(basic__name="食品经营许可")
    assert {i.organisation.name for i in food} >= {"香洲区市场监督管理局", "斗门区市场监督管理局"}
    assert ImplementationItem.objects.filter(organisation__name="国家税务总局珠海市税务局").exists()
    from yiwang.catalog import facade

    bundles = {b.name: b for b in facade.bundle_list()}
    assert len(bundles) == 10 and "开餐饮店一件事" in bundles

    reviewer = make_staff(Organisation.objects.get(code="zh-d000"), Role.SERVICE_REVIEWER)
    rows, by_department, by_district = consistency_report(actor=reviewer)
    flagged = [i for row in rows for i in row.implementations if i.unjustified]
    justified = [i for row in rows for i in row.implementations if i.deviations and i.reason]
    assert flagged and justified
    assert {a for row in rows for a in row.differing} >= {"materials", "limits", "visits"}
    assert any(s.score < 100 for s in by_district) and all(
        0 <= s.score <= 100 for s in by_department
    )

    again = run_seed(scale="small", console=Console(quiet=True))
    assert "catalogue basic items" not in again and "catalogue implementation items" not in again
