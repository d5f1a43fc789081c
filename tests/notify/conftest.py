"""Fixtures of the notification tests: templates, a citizen, a real local webhook receiver."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import PASSWORD

HELLO_SUBJECT = "您好，{{ name }}"
HELLO_BODY = "{{ name }}，您的事项 {{ number }} 已办结。"


@pytest.fixture
def hello_template(db):
    from yiwang.notify.services import template_create

    return template_create(
        actor=None, code="test.hello", name="办结通知", subject=HELLO_SUBJECT, body=HELLO_BODY
    )


@pytest.fixture
def citizen(db):
    from yiwang.core.services.accounts import citizen_register

    return citizen_register(
        username="zhangsan",
        password=PASSWORD,
        real_name="张三",
        id_number="11010519491231002X",
        mobile="13812345678",
        email="ZhangSan@Example.CN",
    )


@pytest.fixture
def superuser(db):
    from yiwang.core.models import User

    return User.objects.create_superuser("root", "root@example.cn", PASSWORD)


@pytest.fixture
def platform_admin(org_tree, make_staff):
    from yiwang.core.choices import Role

    return make_staff(org_tree["city"], Role.PLATFORM_ADMIN, username="padmin")


@dataclass
class Receiver:
    """State of the local webhook receiver: what it got and how it answers."""

    secret: str = ""
    delay: float = 0.0
    status: int = 200
    url: str = ""
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 (random port) that checks the signature of every POST."""
    from yiwang.notify.webhooks import verify_signature

    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = verify_signature(
                secret=state.secret,
                body=body,
                timestamp=self.headers.get("X-Yiwang-Timestamp"),
                signature=self.headers.get("X-Yiwang-Signature"),
            )
            state.requests.append(
                {"headers": dict(self.headers), "body": body, "verified": verified}
            )
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status if verified else 401)
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up (timeout) and closed the connection

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/yiwang"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(org_tree, platform_admin, receiver):
    """An endpoint of 香洲区 subscribed to test.hello, pointing at the local receiver."""
    from yiwang.notify.services import webhook_endpoint_create

    ep, secret = webhook_endpoint_create(
        actor=platform_admin,
        organisation=org_tree["xz"],
        name="香洲区政务系统",
        url=receiver.url,
        events=["test.hello"],
    )
    receiver.secret = secret
    return ep


def set_policy(channel: str, **values) -> None:
    from yiwang.notify.models import DEFAULT_POLICIES, ChannelPolicy

    ChannelPolicy.objects.update_or_create(
        channel=channel, defaults={**DEFAULT_POLICIES[channel], **values}
    )
