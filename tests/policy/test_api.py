"""The policy API (/api/v1/policy): documents and items CRUD for officers, rules/check (count
equal to the ORM's, 422 with line and column), explanations, the calculator, the public items,
and the permission cases (anonymous 401, wrong role 403, other organisation 404, another
enterprise 404)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.policy.conftest import DEMO_USCC, OTHER_USCC
from yiwang.policy import rules
from yiwang.policy.models import PolicyItem
from yiwang.policy.orm import orm_match

pytestmark = pytest.mark.django_db
BASE = "/api/v1/policy"


def _json(client, method: str, url: str, body=None):
    if method in ("get", "delete"):
        return getattr(client, method)(f"{BASE}{url}")
    return getattr(client, method)(
        f"{BASE}{url}", data=json.dumps(body or {}), content_type="application/json"
    )


def _doc_body(pol, serial=3, **overrides):
    issued = pol.today.replace(day=1)
    body = {
        "title": "珠海市专精特新中小企业奖励办法",
        "organisation_id": pol.science.pk,
        "document_number": f"珠科创〔{issued.year}〕{serial}号",
        "issue_date": issued.isoformat(),
        "effective_from": issued.isoformat(),
        "effective_to": issued.replace(year=issued.year + 3).isoformat(),
        "interpretation": "解读",
    }
    body.update(overrides)
    return body


@pytest.fixture
def officer(client, pol):
    client.force_login(pol.officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/documents"), ("post", "/documents"), ("get", "/items"), ("post", "/rules/check"),
     ("get", "/calculator"), ("get", "/items/1/explain?uscc=" + DEMO_USCC)],
)  # fmt: skip
def test_anonymous_gets_401(client, method, url):
    response = _json(client, method, url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_roles_get_403(client, pol):
    client.force_login(pol.handler)
    assert _json(client, "get", "/documents").status_code == 403
    assert _json(client, "post", "/documents", _doc_body(pol)).status_code == 403
    client.force_login(pol.leader)
    assert _json(client, "get", "/documents").status_code == 200
    assert _json(client, "post", "/documents", _doc_body(pol)).status_code == 403
    client.force_login(pol.ent_user)
    assert _json(client, "get", "/items").status_code == 403
    assert _json(client, "post", "/rules/check", {"text": "employees > 1"}).status_code == 403
    client.force_login(pol.officer)
    assert _json(client, "get", "/calculator").status_code == 403


def test_another_departments_records_are_404(client, pol, published_doc, make_item):
    item = make_item("employees > 1")
    client.force_login(pol.other_officer)
    assert _json(client, "get", f"/documents/{published_doc.pk}").status_code == 404
    assert _json(client, "get", f"/items/{item.pk}").status_code == 404
    response = _json(client, "post", f"/items/{item.pk}/withdraw", {"reason": "x"})
    assert response.status_code == 404
    assert _json(client, "get", "/documents").json()["items"] == []


# --- CRUD -----------------------------------------------------------------------------------------


def test_documents_and_items_crud(officer, pol):
    response = _json(officer, "post", "/documents", _doc_body(pol))
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["status"] == "draft" and doc["listed_at"] is None
    assert _json(officer, "post", "/documents", _doc_body(pol)).status_code == 422  # same 文号
    response = _json(
        officer,
        "patch",
        f"/documents/{doc['id']}",
        {"title": "珠海市专精特新奖励办法", "revision": 1},
    )
    assert response.status_code == 200 and response.json()["revision"] == 2
    stale = _json(
        officer, "patch", f"/documents/{doc['id']}", {"title": "过期的修改", "revision": 1}
    )
    assert stale.status_code == 409
    response = _json(officer, "post", f"/documents/{doc['id']}/publish")
    # issued on the 1st of the month and listed today: on time only early in the month
    assert response.json()["status"] == "published" and response.json()["listed_at"]
    assert response.json()["listed_on_time"] is (
        timezone.now() <= dt.datetime.fromisoformat(response.json()["listing_deadline"])
    )

    body = {
        "document_id": doc["id"],
        "title": "专精特新中小企业认定奖励",
        "kind": "subsidy",
        "benefit": "一次性奖励20万元。",
        "amount_cap": "20",
        "rule_text": 'holds "specialised_sme" and scale in ("small","micro")',
        "exempt_application": True,
    }
    response = _json(officer, "post", "/items", body)
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["rule_text"] == 'holds "specialised_sme" and scale in ("small", "micro")'
    assert item["rule"]["op"] == "and" and item["public_url"] is None
    ast = {"op": "cmp", "field": "employees", "cmp": "<=", "value": 300}
    response = _json(officer, "patch", f"/items/{item['id']}", {"rule": ast})
    assert response.json()["rule_text"] == "employees <= 300"
    response = _json(officer, "post", f"/items/{item['id']}/publish")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert response.json()["public_url"] == f"/policy/items/{item['id']}/"
    listed = _json(officer, "get", f"/items?document_id={doc['id']}&status=published").json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]

    faq = _json(
        officer,
        "post",
        f"/items/{item['id']}/faqs",
        {"question": "需要申请吗？", "answer": "不需要。"},
    )
    assert faq.status_code == 201
    faq_id = faq.json()["id"]
    assert _json(officer, "patch", f"/faqs/{faq_id}", {"public": False}).json()["public"] is False
    assert len(_json(officer, "get", f"/items/{item['id']}/faqs").json()) == 1
    assert _json(officer, "delete", f"/faqs/{faq_id}").status_code == 204

    response = _json(officer, "post", f"/items/{item['id']}/withdraw", {"reason": "政策调整"})
    assert response.json()["status"] == "withdrawn"
    assert _json(officer, "post", f"/items/{item['id']}/revise").json()["status"] == "draft"
    assert _json(officer, "delete", f"/items/{item['id']}").status_code == 409  # was published
    draft = _json(
        officer, "post", "/items", {**body, "title": "另一个事项草稿", "rule_text": None}
    ).json()
    assert _json(officer, "delete", f"/items/{draft['id']}").status_code == 204


def test_invalid_rules_are_422_with_line_and_column(officer, published_doc):
    body = {
        "document_id": published_doc.pk,
        "title": "测试事项",
        "kind": "relief",
        "benefit": "减免。",
        "rule_text": "employees > 5 and\n   (revenue >",
    }
    response = _json(officer, "post", "/items", body)
    assert response.status_code == 422
    problem = response.json()
    error = problem["errors"][0]
    assert problem["code"] == "policy.invalid_rule"
    assert (error["line"], error["column"]) == (2, 14) and error["field"] == "rule"
    response = _json(
        officer,
        "post",
        "/items",
        {
            **body,
            "rule_text": None,
            "rule": {"op": "cmp", "field": "employees", "cmp": "<", "value": "many"},
        },
    )
    assert response.status_code == 422 and "employees is int" in response.json()["detail"]


def test_publishing_an_invalid_rule_is_422(officer, make_item):
    item = make_item("employees >= 10", publish=False)
    PolicyItem.objects.filter(pk=item.pk).update(
        rule={"op": "holds", "kind": "no_such", "on": None}
    )
    response = _json(officer, "post", f"/items/{item.pk}/publish")
    assert response.status_code == 422
    assert "Unknown qualification 'no_such'" in response.json()["detail"]


def test_publishing_an_exempt_item_over_tags_is_422(officer, make_item):
    item = make_item('tags has "外贸" and revenue > 100', publish=False, exempt_application=True)
    response = _json(officer, "post", f"/items/{item.pk}/publish")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "exempt_application",
        "code": "policy.not_verifiable",
        "message": response.json()["errors"][0]["message"],
    }
    assert "tags" in response.json()["errors"][0]["message"]


# --- rules/check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "employees >= 100",
        'industry ^= "C" and scale in ("small", "micro")',
        'holds "high_tech" or ratio(rd_spend, revenue) >= 0.05',
        'founded_on within 5 years and not status in ("revoked", "cancelled")',
    ],
)
def test_rule_check_counts_like_the_orm(officer, pol, published_doc, text):
    response = _json(
        officer, "post", "/rules/check", {"text": text, "document_id": published_doc.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    tree = rules.parse(text)
    assert body["rule"] == tree and body["text"] == rules.to_text(tree)
    assert body["count"] == len(orm_match(tree, city_id=pol.city.pk, today=timezone.localdate()))


def test_rule_check_takes_an_ast_and_warns(officer):
    ast = {"op": "and", "args": [
        {"op": "cmp", "field": "employees", "cmp": "<", "value": 10},
        {"op": "cmp", "field": "employees", "cmp": ">", "value": 20},
    ]}  # fmt: skip
    body = _json(officer, "post", "/rules/check", {"rule": ast}).json()
    assert body["count"] == 0 and body["text"] == "employees < 10 and employees > 20"
    assert any("employees" in w for w in body["warnings"]) and body["fields"] == ["employees"]
    body = _json(
        officer, "post", "/rules/check", {"text": 'tags has "外贸"', "exempt_application": True}
    ).json()
    assert any("免申即享" in w for w in body["warnings"])


@pytest.mark.parametrize(
    ("payload", "line", "column"),
    [({"text": "employees >"}, 1, 12), ({"text": "employees > 1 an revenue > 2"}, 1, 15),
     ({"text": "employees > 1\nand ratio(rd_spend revenue) > 1"}, 2, 20)],
)  # fmt: skip
def test_rule_check_errors_carry_line_and_column(officer, payload, line, column):
    response = _json(officer, "post", "/rules/check", payload)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["line"], error["column"]) == (line, column)


def test_rule_check_needs_a_rule(officer):
    response = _json(officer, "post", "/rules/check", {})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "text"


# --- explanation and calculator -------------------------------------------------------------------


def test_explain_for_an_officer(officer, pol, make_item):
    item = make_item('holds "high_tech" and employees <= 50 and ratio(rd_spend, revenue) >= 0.05')
    body = _json(officer, "get", f"/items/{item.pk}/explain?uscc={DEMO_USCC}").json()
    assert body["eligible"] is False and body["enterprise_name"] == "珠海格物智能科技有限公司"
    top = body["conditions"]
    assert top["kind"] == "all" and top["passed"] is False
    by_rule = {c["rule"]: c for c in top["children"]}
    assert by_rule['holds "high_tech"']["passed"] is True
    assert by_rule["employees <= 50"] == {
        "text": "employees is at most 50 persons",
        "rule": "employees <= 50",
        "passed": False,
        "kind": "condition",
        "actual": "80 persons",
        "children": [],
    }
    ratio = by_rule["ratio(rd_spend, revenue) >= 0.05"]
    assert ratio["passed"] is True and ratio["actual"] == "6.67%"
    assert _json(officer, "get", f"/items/{item.pk}/explain?uscc=123").status_code == 422
    unknown = "91440400MA00099995"
    from yiwang.core.validators import uscc_check_char

    unknown = unknown[:17] + uscc_check_char(unknown[:17])
    assert _json(officer, "get", f"/items/{item.pk}/explain?uscc={unknown}").status_code == 404


def test_explain_and_calculator_for_enterprise_users(client, pol, make_item):
    yes = make_item('holds "high_tech" and district = "香洲区"', title="高新奖励")
    no = make_item('scale = "large" or employees >= 1000', title="大企业奖励")
    client.force_login(pol.ent_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = _json(client, "get", "/calculator").json()
    assert body["uscc"] == DEMO_USCC and body["has_file"] is True
    assert [i["id"] for i in body["qualifying"]] == [yes.pk]
    (missed,) = body["others"]
    assert missed["item"]["id"] == no.pk
    (row,) = missed["missing"]  # an "or" that failed: one row with its alternatives
    assert row["kind"] == "any" and [c["passed"] for c in row["children"]] == [False, False]
    assert (
        _json(client, "get", f"/items/{yes.pk}/explain?uscc={DEMO_USCC}").json()["eligible"] is True
    )
    # another enterprise's calculator and explanations are 404
    assert _json(client, "get", f"/calculator?uscc={OTHER_USCC}").status_code == 404
    assert _json(client, "get", f"/items/{yes.pk}/explain?uscc={OTHER_USCC}").status_code == 404
    # drafts are not explained to enterprises
    draft = make_item("employees > 1", publish=False)
    assert _json(client, "get", f"/items/{draft.pk}/explain?uscc={DEMO_USCC}").status_code == 404
    client.force_login(pol.other_user)
    other = _json(client, "get", "/calculator").json()
    assert other["uscc"] == OTHER_USCC and other["qualifying"] == []


def test_public_items(client, make_item):
    item = make_item("employees > 1")
    make_item("employees > 2", publish=False)
    body = client.get(f"{BASE}/public/items").json()
    assert [i["id"] for i in body["items"]] == [item.pk]
    assert client.get(f"{BASE}/public/items/{item.pk}").json()["title"] == item.title


# --- query counts of the lists (no N+1) ----------------------------------------------------------


def test_list_query_counts_do_not_grow_with_rows(
    officer, pol, make_item, django_assert_max_num_queries
):
    from tests.policy.conftest import document_data
    from yiwang.policy import services

    for serial in range(10, 16):
        doc = services.document_create(actor=pol.officer, data=document_data(pol, serial=serial))
        services.document_publish(actor=pol.officer, document_id=doc.pk)
    for n in range(6):
        make_item(f"employees > {n}", title=f"事项{n}")
    # session, user, roles; the page; prefetches of items and attachments
    with django_assert_max_num_queries(8):
        assert len(_json(officer, "get", "/documents").json()["items"]) == 7
    with django_assert_max_num_queries(6):
        assert len(_json(officer, "get", "/items").json()["items"]) == 6
    officer.logout()
    with django_assert_max_num_queries(3):
        assert len(officer.get(f"{BASE}/public/items").json()["items"]) == 6
