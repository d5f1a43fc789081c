"""协办: staff of a co-unit see and read the orders they assist on, but do not act as the lead."""

from __future__ import annotations

import pytest

BASE = "/api/v1/hotline"
HOUSING = "小区物业公司不修漏水的房屋，请处理。"  # rule 物业: lead 住建局, co-unit 香洲区市场监管局


def _act(client, order_id, action, version, **fields):
    return client.post(
        f"{BASE}/orders/{order_id}/transitions",
        {"action": action, "version": version, **fields},
        content_type="application/json",
    )


@pytest.fixture
def assisted(hl, make_order):
    order = make_order(content=HOUSING, address="", confidential=True)
    assert order.lead_unit_id == hl.housing.pk
    assert list(order.co_units.values_list("pk", flat=True)) == [hl.xz_dept.pk]
    return order


def test_co_unit_handler_lists_and_reads_the_order(client, hl, assisted):
    client.force_login(hl.handler)
    items = client.get(f"{BASE}/orders").json()["items"]
    assert [i["id"] for i in items] == [assisted.pk]
    # 保密 stays masked for units, co-units included.
    assert items[0]["requester_name"] == "***" and items[0]["contact_phone"] == "***"
    detail = client.get(f"{BASE}/orders/{assisted.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["lead_unit"]["id"] == hl.housing.pk
    assert body["co_units"] == [{"id": hl.xz_dept.pk, "name": "香洲区市场监督管理局"}]
    assert body["contact_phone"] == "***"


def test_co_unit_leader_reads_too(client, hl, assisted):
    client.force_login(hl.xz_leader)
    assert client.get(f"{BASE}/orders/{assisted.pk}").status_code == 200


@pytest.mark.parametrize("action", ["sign", "return"])
def test_co_unit_may_not_act_as_lead(client, hl, assisted, action):
    client.force_login(hl.handler)
    response = _act(client, assisted.pk, action, assisted.version, reason="不是我们的事")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "hotline.permission_denied"
    assisted.refresh_from_db()
    assert assisted.status == "dispatched" and assisted.version == 2


def test_co_unit_may_not_reply_after_the_lead_signed(client, hl, assisted):
    client.force_login(hl.housing_handler)
    signed = _act(client, assisted.pk, "sign", assisted.version).json()
    client.force_login(hl.handler)
    for action in ("start", "reply", "pause", "extension_request"):
        fields = {"result": "已办", "days": 2, "reason": "需要协调"}
        response = _act(client, assisted.pk, action, signed["version"], **fields)
        assert response.status_code == 403, (action, response.content)
    # The lead unit itself goes on.
    client.force_login(hl.housing_handler)
    response = _act(client, assisted.pk, "reply", signed["version"], result="已联系物业维修。")
    assert response.status_code == 200 and response.json()["status"] == "replied"


def test_lead_unit_signs(client, hl, assisted):
    client.force_login(hl.housing_handler)
    response = _act(client, assisted.pk, "sign", assisted.version)
    assert response.status_code == 200 and response.json()["status"] == "signed"


def test_other_units_still_get_404(client, hl, assisted):
    client.force_login(hl.dm_handler)
    assert client.get(f"{BASE}/orders/{assisted.pk}").status_code == 404
    assert client.get(f"{BASE}/orders").json()["items"] == []
    assert _act(client, assisted.pk, "sign", assisted.version).status_code == 404


def test_visibility_follows_the_co_units(client, hl, assisted):
    client.force_login(hl.operator)
    response = _act(
        client,
        assisted.pk,
        "reassign",
        assisted.version,
        lead_unit_id=hl.housing.pk,
        co_unit_ids=[hl.dm_dept.pk],
    )
    assert response.status_code == 200, response.content
    client.force_login(hl.handler)
    assert client.get(f"{BASE}/orders/{assisted.pk}").status_code == 404
    client.force_login(hl.dm_handler)
    assert client.get(f"{BASE}/orders/{assisted.pk}").status_code == 200


def test_no_duplicate_rows_for_a_unit_that_leads_and_assists(client, hl, make_order):
    # lead unit 香洲 market supervision with its own district as a co-unit subtree overlap
    order = make_order()  # 香洲 food rule: lead xz_dept, no co-units
    order.co_units.add(hl.xz_dept, hl.xz)
    client.force_login(hl.xz_leader)
    items = client.get(f"{BASE}/orders").json()["items"]
    assert [i["id"] for i in items] == [order.pk]


def test_anonymous_gets_401(client, assisted):
    assert client.get(f"{BASE}/orders/{assisted.pk}").status_code == 401
