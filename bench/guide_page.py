"""Benchmark of the public service guide's pages: server time of the item guide page (target
≤ 50 ms) and of the other guide pages, measured in-process through Django's full stack
(middleware, views, queries, templates) — no network, no browser.

    YIWANG_VAR_DIR=var/bench-guide .venv/bin/yiwang bench guide-page [--rounds 300]

Uses the configured database (SQLite under ``YIWANG_VAR_DIR`` by default, or
``YIWANG_DATABASE_URL=postgres://...``), migrates it and seeds the demo city when it has no
published item yet (the 343 demo items implemented across the districts: most item pages show
a picker of 8 bodies). Each round requests, in turn, one item's guide page for a body picked
at random among all published implementations (``?at=``), the same item without a body (the
picker), its printable checklist, a filtered list page and the guide's home. ``p50_ms`` /
``p95_ms`` / ``p99_ms`` are the item guide page's wall time, ``cpu_p50_ms`` / ``cpu_p95_ms`` its
CPU time (what the page costs when other processes keep the cores busy); the others are
reported per page. Nothing
is cached by the guide (the shell's city name is, after the first request). Progress goes to
stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

from _common import latency_summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench guide-page")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20260501)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from yiwang.catalog.selectors_guide import published_implementations
    from yiwang.core.seed import run_seed

    console = Console(stderr=True)
    call_command("migrate", interactive=False, verbosity=0)
    if not published_implementations().exists():
        console.print("seeding the demo city (once)…")
        run_seed(scale="small", console=console)
    implementations = list(
        published_implementations().values_list("pk", "basic__code", "organisation__path")
    )
    rng = random.Random(args.seed)
    from django.conf import settings

    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and h[0] != "."), "")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST=host or "localhost")
    client.get("/services/")  # warm-up: imports, template compilation, the shell's city name

    timings: dict[str, list[float]] = {
        "item": [],
        "item_picker": [],
        "checklist": [],
        "list": [],
        "home": [],
    }
    cpu: dict[str, list[float]] = {name: [] for name in timings}
    queries: dict[str, int] = {}
    district_ids = sorted(
        {int(p.strip("/").split("/")[1]) for _, _, p in implementations if p.count("/") > 3}
    )
    started = time.perf_counter()
    with Progress(
        TextColumn("guide pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("rounds", total=args.rounds)
        for _ in range(args.rounds):
            pk, code, _path = rng.choice(implementations)
            urls = {
                "item": f"/services/items/{code}/?at={pk}",
                "item_picker": f"/services/items/{code}/",
                "checklist": f"/services/items/{code}/checklist/?at={pk}",
                "list": "/services/items/?online=on&district="
                + str(rng.choice(district_ids) if district_ids else ""),
                "home": "/services/",
            }
            for name, url in urls.items():
                with CaptureQueriesContext(connection) as captured:
                    t0, c0 = time.perf_counter(), time.thread_time()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - t0) * 1000
                    cpu[name].append((time.thread_time() - c0) * 1000)
                if response.status_code != 200:
                    sys.exit(f"{url} answered {response.status_code}")
                timings[name].append(elapsed)
                queries[name] = max(queries.get(name, 0), len(captured))
            progress.advance(task)
    seconds = time.perf_counter() - started
    requests = sum(len(v) for v in timings.values())
    result = {
        "benchmark": "guide-page",
        "database": connection.vendor,
        "implementations": len(implementations),
        "rounds": args.rounds,
        **latency_summary(timings["item"]),
        "target_p95_ms": 50,
        # CPU time of the request thread: the page's own cost even when other processes
        # compete for the cores (wall time then includes waiting for a core)
        "cpu_p50_ms": latency_summary(cpu["item"])["p50_ms"],
        "cpu_p95_ms": latency_summary(cpu["item"])["p95_ms"],
        "pages": {
            name: {
                **latency_summary(v),
                "cpu_p95_ms": latency_summary(cpu[name])["p95_ms"],
                "max_queries": queries[name],
            }
            for name, v in timings.items()
        },
        "seconds": round(seconds, 2),
        "per_second": round(requests / seconds, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
