"""Open311 GeoReport v2 at /open311/v2/ through the test client, and against a live server with
a third-party GeoReport client (``georeport`` on PyPI, when installed) plus plain urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from yiwang.core.choices import Role
from yiwang.hotline.models import WorkOrder

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def api_key(hl, make_staff):
    from yiwang.core.services.tokens import api_client_create, api_token_create

    admin = make_staff(hl.city, Role.PLATFORM_ADMIN, username="o311admin")
    app = api_client_create(
        actor=admin, name="城市APP", organisation=hl.centre, roles=[Role.HOTLINE_OPERATOR]
    )
    token, raw = api_token_create(
        actor=admin, client=app, name="open311", scopes=["hotline.intake"]
    )
    return type("Key", (), {"raw": raw, "token": token, "admin": admin, "app": app})


def _post(client, data, path="requests.json"):
    return client.post(f"{BASE}/{path}", urllib.parse.urlencode(data), content_type=FORM)


def _new(key, **extra):
    data = {
        "api_key": key.raw,
        "service_code": "complaint",
        "lat": "22.271000",
        "long": "113.576000",
        "address_string": "珠海市香洲区凤凰北路1号",
        "description": "凤凰北路超市出售过期食品，请查处。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "email": "zhang@example.com",
        "device_id": "dev-1",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response):
    body = response.json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == response.status_code for e in body)
    return [e["description"] for e in body]


def test_services_list_and_definition(client, hl):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert set(services) == {"consult", "help", "complaint", "report", "suggestion", "praise"}
    complaint = services["complaint"]
    assert complaint["service_name"] == "投诉"
    assert complaint["metadata"] is False and complaint["type"] == "realtime"
    assert complaint["group"] == "12345" and complaint["keywords"] and complaint["description"]
    definition = client.get(f"{BASE}/services/complaint.json")
    assert definition.status_code == 200
    assert definition.json() == {"service_code": "complaint", "attributes": []}
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "t-city"}).status_code == 200


def test_unknown_service_and_xml_format(client, hl):
    response = client.get(f"{BASE}/services/potholes.json")
    assert response.status_code == 404
    assert "potholes" in _errors(response)[0]
    xml = client.get(f"{BASE}/services.xml")
    assert xml.status_code == 400 and "JSON" in _errors(xml)[0]


def test_post_creates_an_order_visible_in_reads(client, hl, api_key):
    response = _post(client, _new(api_key))
    assert response.status_code == 201, response.content
    (created,) = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    number = created["service_request_id"]
    order = WorkOrder.objects.get(number=number)
    assert order.channel == "open311" and order.category == "complaint"
    assert order.requester_name == "张三" and order.contact_phone == "13800138000"
    assert order.created_by_id == api_key.app.service_user_id
    assert str(order.lat) == "22.271000" and order.district_id == hl.xz.pk
    assert number in created["service_notice"]

    listed = client.get(f"{BASE}/requests.json").json()
    row = next(r for r in listed if r["service_request_id"] == number)
    assert row["status"] == "open" and row["service_code"] == "complaint"
    assert row["service_name"] == "投诉"
    assert row["agency_responsible"] == "香洲区市场监督管理局"
    assert row["description"] == "凤凰北路超市出售过期食品，请查处。"
    assert row["address"] == "珠海市香洲区凤凰北路1号" and row["lat"] == 22.271
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"].endswith("+08:00")
    one = client.get(f"{BASE}/requests/{number}.json")
    assert one.status_code == 200 and one.json()[0]["service_request_id"] == number
    assert client.get(f"{BASE}/requests/ZH20000101-000001.json").status_code == 404


def test_json_body_is_accepted(client, hl, api_key):
    response = client.post(
        f"{BASE}/requests.json", json.dumps(_new(api_key)), content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_api_key_missing_bad_or_revoked_is_403(client, hl, api_key):
    from yiwang.core.services.tokens import api_token_revoke

    assert _post(client, _new(api_key, api_key=None)).status_code == 403
    bad = _post(client, _new(api_key, api_key="yw_nope_nope"))
    assert bad.status_code == 403 and "api_key" in _errors(bad)[0]
    api_token_revoke(actor=api_key.admin, token=api_key.token)
    assert _post(client, _new(api_key)).status_code == 403
    assert not WorkOrder.objects.exists()


def test_token_without_intake_is_403(client, hl, api_key):
    from yiwang.core.services.tokens import api_client_create, api_token_create

    app = api_client_create(
        actor=api_key.admin, name="只读", organisation=hl.centre, roles=[Role.HOTLINE_OPERATOR]
    )
    _, raw = api_token_create(actor=api_key.admin, client=app, name="r", scopes=["hotline.view"])
    response = _post(client, _new(api_key, api_key=raw))
    assert response.status_code == 403 and _errors(response)


def test_unknown_service_code_missing_location_and_fields_are_400(client, hl, api_key):
    unknown = _post(client, _new(api_key, service_code="potholes"))
    assert unknown.status_code == 400 and "service_code" in _errors(unknown)[0]
    nowhere = _post(client, _new(api_key, lat=None, long=None, address_string=None))
    assert nowhere.status_code == 400
    assert any("location" in d for d in _errors(nowhere))
    several = _post(client, _new(api_key, description=None, phone=None))
    assert several.status_code == 400
    descriptions = _errors(several)
    assert len(descriptions) == 2
    assert any(d.startswith("phone") for d in descriptions)
    assert any(d.startswith("description") for d in descriptions)
    bad_phone = _post(client, _new(api_key, phone="12345"))
    assert bad_phone.status_code == 400 and _errors(bad_phone)[0].startswith("phone:")
    assert not WorkOrder.objects.exists()


def test_jurisdiction(client, hl, api_key):
    response = _post(client, _new(api_key, jurisdiction_id="t-city"))
    assert response.status_code == 201
    unknown = _post(client, _new(api_key, jurisdiction_id="springfield"))
    assert unknown.status_code == 404 and "springfield" in _errors(unknown)[0]
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "nowhere"}).status_code == 404
    listed = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "t-city"}).json()
    assert len(listed) == 1


def test_bad_dates_are_400(client, hl):
    response = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400 and "start_date" in _errors(response)[0]
    ok = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00+08:00"},
    )
    assert ok.status_code == 200
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400


def test_public_reads_carry_no_personal_data(client, hl, make_order):
    plain = make_order(requester_name="李四", contact_phone="13900139000")
    secret = make_order(
        requester_name="王五", contact_phone="13700137000", confidential=True, content="保密内容"
    )
    response = client.get(f"{BASE}/requests.json")
    text = response.content.decode()
    for personal in ("李四", "王五", "13900139000", "13700137000", "139****9000"):
        assert personal not in text
    rows = {r["service_request_id"]: r for r in response.json()}
    assert rows[plain.number]["description"] and rows[plain.number]["address"]
    hidden = rows[secret.number]
    assert "description" not in hidden and "保密内容" not in text
    assert hidden["address"] is None and hidden["lat"] is None
    one = client.get(f"{BASE}/requests/{secret.number}.json").json()[0]
    assert "description" not in one


def test_extensions_add_status_lane_and_notes(client, hl, make_order):
    order = make_order()
    plain = client.get(f"{BASE}/requests/{order.number}.json").json()[0]
    assert "extended_attributes" not in plain
    rows = client.get(f"{BASE}/requests.json", {"extensions": "true"}).json()
    extended = rows[0]["extended_attributes"]
    assert extended["yiwang_status"] == "dispatched" and extended["lane"] == "general"
    assert [n["action"] for n in extended["notes"]] == ["create", "dispatch"]
    assert all(set(n) == {"action", "label", "at"} for n in extended["notes"])
    assert extended["notes"][0]["at"].endswith("+08:00")
    assert hl.operator.username not in json.dumps(rows, ensure_ascii=False)
    one = client.get(f"{BASE}/requests/{order.number}.json", {"extensions": "true"}).json()[0]
    assert one["extended_attributes"]["yiwang_status"] == "dispatched"


def test_status_filter_and_ids(client, hl, make_order):
    from yiwang.hotline.services import work_order_close

    open_order = make_order(content="咨询社保缴费问题", category="consult")
    done = make_order(content="咨询公积金提取", category="consult")
    work_order_close(actor=hl.operator, order_id=done.pk, version=done.version, answer="已答复")

    def numbers(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200
        return {r["service_request_id"] for r in response.json()}

    assert numbers(status="open") == {open_order.number}
    assert numbers(status="closed") == {done.number}
    assert numbers(status="open,closed") == {open_order.number, done.number}
    assert numbers(service_request_id=f"{done.number},{open_order.number}") == {
        done.number,
        open_order.number,
    }
    assert numbers(service_code="complaint") == set()


def _form_post(url: str, data: dict):
    """A form-encoded POST as the GeoReport v2 spec shows it (http:// to the live server)."""
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": FORM})  # noqa: S310
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


# serialized_rollback: see the note on transactional tests in tests/conftest.py
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_third_party_client_against_live_server(live_server, hl, api_key):
    """A GeoReport v2 client library reads; the POST is form-encoded exactly as the spec shows
    (the ``georeport`` library has no create call)."""
    root = f"{live_server.url}{BASE}"
    try:
        response = _form_post(f"{root}/requests.json", _new(api_key))
    except urllib.error.HTTPError as exc:  # show the Open311 error body, not only the code
        pytest.fail(f"POST requests.json answered {exc.code}: {exc.read()[:500]!r}")
    with response:
        assert response.status == 201
        number = json.loads(response.read())[0]["service_request_id"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        _form_post(f"{root}/requests.json", _new(api_key, api_key="yw_x"))
    assert refused.value.code == 403
    assert json.loads(refused.value.read())[0]["code"] == 403

    georeport = pytest.importorskip("georeport")
    client = georeport.GeoReport(root, jurisdiction="t-city")
    services = client.get_service_list()
    assert "complaint" in {s["service_code"] for s in services}
    assert client.get_service_definition("complaint")["attributes"] == []
    found = client.get_service_requests(service_code="complaint", status="open")
    assert [r["service_request_id"] for r in found] == [number]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"


def test_an_intake_only_token_gets_its_receipt_from_the_json_api(client, api_key):
    """The REST API answers an intake-only client with the order it filed (not a 404 after
    storing it, which would make the client file it again)."""
    import json

    body = {
        "channel": "api",
        "category": "complaint",
        "requester_name": "张三",
        "contact_phone": "13800138000",
        "content": "凤凰北路超市出售过期食品，请查处。",
        "address": "珠海市香洲区凤凰北路1号",
    }
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key.raw}", "HTTP_IDEMPOTENCY_KEY": "rcpt-1"}
    first = client.post(
        "/api/v1/hotline/orders", json.dumps(body), content_type="application/json", **headers
    )
    assert first.status_code == 201, first.content
    again = client.post(
        "/api/v1/hotline/orders", json.dumps(body), content_type="application/json", **headers
    )
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
