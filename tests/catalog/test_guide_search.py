"""The guide's search results page (/services/search/?q=) over the catalogue's Chinese search
(``yiwang.catalog.search``): colloquial queries find the item and link its guide; items without
a published body are left out; mixed, long and odd queries answer a page, never an error."""

from __future__ import annotations

import pytest

from tests.catalog.test_guide import FOOD, HYGIENE, MARRIAGE, build_guide_city

pytest.importorskip("yiwang.catalog.search")

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide_city(cat):
    return build_guide_city(cat)


def _search(client, q: str, **params) -> str:
    response = client.get("/services/search/", {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_a_colloquial_query_finds_the_item_and_links_its_guide(client, guide_city):
    html = _search(client, "开饭店要办什么证")
    assert f'data-code="{FOOD}"' in html and f'href="/services/items/{FOOD}/"' in html
    assert 'data-testid="search-hint"' not in html


def test_items_without_a_published_body_are_left_out(client, guide_city):
    html = _search(client, "公共场所卫生许可")  # withdrawn: its guide would be 404
    assert f'data-code="{HYGIENE}"' not in html


def test_the_audience_narrows_and_an_odd_audience_is_ignored(client, guide_city):
    assert f'data-code="{MARRIAGE}"' in _search(client, "结婚登记", audience="person")
    assert f'data-code="{MARRIAGE}"' not in _search(client, "结婚登记", audience="legal_person")
    assert f'data-code="{MARRIAGE}"' in _search(client, "结婚登记", audience="alien")


@pytest.mark.parametrize(
    "q",
    [
        "ETC办理 food licence 食品",  # mixed English and Chinese
        "食品" * 1000,  # 2,000 characters
        'name:"x" OR 1=1; --',  # query syntax and SQL
        "开饭店\x00要办",  # a NUL byte
        "😀😀 结婚",
    ],
)
def test_odd_queries_answer_a_page(client, guide_city, q):
    html = _search(client, q)
    assert 'data-testid="hit-count"' in html or 'data-testid="search-hint"' in html


def test_a_long_query_says_only_its_beginning_was_searched(client, guide_city):
    html = _search(client, "食品经营许可" * 300)
    assert 'data-testid="search-truncated"' in html
