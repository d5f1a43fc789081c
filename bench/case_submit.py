"""Benchmark of application submissions (接件) through the API and the production server.

    .venv/bin/yiwang bench case-submit [--seconds 15] [--paced-seconds 20] [--clients 8]

``POST /api/v1/cases/applications`` as multipart with the form (JSON) and two materials — a
small PDF (~24 KB) and a JPEG (~48 KB) — filed with a bearer token by a window system on behalf
of citizens (帮办代办, ``cases.assist``): applicant lookup, form validation, both files sniffed,
hashed and stored under ``var/media``, the case number from the day's counter, the case row, two
material rows, the timeline event and the audit record in one transaction, the deadline from
worktime. Served by granian exactly as ``yiwang serve`` starts it (``--interface wsgi``,
``YIWANG_WEB_WORKERS`` / ``YIWANG_WEB_THREADS``, ``YIWANG_DEBUG=0``).

Database: PostgreSQL when ``YIWANG_DATABASE_URL`` is set (the database is created when
missing), else SQLite under ``var/bench-case-submit``. Throughput (``per_second``): closed loop
of ``--clients`` keep-alive connections for ``--seconds`` after a warm-up. Latency
(``p50_ms``/``p95_ms``/``p99_ms``): open loop at ``--load`` (70 %) of that rate for
``--paced-seconds``, each request timed from its scheduled send time (no coordinated omission).
Progress on stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import sys
import threading
import time
import uuid

from _common import (
    ROOT,
    closed_loop,
    ensure_database,
    free_port,
    open_loop,
    start_server,
    stop_server,
)

PATH = "/api/v1/cases/applications"
BASIC_CODE = "990990001000"
BENCH_PII_KEY = base64.urlsafe_b64encode(b"yiwang bench case-submit pii key").decode()


def _pdf(size: int) -> bytes:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
    filler = b"% scanned page data " * (size // 20)
    return body + filler + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _jpeg(size: int) -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + (b"\x00" * size)
        + b"\xff\xd9"
    )


PDF = _pdf(24 * 1024)
JPEG = _jpeg(48 * 1024)


def prepare(database_url: str | None) -> dict:
    """Database, organisations, a published two-material item, citizens and an API token."""
    if database_url:
        ensure_database(database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model

    from yiwang.catalog import elements as el
    from yiwang.catalog.choices import VersionStatus
    from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
    from yiwang.catalog.services.versions import implementation_code
    from yiwang.core import facade as core
    from yiwang.core.choices import AccountKind, OrgKind, Role
    from yiwang.core.models import CitizenProfile, Organisation
    from yiwang.core.seed import make_id_number
    from yiwang.core.services.accounts import staff_user_create
    from yiwang.core.services.organisations import organisation_create
    from yiwang.core.services.tokens import api_client_create, api_token_create

    def org(code, **kwargs):
        return Organisation.objects.filter(code=code).first() or organisation_create(
            actor=None, code=code, **kwargs
        )

    city = org("bc-city", name="基准市", kind=OrgKind.CITY)
    district = org("bc-xz", name="香洲区", kind=OrgKind.DISTRICT, parent=city)
    bureau = org("bc-scj", name="香洲区市场监督管理局", kind=OrgKind.DEPARTMENT, parent=district)
    User = get_user_model()
    admin = User.objects.filter(username="bc-admin").first() or staff_user_create(
        actor=None,
        username="bc-admin",
        display_name="bc-admin",
        organisation=city,
        password="Bench#2026pass",  # noqa: S106 — bench account
        roles=[Role.PLATFORM_ADMIN],
    )
    basic = BasicItem.objects.filter(code=BASIC_CODE).first()
    if basic is None:
        materials = [
            {
                "name": "申请书",
                "kind": "form",
                "form": "both",
                "required": True,
                "source": "applicant",
                "copies": 1,
            },
            {
                "name": "申请人身份证件",
                "kind": "certificate",
                "form": "both",
                "required": True,
                "source": "applicant",
                "copies": 1,
            },
        ]
        standard = {
            "legal_limit": 20,
            "legal_limit_unit": "working_day",
            "promised_limit": 5,
            "promised_limit_unit": "working_day",
            "handling_type": "promised",
            "visits": 0,
            "online": True,
            "online_depth": 4,
            "tongban": "city",
            "fee_free": True,
            "conditions": ["符合条件"],
            "materials": materials,
            "steps": [
                {"name": "受理", "role": "窗口", "days": 1},
                {"name": "审查", "role": "科室", "days": 4},
            ],
            "fees": [],
            "places": [],
            "phones": {},
            "result": {"type": "certificate", "name": "许可证"},
            "faq": [],
            "deviation_reason": "",
        }
        basic = BasicItem.objects.create(
            code=BASIC_CODE,
            name="基准测试许可",
            kind="xk",
            department="市场监督管理局",
            implementing_levels=["district"],
            basis=["《基准测试条例》"],
            audience=["person"],
            standard=standard,
        )
    item = ImplementationItem.objects.filter(basic=basic, organisation=bureau).first()
    if item is None:
        item = ImplementationItem.objects.create(
            basic=basic,
            organisation=bureau,
            code=implementation_code(basic, core.organisation_by_id(bureau.pk), ""),
        )
        version = ImplementationVersion.objects.create(
            item=item,
            number=1,
            status=VersionStatus.PUBLISHED,
            **el.clean_elements(dict(basic.standard)),
        )
        item.current = version
        item.save(update_fields=["current"])
    import random

    rng = random.Random(7)
    citizens = list(
        User.objects.filter(username__startswith="bc-citizen-").values_list("pk", flat=True)
    )
    for n in range(len(citizens), 200):
        user = User.objects.create(
            username=f"bc-citizen-{n}",
            display_name=f"市民{n}",
            kind=AccountKind.CITIZEN,
            mobile=f"138{n:08d}",
        )
        profile = CitizenProfile(user=user, real_name=f"市民{n}")
        profile.set_id_number(make_id_number(rng))
        profile.save()
        citizens.append(user.pk)
    client = api_client_create(
        actor=admin,
        name=f"bc-window-{time.time_ns()}",
        organisation=bureau,
        roles=[Role.CASE_HANDLER],
    )
    _token, raw = api_token_create(
        actor=admin, client=client, name="bench", scopes=["cases.assist", "cases.view"]
    )
    return {"token": raw, "item_id": item.pk, "citizens": citizens}


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]):
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content_type, data) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One keep-alive connection; ``post(n)`` returns the HTTP status (0 on a broken link)."""

    def __init__(self, port: int, setup: dict) -> None:
        self.port = port
        self.setup = setup
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, n: int) -> int:
        citizens = self.setup["citizens"]
        form = {"address": f"珠海市香洲区凤凰北路{n % 999 + 1}号", "purpose": "申请基准测试许可"}
        body, content_type = _multipart(
            {
                "item_id": str(self.setup["item_id"]),
                "applicant_id": str(citizens[n % len(citizens)]),
                "form": json.dumps(form, ensure_ascii=False),
            },
            {
                "M01": ("申请书.pdf", "application/pdf", PDF),
                "M02": ("身份证.jpg", "image/jpeg", JPEG),
            },
        )
        headers = {
            "Content-Type": content_type,
            "Authorization": f"Bearer {self.setup['token']}",
        }
        try:
            self.conn.request("POST", PATH, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0


def _progress(console, description: str, seconds: float, stop: threading.Event):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(description), BarColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task(description, total=seconds)
        started = time.monotonic()
        while not stop.wait(0.25):
            progress.update(task, completed=min(seconds, time.monotonic() - started))


def _with_progress(console, description: str, seconds: float, fn):
    stop = threading.Event()
    bar = threading.Thread(target=_progress, args=(console, description, seconds, stop))
    bar.start()
    try:
        return fn()
    finally:
        stop.set()
        bar.join()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench case-submit", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="closed-loop phase length")
    parser.add_argument("--paced-seconds", type=float, default=20.0, help="paced phase length")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--load", type=float, default=0.7, help="share of the peak for latency")
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console(stderr=True)
    database_url = os.environ.get("YIWANG_DATABASE_URL") or None
    if not database_url:
        os.environ.setdefault("YIWANG_VAR_DIR", str(ROOT / "var" / "bench-case-submit"))
        os.environ.setdefault("YIWANG_TASKS_URL", "sqlite:///{var}/tasks.sqlite3")
    if not os.environ.get("YIWANG_SECRET_KEY"):
        import secrets

        os.environ["YIWANG_SECRET_KEY"] = secrets.token_urlsafe(50)
        # Fixed, so the bench citizens' identity numbers encrypted by an earlier run still open.
        os.environ.setdefault("YIWANG_PII_KEY", BENCH_PII_KEY)
    os.environ["YIWANG_DEBUG"] = "0"
    os.environ["YIWANG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["YIWANG_SECURE_SSL_REDIRECT"] = "0"
    with console.status("database, migrations, item, citizens, token"):
        setup = prepare(database_url)
    from yiwang import config
    from yiwang.cases.models import Case

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src")])
    before = Case.objects.count()
    port = free_port()
    with console.status("starting granian"):
        proc = start_server("yiwang.wsgi:application", port, env)
    try:
        first = Client(port, setup).post(0)
        if first != 201:
            raise RuntimeError(f"first request answered {first}")

        def connect():
            return Client(port, setup).post

        _with_progress(
            console,
            f"warm-up {args.warmup:.0f} s",
            args.warmup,
            lambda: closed_loop(connect, clients=args.clients, seconds=args.warmup, first=1_000),
        )
        peak = _with_progress(
            console,
            f"max throughput, {args.seconds:.0f} s closed loop",
            args.seconds,
            lambda: closed_loop(connect, clients=args.clients, seconds=args.seconds, first=100_000),
        )
        console.print(f"closed loop: {peak}")
        rate = max(1.0, args.load * peak["per_second"])
        paced = _with_progress(
            console,
            f"{rate:.0f}/s paced for {args.paced_seconds:.0f} s",
            args.paced_seconds,
            lambda: open_loop(
                connect,
                clients=args.clients,
                rate=rate,
                seconds=args.paced_seconds,
                first=1_000_000,
            ),
        )
        console.print(f"paced: {paced}")
    finally:
        stop_server(proc)
    from django.db import connection

    print(
        json.dumps(
            {
                "bench": "case-submit",
                "database": connection.vendor,
                "per_second": peak["per_second"],
                "seconds": peak["seconds"],
                "p50_ms": paced["p50_ms"],
                "p95_ms": paced["p95_ms"],
                "p99_ms": paced["p99_ms"],
                "paced_per_second": paced["rate"],
                "materials_per_request": {"pdf_bytes": len(PDF), "jpeg_bytes": len(JPEG)},
                "errors": peak["errors"] + paced["errors"],
                "cases_created": Case.objects.count() - before,
                "web_workers": config.get("YIWANG_WEB_WORKERS"),
                "web_threads": config.get("YIWANG_WEB_THREADS"),
                "clients": args.clients,
                "cpus": os.cpu_count(),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "details": {"closed_loop": peak, "paced": paced},
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
