"""跨市联动 between two real yiwang instances over HTTP.

City A ("zh") is this test's ``live_server`` on the test database; its tasks go to the real
Huey storage and are drained by the test. City B ("gz") is a second yiwang started as a
subprocess (``yiwang manage migrate`` + ``yiwang manage runserver --noreload``) with its own
SQLite database, ``YIWANG_VAR_DIR`` and ``memory://`` task queue (Huey's immediate mode: B's
deliveries run right after commit inside the request, so B needs no worker process). B is
driven only through its HTTP API with a bearer token of its hotline centre.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import drain_tasks
from yiwang.hotline.choices import TransferState
from yiwang.hotline.models import CrossCityTransfer, WorkOrder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SECRET = "zh-gz-shared-secret-for-the-two-instance-test"
BIN = Path(sys.executable).parent / "yiwang"

B_SETUP = """
import json
from yiwang.core.choices import OrgKind, Role
from yiwang.core.services.accounts import staff_user_create
from yiwang.core.services.organisations import organisation_create
from yiwang.core.services.tokens import api_client_create, api_token_create
city = organisation_create(actor=None, name="广州市", kind=OrgKind.CITY, code="gz")
centre = organisation_create(
    actor=None, name="广州市12345热线中心", kind=OrgKind.DEPARTMENT, code="gz-12345", parent=city
)
admin = staff_user_create(
    actor=None, username="gzadmin", display_name="广州管理员", organisation=city,
    password="Yiwang#2026pass", roles=[Role.PLATFORM_ADMIN],
)
client = api_client_create(
    actor=admin, name="gz-centre", organisation=centre, roles=[Role.HOTLINE_OPERATOR]
)
scopes = ["hotline.view", "hotline.view_city", "hotline.intake", "hotline.dispatch",
          "hotline.review", "hotline.callback"]
token, raw = api_token_create(actor=admin, client=client, name="interop-test", scopes=scopes)
print("TOKEN=" + raw)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CityB:
    def __init__(self, url: str, token: str, process: subprocess.Popen, log: Path):
        self.url, self.token, self.process, self.log = url, token, process, log

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 — http URL of city B
            f"{self.url}/api/v1/hotline{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def city_b(tmp_path, live_server, monkeypatch):
    """Start city B pointing at A (the live server); point A at B."""
    port = _free_port()
    b_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env.update(
        YIWANG_DEBUG="1",
        YIWANG_VAR_DIR=str(tmp_path / "var"),
        YIWANG_DATABASE_URL=f"sqlite:///{tmp_path / 'b.sqlite3'}",
        YIWANG_TASKS_URL="memory://",
        YIWANG_CACHE_URL="locmem://",
        YIWANG_LANGUAGE="en",
        YIWANG_HOTLINE_CITY_CODE="gz",
        YIWANG_HOTLINE_PEERS=json.dumps(
            {"zh": {"name": "珠海市", "url": live_server.url, "secret": SECRET}}
        ),
    )
    run = {"env": env, "capture_output": True, "text": True, "timeout": 180, "check": False}
    migrate = subprocess.run([str(BIN), "manage", "migrate", "-v", "0"], **run)
    assert migrate.returncode == 0, migrate.stderr
    setup = subprocess.run([str(BIN), "manage", "shell", "-c", B_SETUP], **run)
    assert setup.returncode == 0, setup.stderr
    token = next(
        line[6:] for line in setup.stdout.splitlines() if line.startswith("TOKEN=")
    ).strip()
    log = tmp_path / "b-server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN), "manage", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{b_url}/healthz", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "city B did not start: " + log.read_text()
            time.sleep(0.3)
        monkeypatch.setenv("YIWANG_HOTLINE_CITY_CODE", "zh")
        monkeypatch.setenv(
            "YIWANG_HOTLINE_PEERS",
            json.dumps({"gz": {"name": "广州市", "url": b_url, "secret": SECRET}}),
        )
        yield CityB(b_url, token, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _b_order(city_b: CityB, number: str | None = None, channel: str | None = None) -> dict:
    query = f"?number={number}" if number else f"?channel={channel}"
    status, page = city_b.api("GET", f"/orders{query}")
    assert status == 200, page
    [item] = page["items"]
    status, order = city_b.api("GET", f"/orders/{item['id']}")
    assert status == 200, order
    return order


def test_transfers_and_outcomes_travel_both_ways(city_b, hl, make_order, migrated_data):
    from yiwang.hotline import services

    # --- A → B: A's centre transfers an order that belongs to Guangzhou -------------------
    order = make_order(content="广州市天河区某商场噪音扰民，请处理。", address="广州市天河区")
    assert order.status == "received"
    services.work_order_transfer_city(
        actor=hl.operator,
        order_id=order.pk,
        version=order.version,
        peer="gz",
        reason="事发地在广州市",
    )
    assert drain_tasks() == 1  # the delivery task, enqueued after commit
    out = CrossCityTransfer.objects.get(order=order)
    assert out.state == TransferState.SENT, out.last_error
    assert out.remote_number.startswith("GZ")
    order.refresh_from_db()
    assert order.status == "transferred_city"

    b_order = _b_order(city_b, number=out.remote_number)
    assert b_order["channel"] == "cross_city" and b_order["status"] == "received"
    assert b_order["content"] == order.content and b_order["requester_name"] == "张三"

    # B's centre answers it directly; B sends the outcome back at once (immediate tasks).
    status, closed = city_b.api(
        "POST",
        f"/orders/{b_order['id']}/transitions",
        {"action": "close", "version": b_order["version"], "answer": "已约谈商场，噪音已整改。"},
    )
    assert status == 200, closed
    assert closed["status"] == "closed"

    order.refresh_from_db()
    out.refresh_from_db()
    assert out.state == TransferState.DONE
    assert order.status == "closed" and order.reply_text == "已约谈商场，噪音已整改。"
    assert order.callback_deadline is not None
    assert [e.action for e in order.events.all()] == [
        "create",
        "transfer_city",
        "transfer_city",
        "transfer_outcome",
    ]

    # --- B → A: B's centre transfers an order that belongs to Zhuhai -----------------------
    status, created = city_b.api(
        "POST",
        "/orders",
        {
            "channel": "phone",
            "category": "complaint",
            "requester_name": "陈六",
            "contact_phone": "13612345678",
            "content": "珠海香洲区凤凰北路超市出售过期食品，请查处。",
            "address": "珠海市香洲区凤凰北路1号",
        },
    )
    assert status == 201, created
    assert created["status"] == "received"  # B has no catalogue rule for it
    status, moved = city_b.api(
        "POST",
        f"/orders/{created['id']}/transitions",
        {
            "action": "transfer_city",
            "version": created["version"],
            "peer": "zh",
            "reason": "事发地在珠海市",
        },
    )
    assert status == 200, moved
    assert moved["status"] == "transferred_city"
    assert moved["events"][-1]["action"] == "transfer_city"

    inbound = WorkOrder.objects.get(channel="cross_city")
    assert inbound.status == "dispatched" and inbound.lead_unit_id == hl.xz_dept.pk
    row = inbound.transfers.get()
    assert row.peer == "gz" and row.remote_number == created["number"]
    # B recorded A's number in its own timeline.
    b_moved = _b_order(city_b, number=created["number"])
    assert inbound.number in b_moved["events"][-1]["note"]

    # A's unit handles it, A's centre approves, the outcome goes back to B.
    for fn, kwargs in [
        (services.work_order_sign, {}),
        (services.work_order_start, {}),
        (services.work_order_reply, {"result": "已立案查处，过期食品已下架。"}),
    ]:
        inbound = fn(actor=hl.handler, order_id=inbound.pk, version=inbound.version, **kwargs)
    services.work_order_review(
        actor=hl.operator, order_id=inbound.pk, version=inbound.version, approve=True
    )
    assert drain_tasks() >= 1  # the outcome delivery, enqueued after commit
    row.refresh_from_db()
    assert row.state == TransferState.DONE, row.last_error

    back = _b_order(city_b, number=created["number"])
    assert back["status"] == "closed" and back["reply_text"] == "已立案查处，过期食品已下架。"
    assert back["events"][-1]["action"] == "transfer_outcome"
