"""跨市联动 in one process: signing, the inbound endpoints, the transfer action, outcomes and
the retry sweep (the two-instance round trip is in test_transfer_two_instances.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time

import pytest
from django.utils import timezone

from yiwang import config
from yiwang.core.models import AuditLog
from yiwang.hotline import signing
from yiwang.hotline.choices import TransferDirection, TransferState
from yiwang.hotline.models import CrossCityTransfer, WorkOrder
from yiwang.hotline.services import transfer as svc

BASE = "/api/v1/hotline"
INTEROP = "/hotline/interop/v1"
GZ_SECRET = "gz-shared-secret-0123456789abcdefghij"
SZ_SECRET = "sz-shared-secret-0123456789abcdefghij"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def peers(monkeypatch):
    """We are "zh"; "gz" and "sz" are peers whose instances are down (a closed port)."""
    port = _closed_port()
    monkeypatch.setenv("YIWANG_HOTLINE_CITY_CODE", "zh")
    monkeypatch.setenv(
        "YIWANG_HOTLINE_PEERS",
        json.dumps(
            {
                "gz": {"name": "广州市", "url": f"http://127.0.0.1:{port}", "secret": GZ_SECRET},
                "sz": {"name": "深圳市", "url": f"http://127.0.0.1:{port}/", "secret": SZ_SECRET},
            }
        ),
    )
    return signing.peers()


def _transfer_payload(**overrides):
    body = {
        "message_id": "gz-0001",
        "origin_city": "gz",
        "origin_number": "GZ20261129-000007",
        "category": "complaint",
        "lane": "general",
        "requester_kind": "citizen",
        "requester_name": "王五",
        "contact_phone": "13912345678",
        "confidential": False,
        "title": "",
        "content": "香洲区凤凰北路超市出售过期食品，请查处。",
        "address": "珠海市香洲区凤凰北路1号",
        "received_at": "2026-11-29T09:00:00+08:00",
        "reason": "事发地在珠海",
    }
    body.update(overrides)
    return body


def _signed_post(
    client, endpoint, body, *, city="gz", secret=GZ_SECRET, ts=None, raw=None, sig=None
):
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    path = f"{INTEROP}/{endpoint}"
    timestamp = str(int(ts if ts is not None else time.time()))
    headers = {
        "HTTP_X_YIWANG_CITY": city,
        "HTTP_X_YIWANG_TIMESTAMP": timestamp,
        "HTTP_X_YIWANG_SIGNATURE": sig or signing.signature(secret, timestamp, "POST", path, data),
    }
    return client.post(path, data, content_type="application/json", **headers)


def _rejections():
    return list(AuditLog.objects.filter(action="hotline.transfer.rejected"))


# --- signing ---------------------------------------------------------------------------------


def test_signature_covers_timestamp_method_path_and_body():
    base = signing.signature(GZ_SECRET, "1700000000", "POST", "/p", b"{}")
    assert base.startswith("v1=") and len(base) == 3 + 64
    assert base == signing.signature(GZ_SECRET, "1700000000", "post", "/p", b"{}")
    for changed in [
        signing.signature(GZ_SECRET, "1700000001", "POST", "/p", b"{}"),
        signing.signature(GZ_SECRET, "1700000000", "PUT", "/p", b"{}"),
        signing.signature(GZ_SECRET, "1700000000", "POST", "/q", b"{}"),
        signing.signature(GZ_SECRET, "1700000000", "POST", "/p", b"{ }"),
        signing.signature(SZ_SECRET, "1700000000", "POST", "/p", b"{}"),
    ]:
        assert changed != base


def test_verify_accepts_a_good_signature_and_rejects_the_rest(peers):
    now = 1_800_000_000
    ts = str(now)
    good = signing.signature(GZ_SECRET, ts, "POST", "/p", b"{}")
    kw = {"method": "POST", "path": "/p", "body": b"{}", "now": now}
    assert signing.verify(city="gz", timestamp=ts, sig=good, **kw).code == "gz"
    cases = [
        ({"city": None, "timestamp": ts, "sig": good}, 401, "hotline.interop.unsigned"),
        ({"city": "gz", "timestamp": ts, "sig": ""}, 401, "hotline.interop.unsigned"),
        ({"city": "bj", "timestamp": ts, "sig": good}, 403, "hotline.interop.unknown_city"),
        ({"city": "gz", "timestamp": "abc", "sig": good}, 401, "hotline.interop.bad_timestamp"),
        ({"city": "gz", "timestamp": str(now - 301), "sig": good}, 401, "hotline.interop.stale"),
        ({"city": "gz", "timestamp": str(now + 301), "sig": good}, 401, "hotline.interop.stale"),
        ({"city": "gz", "timestamp": ts, "sig": "v1=zz"}, 401, "hotline.interop.bad_signature"),
        ({"city": "gz", "timestamp": ts, "sig": good[3:]}, 401, "hotline.interop.bad_signature"),
        (
            {
                "city": "gz",
                "timestamp": ts,
                "sig": signing.signature(SZ_SECRET, ts, "POST", "/p", b"{}"),
            },
            401,
            "hotline.interop.bad_signature",
        ),
        (
            {"city": "sz", "timestamp": ts, "sig": good},  # gz's signature claimed by sz
            401,
            "hotline.interop.bad_signature",
        ),
    ]
    for headers, status, code in cases:
        with pytest.raises(signing.SignatureError) as exc:
            signing.verify(**headers, **kw)
        assert (exc.value.status, exc.value.code) == (status, code), headers
    # ±5 minutes is inclusive.
    edge = str(now - 300)
    sig = signing.signature(GZ_SECRET, edge, "POST", "/p", b"{}")
    assert signing.verify(city="gz", timestamp=edge, sig=sig, **kw).code == "gz"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"GZ!": {"url": "http://x/", "secret": "' + "s" * 32 + '"}}', "city code"),
        ('{"gz": "http://x/"}', "must be an object"),
        ('{"gz": {"url": "ftp://x/", "secret": "' + "s" * 32 + '"}}', "http(s) URL"),
        ('{"gz": {"url": "http://x/", "secret": "short"}}', "at least 32"),
    ],
)
def test_malformed_peer_configuration_fails_loudly(monkeypatch, value, fragment):
    monkeypatch.setenv("YIWANG_HOTLINE_PEERS", value)
    with pytest.raises(config.ConfigError) as exc:
        signing.peers()
    assert "YIWANG_HOTLINE_PEERS" in str(exc.value) and fragment in str(exc.value)


def test_no_peers_configured_means_none(monkeypatch):
    monkeypatch.delenv("YIWANG_HOTLINE_PEERS", raising=False)
    assert signing.peers() == {}


def test_city_code_defaults_to_the_first_city(org_tree, monkeypatch):
    monkeypatch.delenv("YIWANG_HOTLINE_CITY_CODE", raising=False)
    assert signing.own_city_code() == "t-city"
    monkeypatch.setenv("YIWANG_HOTLINE_CITY_CODE", "zh")
    assert signing.own_city_code() == "zh"


# --- inbound transfers --------------------------------------------------------------------


def test_an_inbound_transfer_becomes_a_dispatched_order_and_a_replay_is_idempotent(
    client, hl, peers, run_tasks
):
    with run_tasks():
        response = _signed_post(client, "transfers", _transfer_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    order = WorkOrder.objects.get(number=body["number"])
    assert body == {"message_id": "gz-0001", "number": order.number, "status": "received"}
    assert order.channel == "cross_city" and order.created_by is None
    assert order.status == "dispatched" and order.lead_unit_id == hl.xz_dept.pk
    row = order.transfers.get()
    assert (row.direction, row.peer, row.remote_number, row.state, row.reason) == (
        TransferDirection.INBOUND,
        "gz",
        "GZ20261129-000007",
        TransferState.RECEIVED,
        "事发地在珠海",
    )
    audit = AuditLog.objects.get(action="hotline.transfer.received")
    assert audit.channel == "interop" and audit.actor_id is None

    replay = _signed_post(client, "transfers", _transfer_payload())
    assert replay.status_code == 200 and replay.json()["number"] == order.number
    assert WorkOrder.objects.count() == 1 and CrossCityTransfer.objects.count() == 1


def test_the_confidential_flag_travels(client, hl, peers):
    response = _signed_post(client, "transfers", _transfer_payload(confidential=True))
    assert response.status_code == 201
    assert WorkOrder.objects.get(number=response.json()["number"]).confidential is True


def test_a_message_id_of_another_city_is_a_conflict(client, hl, peers):
    assert _signed_post(client, "transfers", _transfer_payload()).status_code == 201
    response = _signed_post(
        client,
        "transfers",
        _transfer_payload(origin_city="sz"),
        city="sz",
        secret=SZ_SECRET,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "hotline.interop.message_id_reused"
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "x" * 40}, 401, "hotline.interop.bad_signature"),
        ({"sig": "v1=" + "0" * 64}, 401, "hotline.interop.bad_signature"),
        ({"sig": "sha1=abc"}, 401, "hotline.interop.bad_signature"),
        ({"city": "bj"}, 403, "hotline.interop.unknown_city"),
        # offsets, not timestamps: parameters are built at collection, long before the test runs
        ({"ts_offset": -600}, 401, "hotline.interop.stale"),
        ({"ts_offset": 600}, 401, "hotline.interop.stale"),
    ],
)
def test_bad_signatures_are_rejected_logged_and_audited(
    client, hl, peers, caplog, kwargs, status, code
):
    caplog.set_level(logging.WARNING, logger="yiwang.hotline.interop")
    kwargs = dict(kwargs)
    if "ts_offset" in kwargs:
        kwargs["ts"] = time.time() + kwargs.pop("ts_offset")
    response = _signed_post(client, "transfers", _transfer_payload(), **kwargs)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert WorkOrder.objects.count() == 0
    [audit] = _rejections()
    assert audit.result == "failure" and audit.changes["reason"] == code
    assert "王五" not in json.dumps(audit.changes, ensure_ascii=False)
    assert code in caplog.text
    assert "王五" not in caplog.text and "13912345678" not in caplog.text


def test_missing_signature_headers_are_rejected(client, hl, peers):
    response = client.post(
        f"{INTEROP}/transfers", _transfer_payload(), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "hotline.interop.unsigned"
    assert len(_rejections()) == 1


def test_a_signed_body_must_be_a_json_object(client, hl, peers):
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        response = _signed_post(client, "transfers", None, raw=raw)
        assert response.status_code == 400, raw
        assert response.json()["code"] == "hotline.interop.malformed"
    assert WorkOrder.objects.count() == 0


def test_only_post_is_answered(client, hl, peers):
    for endpoint in ("transfers", "outcomes"):
        response = client.get(f"{INTEROP}/{endpoint}")
        assert response.status_code == 405 and response["Allow"] == "POST"
        assert response.json()["code"] == "hotline.interop.method"


def test_an_oversized_body_is_refused(client, hl, peers):
    raw = json.dumps(_transfer_payload(content="长" * 30000), ensure_ascii=False).encode()
    assert _signed_post(client, "transfers", None, raw=raw).status_code == 413


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"message_id": None}, "message_id"),
        ({"message_id": "has space"}, "message_id"),
        ({"message_id": "x" * 65}, "message_id"),
        ({"origin_city": "sz"}, "origin_city"),
        ({"origin_number": ""}, "origin_number"),
        ({"reason": ""}, "reason"),
        ({"reason": "r" * 501}, "reason"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2026-11-29T09:00:00"}, "received_at"),
        ({"category": "gossip"}, "category"),
        ({"lane": "fast"}, "lane"),
        ({"confidential": "yes"}, "confidential"),
        ({"requester_name": ""}, "requester_name"),
        ({"requester_name": 42}, "requester_name"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"content": "  "}, "content"),
        ({"address": "a" * 301}, "address"),
        ({"requester_kind": "alien"}, "requester_kind"),
        ({"requester_kind": "enterprise", "enterprise_uscc": "bad"}, "enterprise_uscc"),
    ],
)
def test_invalid_transfers_get_field_errors(client, hl, peers, overrides, field):
    response = _signed_post(client, "transfers", _transfer_payload(**overrides))
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert WorkOrder.objects.count() == 0 and CrossCityTransfer.objects.count() == 0


# --- the transfer action ------------------------------------------------------------------


def _unrouted(make_order, **kwargs):
    """An order no catalogue rule matches: it waits in ``received`` at the centre."""
    return make_order(content="广州市天河区某商场噪音扰民。", address="广州市天河区", **kwargs)


def _transition(client, order, **fields):
    return client.post(
        f"{BASE}/orders/{order.pk}/transitions",
        {"action": "transfer_city", "version": order.version, **fields},
        content_type="application/json",
    )


def test_the_centre_transfers_an_order_and_delivery_is_retried_while_the_peer_is_down(
    client, hl, peers, make_order, run_tasks, caplog
):
    order = _unrouted(make_order)
    assert order.status == "received"
    client.force_login(hl.operator)
    with run_tasks():
        response = _transition(client, order, peer="gz", reason="事发地在广州")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "transferred_city"
    assert body["events"][-1]["action"] == "transfer_city"
    assert "广州市" in body["events"][-1]["note"]
    row = CrossCityTransfer.objects.get(order=order)
    assert row.direction == "out" and row.peer == "gz" and row.message_id.startswith("zh-")
    # The peer is down: nothing is lost, the row waits for the sweep.
    assert row.state == TransferState.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error or "URLError" in row.last_error
    assert AuditLog.objects.filter(action="hotline.order.transfer_city").count() == 1
    assert AuditLog.objects.filter(action="hotline.transfer.delivery_failed").count() == 1

    # Backoff: 30 s after the first failure, plus the sweep's minimum age of 60 s.
    soon = timezone.now() + dt.timedelta(seconds=10)
    assert svc.transfer_retry_sweep(now=soon) == 0
    later = timezone.now() + dt.timedelta(seconds=svc.SWEEP_MIN_AGE_SECONDS + 1)
    assert svc.transfer_retry_sweep(now=later) == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.state == TransferState.PENDING


def test_backoff_grows_and_is_capped():
    assert [svc.backoff_seconds(n) for n in range(0, 5)] == [0, 30, 60, 120, 240]
    assert svc.backoff_seconds(50) == svc.BACKOFF_MAX_SECONDS


def test_delivery_gives_up_after_max_attempts(hl, peers, make_order):
    order = _unrouted(make_order)
    order = svc.work_order_transfer_city(
        actor=hl.operator, order_id=order.pk, version=order.version, peer="gz", reason="异地"
    )
    row = order.transfers.get()
    CrossCityTransfer.objects.filter(pk=row.pk).update(attempts=svc.MAX_ATTEMPTS - 1)
    assert svc.transfer_deliver(transfer_id=row.pk) == TransferState.FAILED
    # Delivering a row that is no longer pending does nothing.
    assert svc.transfer_deliver(transfer_id=row.pk) == TransferState.FAILED
    assert svc.transfer_deliver(transfer_id=row.pk + 999) == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"peer": "bj", "reason": "异地"}, "peer"),
        ({"peer": "", "reason": "异地"}, "peer"),
        ({"peer": "gz", "reason": ""}, "reason"),
        ({"peer": "gz", "reason": "r" * 501}, "reason"),
    ],
)
def test_transfer_input_errors(client, hl, peers, make_order, fields, field):
    order = _unrouted(make_order)
    client.force_login(hl.operator)
    response = _transition(client, order, **fields)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    order.refresh_from_db()
    assert order.status == "received" and not CrossCityTransfer.objects.exists()


def test_transfer_permissions_and_states(client, hl, peers, make_order):
    order = _unrouted(make_order)
    assert _transition(client, order, peer="gz", reason="异地").status_code == 401
    client.force_login(hl.handler)  # a unit handler cannot see a received order
    assert _transition(client, order, peer="gz", reason="异地").status_code == 404
    dispatched = make_order()  # routed by the catalogue to the handler's unit at once
    assert dispatched.status == "dispatched"
    response = _transition(client, dispatched, peer="gz", reason="异地")
    assert response.status_code == 403  # sees it, may not transfer
    client.force_login(hl.operator)
    stale = _transition(client, order, peer="gz", reason="异地", version=order.version + 5)
    assert stale.status_code == 409 and stale.json()["code"] == "hotline.concurrent_change"
    response = _transition(client, dispatched, peer="gz", reason="异地")
    assert response.status_code == 409
    assert response.json()["code"] == "hotline.illegal_transition"
    assert not CrossCityTransfer.objects.exists()


# --- outcomes -----------------------------------------------------------------------------


def _outcome(mid, **overrides):
    body = {
        "message_id": mid,
        "remote_number": "GZ20261129-000042",
        "outcome": "已责令商场整改，噪音问题已解决。",
        "closed_at": "2026-11-30T10:00:00+08:00",
        "status": "closed",
    }
    body.update(overrides)
    return body


def test_an_outcome_closes_the_transferred_order_for_our_callback(client, hl, peers, make_order):
    order = _unrouted(make_order)
    svc.work_order_transfer_city(
        actor=hl.operator, order_id=order.pk, version=order.version, peer="gz", reason="异地"
    )
    row = order.transfers.get()
    response = _signed_post(client, "outcomes", _outcome(row.message_id))
    assert response.status_code == 200, response.content
    assert response.json() == {"message_id": row.message_id, "status": "done"}
    order.refresh_from_db()
    row.refresh_from_db()
    assert order.status == "closed" and order.reply_text.startswith("已责令")
    assert order.closed_at and order.callback_deadline
    assert order.events.last().action == "transfer_outcome"
    assert (row.state, row.remote_number) == (TransferState.DONE, "GZ20261129-000042")
    assert AuditLog.objects.filter(action="hotline.transfer.outcome_received").count() == 1
    # A replay changes nothing.
    version = order.version
    assert _signed_post(client, "outcomes", _outcome(row.message_id)).status_code == 200
    order.refresh_from_db()
    assert order.version == version
    # The origin centre calls the requester back as usual.
    client.force_login(hl.operator)
    response = client.post(
        f"{BASE}/orders/{order.pk}/transitions",
        {"action": "callback", "version": version, "rating": "satisfied", "solved": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "called_back"


def test_outcome_errors(client, hl, peers, make_order):
    order = _unrouted(make_order)
    svc.work_order_transfer_city(
        actor=hl.operator, order_id=order.pk, version=order.version, peer="gz", reason="异地"
    )
    row = order.transfers.get()
    assert _signed_post(client, "outcomes", _outcome("gz-unknown")).status_code == 404
    # Only the city it was sent to may answer it.
    other = _signed_post(client, "outcomes", _outcome(row.message_id), city="sz", secret=SZ_SECRET)
    assert other.status_code == 404
    for overrides, field in [
        ({"outcome": ""}, "outcome"),
        ({"remote_number": ""}, "remote_number"),
        ({"closed_at": "soon"}, "closed_at"),
        ({"status": "open"}, "status"),
        ({"message_id": ""}, "message_id"),
    ]:
        response = _signed_post(client, "outcomes", _outcome(row.message_id, **overrides))
        assert response.status_code == 422, overrides
        assert response.json()["errors"][0]["field"] == field
    bad = _signed_post(client, "outcomes", _outcome(row.message_id), secret="y" * 40)
    assert bad.status_code == 401
    order.refresh_from_db()
    assert order.status == "transferred_city"


# --- the receiving side sends the outcome back ----------------------------------------------


def _receive(client, **overrides):
    response = _signed_post(client, "transfers", _transfer_payload(**overrides))
    assert response.status_code == 201, response.content
    return WorkOrder.objects.get(number=response.json()["number"])


def test_approving_an_inbound_order_queues_its_outcome(client, hl, peers, run_tasks):
    from yiwang.hotline import services

    order = _receive(client)
    for fn, kwargs in [
        (services.work_order_sign, {}),
        (services.work_order_start, {}),
        (services.work_order_reply, {"result": "已立案查处，超市已下架过期食品。"}),
    ]:
        order = fn(actor=hl.handler, order_id=order.pk, version=order.version, **kwargs)
    with run_tasks():
        services.work_order_review(
            actor=hl.operator, order_id=order.pk, version=order.version, approve=True
        )
    row = order.transfers.get()
    assert row.state == TransferState.OUTCOME_PENDING
    assert row.outcome == "已立案查处，超市已下架过期食品。"
    assert row.attempts == 1 and row.last_error  # gz is down: the sweep will retry
    assert AuditLog.objects.filter(action="hotline.transfer.outcome_queued").count() == 1


def test_closing_an_inbound_order_directly_queues_its_outcome(client, hl, peers):
    from yiwang.hotline import services

    order = _receive(client, content="请问广州户籍在珠海怎么办理居住证？", address="")
    assert order.status == "received"
    services.work_order_close(
        actor=hl.operator, order_id=order.pk, version=order.version, answer="携带材料到派出所办理。"
    )
    row = order.transfers.get()
    assert row.state == TransferState.OUTCOME_PENDING and row.outcome.startswith("携带")


def test_closing_an_ordinary_order_queues_nothing(hl, peers, make_order):
    from yiwang.hotline import services

    order = _unrouted(make_order)
    services.work_order_close(
        actor=hl.operator, order_id=order.pk, version=order.version, answer="已答复。"
    )
    assert not CrossCityTransfer.objects.exists()
