"""Catalogue statistics (``yiwang.catalog.stats``, ``GET /api/v1/catalog/stats``, the
``/catalog/stats/`` page) against values computed by hand on a small catalogue.

The fixture publishes five implementations (plus a draft and a withdrawn one that must not
count):

| # | basic item | implementing body (district) | legal → promised | online/depth/visits |
|---|---|---|---|---|
| 1 | A xk 市场监督管理局 | 香洲区市场监督管理局 (香洲区) | 20 wd → 10 wd | yes/3/1 |
| 2 | A | 斗门区市场监督管理局 (斗门区) | 20 wd → 5 wd | yes/4/0 |
| 3 | B qr 市场监督管理局 | 市政务服务数据管理局 (city level) | 30 nd → 10 wd | no/1/2 |
| 4 | C gg 公安局 | 拱北街道 (香洲区) | 0 → 0, 即办件 | yes/4/0 |
| 5 | C | 斗门区市场监督管理局 (斗门区) | 3 wd → 0, 即办件 | yes/2/1 |

In natural days (working days × 7 / 5, rounded up): 1 is 28 → 14 (compression 0.5), 2 is
28 → 7 (0.75), 3 is 30 → 14 (16/30), 5 is 5 → 0 (1.0); 4 has no legal limit and is left out.
"""

from __future__ import annotations

import pytest

from yiwang.catalog import elements as el
from yiwang.catalog import stats
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.core.choices import Role
from yiwang.core.errors import Forbidden

from .conftest import STANDARD


def _basic(code: str, name: str, kind: str, department: str) -> BasicItem:
    return BasicItem.objects.create(
        code=code,
        name=name,
        kind=kind,
        department=department,
        implementing_levels=["city", "district"],
        basis=["《中华人民共和国行政许可法》"],
        audience=["person"],
        standard=dict(STANDARD),
    )


def _implement(basic, org, n: int, status: str = "published", **elements) -> ImplementationItem:
    item = ImplementationItem.objects.create(basic=basic, organisation=org, code=f"IMPL{n:04d}")
    data = {**STANDARD, **elements}
    if data["handling_type"] == "immediate":
        data["steps"] = [{"name": "受理", "role": "窗口", "days": 0}]
    version = ImplementationVersion.objects.create(
        item=item, number=1, status=status, **el.clean_elements(data)
    )
    item.current = version
    item.save(update_fields=["current"])
    return item


def _limits(legal, legal_unit, promised, promised_unit="working_day"):
    return {
        "legal_limit": legal,
        "legal_limit_unit": legal_unit,
        "promised_limit": promised,
        "promised_limit_unit": promised_unit,
    }


def build_catalogue(cat):
    """The five published implementations of the table above (and two that do not count)."""
    a = _basic("010010001000", "食品经营许可", "xk", "市场监督管理局")
    b = _basic("070010002000", "质量信得过班组认定", "qr", "市场监督管理局")
    c = _basic("200020001000", "户籍证明办理", "gg", "公安局")
    online = {"online": True}
    _implement(a, cat.xz_dept, 1, **_limits(20, "working_day", 10), online_depth=3, visits=1)
    _implement(a, cat.dm_dept, 2, **_limits(20, "working_day", 5), online_depth=4, visits=0)
    _implement(
        b,
        cat.city_dept,
        3,
        **_limits(30, "natural_day", 10),
        online=False,
        online_depth=1,
        visits=2,
    )
    immediate = {"handling_type": "immediate", **online}
    _implement(
        c, cat.street, 4, **_limits(0, "working_day", 0), **immediate, online_depth=4, visits=0
    )
    _implement(
        c, cat.dm_dept, 5, **_limits(3, "working_day", 0), **immediate, online_depth=2, visits=1
    )
    _implement(c, cat.city_dept, 6, status="draft")  # not published: not counted
    _implement(b, cat.xz_dept, 7, status="withdrawn")  # withdrawn: not counted
    return cat


@pytest.fixture
def fixture_catalogue(cat):
    return build_catalogue(cat)


def _by_key(rows):
    return {r["label"]: r for r in rows}


def test_city_figures_match_the_hand_computed_values(fixture_catalogue, django_assert_num_queries):
    stats.catalogue_stats(actor=fixture_catalogue.reviewer)  # the actor's roles are cached
    with django_assert_num_queries(3):  # the grouped counts, the bodies' paths, the districts
        figures = stats.catalogue_stats(actor=fixture_catalogue.reviewer)
    total = figures["total"]
    assert total["items"] == 5
    assert total["kinds"] == {"xk": 2, "qr": 1, "cj": 0, "gf": 0, "jl": 0, "qt": 0, "gg": 2}
    assert (total["application_items"], total["public_service_items"]) == (3, 2)
    assert (total["online"], total["online_rate"]) == (4, 0.8)
    assert total["depths"] == {"1": 1, "2": 1, "3": 1, "4": 2}
    assert total["depth_rates"]["4"] == total["full_online_rate"] == 0.4
    assert (total["zero_visit"], total["zero_visit_rate"]) == (2, 0.4)
    assert (total["immediate"], total["immediate_rate"]) == (2, 0.4)
    assert total["with_legal_limit"] == 4
    assert total["limit_compression"] == round((0.5 + 0.75 + 16 / 30 + 1.0) / 4, 4) == 0.6958
    assert total["avg_legal_days"] == (28 + 28 + 30 + 5) / 4 == 22.75
    assert total["avg_promised_days"] == (14 + 7 + 14 + 0) / 4 == 8.75


def test_district_and_department_breakdowns(fixture_catalogue):
    figures = stats.catalogue_stats(actor=fixture_catalogue.reviewer)
    xz_pk, dm_pk = str(fixture_catalogue.xz.pk), str(fixture_catalogue.dm.pk)
    assert [r["key"] for r in figures["by_district"]] == ["city", xz_pk, dm_pk]
    districts = _by_key(figures["by_district"])
    city = figures["by_district"][0]
    assert (city["items"], city["online_rate"], city["zero_visit_rate"]) == (1, 0.0, 0.0)
    assert city["limit_compression"] == round(16 / 30, 4) and city["immediate_rate"] == 0.0
    xz = districts["香洲区"]  # the bureau's item 1 and the street's item 4
    assert xz["items"] == 2 and xz["key"] == str(fixture_catalogue.xz.pk)
    assert (xz["online_rate"], xz["zero_visit_rate"], xz["immediate_rate"]) == (1.0, 0.5, 0.5)
    assert xz["limit_compression"] == 0.5 and xz["with_legal_limit"] == 1
    dm = districts["斗门区"]
    assert (dm["items"], dm["zero_visit_rate"], dm["immediate_rate"]) == (2, 0.5, 0.5)
    assert dm["limit_compression"] == 0.875
    assert dm["depths"] == {"1": 0, "2": 1, "3": 0, "4": 1}

    departments = figures["by_department"]
    assert [d["key"] for d in departments] == ["市场监督管理局", "公安局"]  # by items
    market, police = departments
    assert (market["items"], market["online_rate"], market["zero_visit_rate"]) == (
        3,
        0.6667,
        0.3333,
    )
    assert market["limit_compression"] == round((0.5 + 0.75 + 16 / 30) / 3, 4) == 0.5944
    assert market["immediate_rate"] == 0.0 and market["kinds"]["qr"] == 1
    assert (police["items"], police["immediate_rate"], police["limit_compression"]) == (
        2,
        1.0,
        1.0,
    )
    assert police["public_service_items"] == 2 and police["application_items"] == 0


def test_an_editor_counts_only_the_own_subtree(fixture_catalogue):
    figures = stats.catalogue_stats(actor=fixture_catalogue.xz_editor)
    assert figures["total"]["items"] == 1  # item 1; the street is not under the bureau
    assert [r["label"] for r in figures["by_district"]] == ["香洲区"]


def test_without_published_items_rates_are_null_not_zero(cat):
    figures = stats.catalogue_stats(actor=cat.reviewer)
    total = figures["total"]
    assert total["items"] == 0 and figures["by_department"] == [] and figures["by_district"] == []
    for name in ("online_rate", "zero_visit_rate", "immediate_rate", "limit_compression"):
        assert total[name] is None
    assert total["avg_legal_days"] is None


def test_staff_without_the_catalogue_permission_are_refused(cat, make_staff):
    handler = make_staff(cat.xz_dept, Role.CASE_HANDLER)
    with pytest.raises(Forbidden):
        stats.catalogue_stats(actor=handler)


URL = "/api/v1/catalog/stats"


def test_api_returns_the_figures_with_permission_cases(fixture_catalogue, client, make_staff):
    assert client.get(URL).status_code == 401
    handler = make_staff(fixture_catalogue.xz_dept, Role.CASE_HANDLER)
    client.force_login(handler)
    response = client.get(URL)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    leader = make_staff(fixture_catalogue.city, Role.LEADER)
    client.force_login(leader)
    body = client.get(URL).json()
    assert body["total"]["items"] == 5 and body["total"]["limit_compression"] == 0.6958
    assert body["kind_labels"]["xk"] and len(body["by_department"]) == 2
    assert [d["items"] for d in body["by_district"]] == [1, 2, 2]
    client.force_login(fixture_catalogue.xz_editor)  # own organisation: its subtree only
    assert client.get(URL).json()["total"]["items"] == 1
    other = make_staff(fixture_catalogue.dm_dept, Role.SERVICE_EDITOR)  # other organisation
    client.force_login(other)
    assert client.get(URL).json()["total"]["items"] == 2


def test_the_page_shows_the_figures(fixture_catalogue, client, make_staff):
    url = "/catalog/stats/"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_staff(fixture_catalogue.xz_dept, Role.CASE_HANDLER))
    assert client.get(url).status_code == 403
    client.force_login(fixture_catalogue.reviewer)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="kpi-online_rate"' in html and "80.0%" in html
    assert "69.6%" in html  # limit compression
    assert 'id="catalog-stats-data"' in html and "catalog/stats.js" in html
    assert 'data-testid="stats-districts"' in html and "斗门区" in html
    assert 'data-testid="stats-departments"' in html and "公安局" in html
    assert client.post(url).status_code == 405
