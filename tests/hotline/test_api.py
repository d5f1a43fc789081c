"""The hotline API: the whole loop, problem details, scoping, masking, public tracking."""

from __future__ import annotations

import pytest

from tests.hotline.conftest import HTML
from yiwang.notify import facade as notify

BASE = "/api/v1/hotline"

NEW = {
    "channel": "phone",
    "category": "complaint",
    "requester_name": "李四",
    "contact_phone": "13712345678",
    "content": "香洲区某超市销售过期食品。",
    "address": "珠海市香洲区凤凰北路8号",
}


def _post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def _act(client, order, action, **fields):
    response = _post(
        client,
        f"{BASE}/orders/{order['id']}/transitions",
        {"action": action, "version": order["version"], **fields},
    )
    return response


def test_the_whole_loop_through_the_api(client, hl, run_tasks):
    client.force_login(hl.operator)
    with run_tasks():
        response = _post(client, f"{BASE}/orders", NEW, HTTP_IDEMPOTENCY_KEY="loop-1")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "dispatched" and order["lead_unit"]["id"] == hl.xz_dept.pk
    assert len(notify.inbox_recent(hl.handler)) == 1

    client.force_login(hl.handler)
    for action, fields in [("sign", {}), ("start", {}), ("reply", {"result": "已立案查处"})]:
        response = _act(client, order, action, **fields)
        assert response.status_code == 200, response.content
        order = response.json()
    assert order["status"] == "replied"

    client.force_login(hl.operator)
    order = _act(client, order, "review", approve=True).json()
    assert order["status"] == "closed" and order["callback_deadline"]
    response = _act(client, order, "callback", rating="very_satisfied", solved=True)
    assert response.status_code == 200, response.content
    order = response.json()
    assert order["status"] == "called_back" and order["rating"] == "very_satisfied"
    assert [e["action"] for e in order["events"]] == [
        "create",
        "dispatch",
        "sign",
        "start",
        "reply",
        "approve",
        "callback",
    ]


def test_replayed_idempotency_key_returns_the_same_order(client, hl):
    client.force_login(hl.operator)
    first = _post(client, f"{BASE}/orders", NEW, HTTP_IDEMPOTENCY_KEY="same")
    second = _post(client, f"{BASE}/orders", NEW, HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contact_phone": "110"}, "contact_phone"),
        ({"content": "x" * 100_000}, "content"),
        ({"content": ""}, "content"),
        ({"category": "nonsense"}, "category"),
        (
            {"requester_kind": "enterprise", "enterprise_name": "某公司", "enterprise_uscc": "123"},
            "enterprise_uscc",
        ),
    ],
)
def test_bad_input_is_problem_details_422(client, hl, changes, field):
    client.force_login(hl.operator)
    response = _post(client, f"{BASE}/orders", {**NEW, **changes})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


def test_html_is_returned_as_a_plain_string(client, hl):
    client.force_login(hl.operator)
    response = _post(client, f"{BASE}/orders", {**NEW, "content": HTML})
    assert response.json()["content"] == HTML
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_illegal_transition_and_stale_version_are_409(client, hl):
    client.force_login(hl.operator)
    order = _post(client, f"{BASE}/orders", NEW).json()
    client.force_login(hl.handler)
    response = _act(client, order, "reply", result="x")
    assert response.status_code == 409
    assert response.json()["code"] == "hotline.illegal_transition"
    assert _act(client, order, "sign").status_code == 200
    stale = _act(client, order, "sign")  # same version again
    assert stale.status_code == 409
    assert stale.json()["code"] == "hotline.concurrent_change"


def test_permission_cases(client, hl):
    client.force_login(hl.operator)
    order = _post(client, f"{BASE}/orders", NEW).json()
    client.logout()
    assert client.get(f"{BASE}/orders").status_code == 401  # anonymous
    assert client.get(f"{BASE}/orders/{order['id']}").status_code == 401
    client.force_login(hl.dm_handler)  # other organisation
    assert client.get(f"{BASE}/orders/{order['id']}").status_code == 404
    assert _act(client, order, "sign").status_code == 404
    assert client.get(f"{BASE}/orders").json()["items"] == []
    client.force_login(hl.handler)  # own organisation
    assert client.get(f"{BASE}/orders/{order['id']}").status_code == 200
    assert [o["id"] for o in client.get(f"{BASE}/orders").json()["items"]] == [order["id"]]
    client.force_login(hl.leader)  # wrong role: reads, cannot act
    assert client.get(f"{BASE}/orders/{order['id']}").status_code == 200
    response = _act(client, order, "sign")
    assert response.status_code == 403
    client.force_login(hl.handler)
    assert _post(client, f"{BASE}/orders", NEW).status_code == 403  # handlers do not intake


def test_operator_sees_the_whole_city_including_undispatched(client, hl):
    client.force_login(hl.operator)
    _post(client, f"{BASE}/orders", NEW)
    _post(client, f"{BASE}/orders", {**NEW, "content": "路灯坏了", "address": ""})
    items = client.get(f"{BASE}/orders").json()["items"]
    assert {o["status"] for o in items} == {"dispatched", "received"}
    assert client.get(f"{BASE}/orders?status=received").json()["items"][0]["lead_unit"] is None


def test_list_masks_phones_and_pages_with_a_cursor(client, hl, django_assert_max_num_queries):
    client.force_login(hl.operator)
    for _ in range(3):
        _post(client, f"{BASE}/orders", NEW)
    with django_assert_max_num_queries(8):
        page = client.get(f"{BASE}/orders?limit=2").json()
    assert page["items"][0]["contact_phone"] == "137****5678"
    assert page["next_cursor"]
    rest = client.get(f"{BASE}/orders?limit=2&cursor={page['next_cursor']}").json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_confidential_requester_is_hidden_from_the_unit(client, hl):
    client.force_login(hl.operator)
    order = _post(client, f"{BASE}/orders", {**NEW, "confidential": True}).json()
    assert order["requester_name"] == "李四"  # the centre sees the identity
    client.force_login(hl.handler)
    seen = client.get(f"{BASE}/orders/{order['id']}").json()
    assert seen["requester_name"] == "***" and seen["contact_phone"] == "***"
    listed = client.get(f"{BASE}/orders").json()["items"][0]
    assert listed["requester_name"] == "***" and listed["contact_phone"] == "***"


def test_public_tracking_by_number_and_phone(client, hl):
    client.force_login(hl.operator)
    order = _post(client, f"{BASE}/orders", NEW).json()
    client.logout()
    response = client.get(
        f"{BASE}/orders/track", {"number": order["number"], "phone": "13712345678"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "dispatched"
    text = response.content.decode()
    assert "李四" not in text and "13712345678" not in text and "超市" not in text
    assert [e["action"] for e in body["timeline"]] == ["create", "dispatch"]
    wrong = client.get(f"{BASE}/orders/track", {"number": order["number"], "phone": "13700000000"})
    assert wrong.status_code == 404
    missing = client.get(f"{BASE}/orders/track", {"number": "NOPE", "phone": "13712345678"})
    assert missing.status_code == 404


def test_citizen_sees_only_own_orders(client, hl):
    from yiwang.core.choices import AccountKind
    from yiwang.core.models import User

    mine = User.objects.create(username="c1", kind=AccountKind.CITIZEN, display_name="甲")
    other = User.objects.create(username="c2", kind=AccountKind.CITIZEN, display_name="乙")
    client.force_login(mine)
    created = _post(client, f"{BASE}/orders", {**NEW, "channel": "web"})
    assert created.status_code == 201
    assert len(client.get(f"{BASE}/orders").json()["items"]) == 1
    client.force_login(other)
    assert client.get(f"{BASE}/orders").json()["items"] == []
    assert client.get(f"{BASE}/orders/{created.json()['id']}").status_code == 404


def test_manual_dispatch_and_missing_field_via_api(client, hl):
    client.force_login(hl.operator)
    order = _post(client, f"{BASE}/orders", {**NEW, "content": "井盖丢失", "address": ""}).json()
    missing = _act(client, order, "dispatch")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "lead_unit_id"
    done = _act(client, order, "dispatch", lead_unit_id=hl.dm_dept.pk)
    assert done.status_code == 200 and done.json()["lead_unit"]["id"] == hl.dm_dept.pk
