"""No order and no notification is lost when the task queue is down or the worker stopped.

Real processes only: the API is called through the test client with a bearer token, the queue
is Huey on a real ``redis-server`` started on a spare port (or nothing listening there), and
webhooks go to a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from yiwang.core.choices import Role
from yiwang.hotline.models import WorkOrder
from yiwang.notify import facade as notify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

URL = "/api/v1/hotline/orders"
NEW = {
    "channel": "api",
    "category": "complaint",
    "requester_name": "李四",
    "contact_phone": "13712345678",
    "content": "香洲区某超市销售过期食品。",
    "address": "珠海市香洲区凤凰北路8号",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(port: int):
    """A throwaway ``redis-server`` on ``port`` (no persistence), stopped on exit."""
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def queue():
    """Huey's real storage pointed at Redis on a spare port where nothing listens (yet)."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import RedisStorage

    port = _free_port()
    configured = HUEY.storage
    HUEY.storage = RedisStorage(
        name="yiwang-no-order-lost", host="127.0.0.1", port=port, blocking=False
    )
    try:
        yield type("Queue", (), {"port": port, "huey": HUEY})
    finally:
        HUEY.storage = configured


def _drain(huey) -> int:
    """A worker run: execute whatever is queued."""
    done = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        done += 1
    return done


@pytest.fixture
def receiver():
    """A webhook receiver of the lead unit's district system, recording every delivery id."""
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.append(self.headers.get("X-Yiwang-Delivery", ""))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield type("Receiver", (), {"url": f"http://127.0.0.1:{server.server_port}/h", "got": got})
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(migrated_data, hl, make_staff, receiver):
    """A bearer token of the city app (operator role) and a webhook endpoint of 香洲区
    subscribed to dispatch notifications."""
    from yiwang.core.services.tokens import api_client_create, api_token_create
    from yiwang.notify.services import webhook_endpoint_create

    admin = make_staff(hl.city, Role.PLATFORM_ADMIN, username="nlo-admin")
    app = api_client_create(
        actor=admin, name="城市APP", organisation=hl.centre, roles=[Role.HOTLINE_OPERATOR]
    )
    _token, raw = api_token_create(
        actor=admin,
        client=app,
        name="app",
        scopes=["hotline.intake", "hotline.view", "hotline.view_city"],
    )
    webhook_endpoint_create(
        actor=admin,
        organisation=hl.xz,
        name="香洲区工单系统",
        url=receiver.url,
        events=["hotline.order_dispatched"],
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client, headers, **extra):
    meta = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    body = {k: v for k, v in extra.items() if k not in meta}
    return client.post(URL, {**NEW, **body}, content_type="application/json", **headers, **meta)


def _webhook_messages():
    from yiwang.notify.models import Message

    return list(Message.objects.filter(channel="webhook").order_by("id"))


def test_queue_unreachable_orders_are_accepted_and_delivered_once_it_is_back(
    client, api, hl, queue, receiver
):
    from yiwang.notify.services import message_sweep

    response = _post(client, api)  # nothing listens on the queue's port
    assert response.status_code == 201, response.content
    order = WorkOrder.objects.get(pk=response.json()["id"])
    assert order.status == "dispatched" and order.lead_unit_id == hl.xz_dept.pk
    assert len(notify.inbox_recent(hl.handler)) == 1  # the inbox needs no queue
    [message] = _webhook_messages()
    assert message.status == "pending" and message.enqueued_at is None  # left for the sweep
    assert message.dedupe_key == f"hotline:{order.pk}:dispatch:{order.version}"
    with pytest.raises(Exception):  # noqa: B017 — the queue really is unreachable
        queue.huey.storage.enqueued_items()

    with redis_server(queue.port):
        assert message_sweep()["queued"] == 1  # the sweep finds it and queues it again
        assert _drain(queue.huey) == 1
        [message] = _webhook_messages()
        assert message.status in ("sent", "delivered")
        assert receiver.got == [str(message.pk)]
        # nothing duplicated by later sweeps
        assert message_sweep(now=timezone.now() + dt.timedelta(hours=1))["queued"] == 0
        assert _drain(queue.huey) == 0
    assert receiver.got == [str(message.pk)]
    assert WorkOrder.objects.count() == 1


def test_worker_stopped_messages_wait_and_a_later_worker_run_delivers_each_once(
    client, api, hl, queue, receiver
):
    from yiwang.notify.services import message_sweep

    with redis_server(queue.port) as redis:
        numbers = []
        for n in range(3):
            response = _post(client, api, HTTP_IDEMPOTENCY_KEY=f"nlo-{n}")
            assert response.status_code == 201, response.content
            numbers.append(response.json()["number"])
        # a retried request (lost answer) does not file the order twice
        again = _post(client, api, HTTP_IDEMPOTENCY_KEY="nlo-0")
        assert again.status_code == 200 and again.json()["number"] == numbers[0]
        assert WorkOrder.objects.count() == 3
        messages = _webhook_messages()
        assert [m.status for m in messages] == ["pending"] * 3
        assert all(m.enqueued_at is not None for m in messages)
        assert len(queue.huey.storage.enqueued_items()) == 3  # waiting for a worker
        assert receiver.got == []

        assert _drain(queue.huey) == 3  # the worker comes back
        assert sorted(receiver.got) == sorted(str(m.pk) for m in messages)
        assert message_sweep(now=timezone.now() + dt.timedelta(hours=1))["queued"] == 0
        assert _drain(queue.huey) == 0
        redis.terminate()
        redis.wait(timeout=10)
    assert len(receiver.got) == 3
    assert {m.status for m in _webhook_messages()} <= {"sent", "delivered"}


def test_queue_lost_its_tasks_the_sweep_queues_them_again(client, api, hl, queue, receiver):
    """Redis restarted without persistence between enqueue and the worker: the rows are
    still pending, and after ``REQUEUE_AFTER`` the sweep queues them again."""
    from yiwang.notify.services import message_sweep

    with redis_server(queue.port):
        response = _post(client, api)
        assert response.status_code == 201
    with redis_server(queue.port):  # a fresh, empty Redis
        assert _drain(queue.huey) == 0
        assert message_sweep()["queued"] == 0  # recently queued: not yet presumed lost
        later = timezone.now() + dt.timedelta(minutes=11)
        assert message_sweep(now=later)["queued"] == 1
        assert _drain(queue.huey) == 1
    [message] = _webhook_messages()
    assert receiver.got == [str(message.pk)]


def test_a_failing_follow_up_after_commit_does_not_fail_the_accepted_request(
    client, api, hl, queue
):
    """The dispatch notification runs after the commit; if it fails, the client still gets
    its 201 (a 500 would make it file the order again)."""
    from yiwang.hotline import support
    from yiwang.notify.models import Template

    support.ensure_templates()
    Template.objects.filter(code="hotline.order_dispatched").update(body="{{ no_such_var }}")
    with redis_server(queue.port):
        response = _post(client, api)
    assert response.status_code == 201, response.content
    assert WorkOrder.objects.filter(pk=response.json()["id"], status="dispatched").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"content": ""}, "content"),
        ({"category": "nonsense"}, "category"),
    ],
)
def test_bad_input_stores_nothing_and_queues_nothing(client, api, queue, body, field):
    response = _post(client, api, **body)
    assert response.status_code == 422
    assert field in response.content.decode()
    assert WorkOrder.objects.count() == 0 and _webhook_messages() == []
