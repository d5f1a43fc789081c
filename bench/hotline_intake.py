"""Benchmark of authenticated API intake on PostgreSQL through the production server.

    .venv/bin/yiwang bench hotline-intake [--seconds 15] [--paced-seconds 20] [--clients 8]
        [--database-url postgres://postgres@127.0.0.1:5432/yiwang_bench_intake]
        [--tasks-url redis://127.0.0.1:6379/7]

Ours: ``POST /api/v1/hotline/orders`` with a bearer API token — validation, the order row and
its number, dispatch by a catalogue rule (deadlines from worktime, ``sla_check_at``), timeline
events, audit entries, inbox notifications of the unit's two handlers and one webhook outbox row
queued to Huey on Redis — served by granian exactly as ``yiwang serve`` starts it
(``--interface wsgi``, ``YIWANG_WEB_WORKERS`` / ``YIWANG_WEB_THREADS``, ``YIWANG_DEBUG=0``).
The peers: ``bench/_bare_app``, a bare Django project whose view parses the same JSON, checks
the required fields and answers 201, behind the same granian flags — ``store`` also inserts the
request as one row with the ORM (the least an intake that keeps what it accepted must do; the
top-level ``peer_per_second``/``speedup``), ``echo`` writes nothing (``echo_peer_per_second``,
``speedup_vs_echo``: the cost of a request through Django and granian alone).

The load generator is ``--clients`` threads, each with one keep-alive ``http.client``
connection. Max throughput (``per_second``): closed loop for ``--seconds`` after a warm-up.
Latency (``p99_ms``/``p50_ms``, and the peers' at the same rate): open loop at 70 % of our peak
rate for ``--paced-seconds``; every request has a scheduled send time and its latency counts
from that time (no coordinated omission). ``speedup`` = ours ÷ peer throughput. Progress goes
to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time

from _common import (
    ROOT,
    closed_loop,
    ensure_database,
    free_port,
    open_loop,
    start_server,
    stop_server,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yiwang_bench_intake"
DEFAULT_TASKS = "redis://127.0.0.1:6379/7"
PATH = "/api/v1/hotline/orders"
CONTENTS = [
    "凤凰北路超市出售过期食品，请查处。",
    "小区门口餐馆食品过期还在卖，希望监管部门处理。",
    "香洲区某商场促销的过期食品存在安全隐患。",
]


def prepare(database_url: str, tasks_url: str) -> dict:
    """Database, city, catalogue rule, handlers, API token and webhook endpoint."""
    ensure_database(database_url)
    os.environ["YIWANG_DATABASE_URL"] = database_url
    os.environ["YIWANG_TASKS_URL"] = tasks_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from yiwang.core.choices import OrgKind, Role
    from yiwang.core.models import Organisation
    from yiwang.core.services.accounts import staff_user_create
    from yiwang.core.services.organisations import organisation_create
    from yiwang.core.services.tokens import api_client_create, api_token_create
    from yiwang.hotline.models import DispatchRule
    from yiwang.hotline.services import dispatch_rule_create
    from yiwang.notify.models import WebhookEndpoint
    from yiwang.notify.services import webhook_endpoint_create

    def org(code, **kwargs):
        return Organisation.objects.filter(code=code).first() or organisation_create(
            actor=None, code=code, **kwargs
        )

    def user(username, organisation, *roles):
        found = get_user_model().objects.filter(username=username).first()
        return found or staff_user_create(
            actor=None,
            username=username,
            display_name=username,
            organisation=organisation,
            password="Bench#2026pass",  # noqa: S106 — bench accounts
            roles=roles,
        )

    city = org("bi-city", name="基准市", kind=OrgKind.CITY)
    district = org("bi-xz", name="香洲区", kind=OrgKind.DISTRICT, parent=city)
    centre = org("bi-12345", name="基准市12345热线中心", kind=OrgKind.DEPARTMENT, parent=city)
    unit = org("bi-scj", name="香洲区市场监督管理局", kind=OrgKind.DEPARTMENT, parent=district)
    admin = user("bi-admin", city, Role.PLATFORM_ADMIN)
    user("bi-h1", unit, Role.CASE_HANDLER)
    user("bi-h2", unit, Role.CASE_HANDLER)
    if not DispatchRule.objects.filter(city=city, active=True).exists():
        dispatch_rule_create(
            actor=None,
            city_id=city.pk,
            name="食品",
            keywords=["食品", "过期"],
            lead_unit_id=unit.pk,
            priority=10,
        )
    if not WebhookEndpoint.objects.filter(organisation=district).exists():
        webhook_endpoint_create(
            actor=admin,
            organisation=district,
            name="香洲区工单系统",
            url="http://127.0.0.1:9/unreachable",  # delivery is not part of the request
            events=["hotline.order_dispatched"],
        )
    client = api_client_create(
        actor=admin,
        name=f"bench-app-{time.time_ns()}",
        organisation=centre,
        roles=[Role.HOTLINE_OPERATOR],
    )
    _token, raw = api_token_create(
        actor=admin,
        client=client,
        name="bench",
        scopes=["hotline.intake", "hotline.view", "hotline.view_city"],
    )
    from django.db import connection

    with connection.cursor() as cursor:  # the storing peer's table (bench/_bare_app/models.py)
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_order (id bigserial PRIMARY KEY, "
            "channel varchar(16) NOT NULL, category varchar(16) NOT NULL, "
            "requester_name varchar(100) NOT NULL, contact_phone varchar(20) NOT NULL, "
            "content text NOT NULL, address varchar(300) NOT NULL, "
            "received_at timestamptz NOT NULL)"
        )
    return {"token": raw}


def _server_env(database_url: str, tasks_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "YIWANG_DEBUG": "0",
            "YIWANG_DATABASE_URL": database_url,
            "YIWANG_TASKS_URL": tasks_url,
            "YIWANG_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "YIWANG_SECURE_SSL_REDIRECT": "0",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        }
    )
    return env


class Client:
    """One keep-alive connection; ``post`` returns (status, seconds)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.n = 0

    def post(self, n: int) -> int:
        body = json.dumps(
            {
                "channel": "api",
                "category": "complaint",
                "requester_name": "张三",
                "contact_phone": f"138{n % 100_000_000:08d}",
                "content": CONTENTS[n % len(CONTENTS)],
                "address": "珠海市香洲区凤凰北路1号",
            },
            ensure_ascii=False,
        ).encode()
        try:
            self.conn.request("POST", PATH, body=body, headers=self.headers)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench hotline-intake", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="closed-loop phase length")
    parser.add_argument("--paced-seconds", type=float, default=20.0, help="70 %% load phase")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--load", type=float, default=0.7, help="share of our peak for latency")
    parser.add_argument(
        "--database-url", default=os.environ.get("YIWANG_BENCH_INTAKE_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--tasks-url", default=DEFAULT_TASKS)
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console(stderr=True)
    if not os.environ.get("YIWANG_SECRET_KEY"):
        import secrets

        from cryptography.fernet import Fernet

        os.environ["YIWANG_SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["YIWANG_PII_KEY"] = Fernet.generate_key().decode()
    os.environ["YIWANG_DEBUG"] = "0"
    os.environ["YIWANG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["YIWANG_SECURE_SSL_REDIRECT"] = "0"
    with console.status("database, migrations, city, token"):
        setup = prepare(args.database_url, args.tasks_url)
    from yiwang import config
    from yiwang.hotline.models import WorkOrder

    env = _server_env(args.database_url, args.tasks_url)
    servers = {
        "ours": ("yiwang.wsgi:application", env),
        "echo": ("bench._bare_app.wsgi:application", {**env, "BARE_PEER": "echo"}),
        "store": ("bench._bare_app.wsgi:application", {**env, "BARE_PEER": "store"}),
    }
    results: dict = {}
    for name, (app, server_env) in servers.items():
        port = free_port()
        with console.status(f"{name}: starting granian"):
            proc = start_server(app, port, server_env)
        try:
            first = Client(port, setup["token"]).post(0)
            if first != 201:
                raise RuntimeError(f"{name}: first request answered {first}")

            def connect(port=port):
                return Client(port, setup["token"]).post

            with console.status(f"{name}: warm-up {args.warmup:.0f} s"):
                closed_loop(connect, clients=args.clients, seconds=args.warmup)
            with console.status(f"{name}: max throughput, {args.seconds:.0f} s closed loop"):
                results[name] = closed_loop(connect, clients=args.clients, seconds=args.seconds)
            console.print(f"{name}: {results[name]}")
            # Latency of every server at the same rate: 70 % of our peak.
            rate = args.load * results["ours"]["per_second"]
            with console.status(f"{name}: {rate:.0f}/s paced for {args.paced_seconds:.0f} s"):
                results[f"{name}_paced"] = open_loop(
                    connect, clients=args.clients, rate=rate, seconds=args.paced_seconds
                )
            console.print(f"{name} at {rate:.0f}/s: {results[f'{name}_paced']}")
        finally:
            stop_server(proc)
    from huey.contrib.djhuey import HUEY

    HUEY.flush()  # the delivery tasks the bench queued (nobody consumes them here)
    ours, store, echo = results["ours"], results["store"], results["echo"]
    print(
        json.dumps(
            {
                "bench": "hotline-intake",
                "per_second": ours["per_second"],
                "peer": "bare Django view storing the request as one row (BARE_PEER=store)",
                "peer_per_second": store["per_second"],
                "speedup": round(ours["per_second"] / store["per_second"], 3),
                "echo_peer_per_second": echo["per_second"],
                "speedup_vs_echo": round(ours["per_second"] / echo["per_second"], 4),
                "p99_ms": results["ours_paced"]["p99_ms"],
                "p50_ms": results["ours_paced"]["p50_ms"],
                "paced_per_second": results["ours_paced"]["rate"],
                "peer_p99_ms": results["store_paced"]["p99_ms"],
                "echo_peer_p99_ms": results["echo_paced"]["p99_ms"],
                "errors": sum(r["errors"] for r in results.values()),
                "orders_in_db": WorkOrder.objects.count(),
                "web_workers": config.get("YIWANG_WEB_WORKERS"),
                "web_threads": config.get("YIWANG_WEB_THREADS"),
                "clients": args.clients,
                "cpus": os.cpu_count(),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "details": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
