"""``GET /api/v1/catalog/search``: public, ranked items with code and name; bad queries are 422
problem details with a field error on ``q``; a bounded number of queries per search."""

from __future__ import annotations

import pytest

from yiwang.catalog.data_check import load_demo
from yiwang.catalog.services import catalogue_import

URL = "/api/v1/catalog/search"
PROBLEM = "application/problem+json"


@pytest.fixture
def demo(db):
    catalogue_import(actor=None, data=load_demo())


def test_anonymous_search_returns_ranked_items_with_code_and_name(demo, client):
    response = client.get(URL, {"q": "开饭店要办什么证", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "开饭店要办什么证"
    names = [i["name"] for i in body["items"]]
    assert len(names) == 5 and {"食品经营许可", "企业设立登记"} <= set(names)
    first = body["items"][0]
    assert set(first) >= {"code", "name", "kind", "department", "audience", "score", "matched"}
    assert len(first["code"]) == 12
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("query", ["ETC办理", "app怎么注册公司", "KTV许可证"])
def test_mixed_english_and_chinese_queries_find_items(demo, client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200 and response.json()["items"]


def test_filters_by_audience(demo, client):
    response = client.get(URL, {"q": "补办", "audience": "person", "limit": 50})
    assert response.status_code == 200
    assert all("person" in i["audience"] for i in response.json()["items"])


def test_a_search_costs_three_queries_four_with_the_faq_index(
    demo, client, django_assert_num_queries
):
    # the tokens' document frequencies, the ranked candidates with their fields and counts,
    # then the final hits' FAQ tokens
    with django_assert_num_queries(3):
        assert client.get(URL, {"q": "驾照丢了怎么补"}).status_code == 200
    # names and themes know nothing of it: the FAQ/conditions index is asked as well
    with django_assert_num_queries(4):
        assert client.get(URL, {"q": "法定工作日"}).status_code == 200


@pytest.mark.parametrize(
    "params, code",
    [
        ({}, "missing"),
        ({"q": ""}, "catalog.query_too_short"),
        ({"q": "   "}, "catalog.query_too_short"),
        ({"q": "证"}, "catalog.query_too_short"),
        ({"q": "！！！？？？"}, "catalog.query_too_short"),
        ({"q": "开饭店" * 667}, "catalog.query_too_long"),  # 2,001 characters
        ({"q": "驾照", "limit": 0}, "greater_than_equal"),
        ({"q": "驾照", "limit": 51}, "less_than_equal"),
        ({"q": "驾照", "audience": "alien"}, "literal_error"),
    ],
)
def test_bad_queries_are_422_problems_with_a_field_error(demo, english_client, params, code):
    response = english_client.get(URL, params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["errors"][0]["code"] == code
    field = "limit" if "limit" in params else "audience" if "audience" in params else "q"
    assert body["errors"][0]["field"] == field
    if code.startswith("catalog."):
        assert body["code"] == code and body["detail"]


def test_the_messages_are_translated(demo, client):
    response = client.get(URL, {"q": "证"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    assert response.json()["detail"]
