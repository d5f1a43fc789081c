"""Benchmark of worktime deadlines: the precomputed engine against a day-by-day loop.

    .venv/bin/yiwang bench worktime [--items 20000] [--peer-items 2000] [--rounds 5]
                                    [--batch-size 10000] [--api-items 10000] [--api-calls 5]

Deadlines of 1–20 working days from random instants in 2010–2025 are computed by
``yiwang.worktime.facade`` (``compute_deadlines`` batches and single ``add_working_days`` calls)
and by the straightforward loop over ``chinese_calendar.is_workday`` (the peer); all must give
the same deadlines. ``speedup`` is the throughput ratio of the batch path to the peer (the
headline "deadlines per second" figure); ``speedup_single`` and the p50/p95/p99 latencies
describe single calls. Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from zoneinfo import ZoneInfo

from _common import latency_summary

SH = ZoneInfo("Asia/Shanghai")
CLOSE = dt.time(17, 30)


def peer_deadline(start: dt.datetime, days: int) -> dt.datetime:
    """The straightforward way: walk calendar days, asking chinese_calendar about each."""
    import chinese_calendar

    day = start.astimezone(SH).date()
    found = 0
    while found < days:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            found += 1
    return dt.datetime.combine(day, CLOSE, SH)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _workload(count: int, seed: int) -> list[tuple[dt.datetime, int]]:
    rng = random.Random(seed)
    lo = dt.datetime(2010, 1, 1, tzinfo=SH).timestamp()
    hi = dt.datetime(2026, 1, 1, tzinfo=SH).timestamp()
    # UTC instants, as they come out of the database
    return [
        (dt.datetime.fromtimestamp(rng.uniform(lo, hi), tz=dt.UTC), rng.randint(1, 20))
        for _ in range(count)
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench worktime", description=__doc__)
    parser.add_argument("--items", type=int, default=20_000, help="deadlines per round")
    parser.add_argument("--peer-items", type=int, default=2_000, help="deadlines for the peer")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260930)
    parser.add_argument("--api-items", type=int, default=10_000, help="items per API call")
    parser.add_argument("--api-calls", type=int, default=5, help="measured API calls per kind")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with console.status("migrating the database and loading the calendar"):
        _setup()
        from yiwang.worktime import facade, registry
        from yiwang.worktime.engine import DeadlineRequest

        started = time.perf_counter()
        import numpy  # the engine imports it at its first build; timed apart from the build

        numpy_import_ms = (time.perf_counter() - started) * 1000
        registry.invalidate()
        started = time.perf_counter()
        registry.get_engine(facade.NATIONAL)
        build_ms = (time.perf_counter() - started) * 1000

    work = _workload(args.items, args.seed)
    add = facade.add_working_days
    requests = [DeadlineRequest(start, working_days=days) for start, days in work]
    batches = [requests[i : i + args.batch_size] for i in range(0, len(requests), args.batch_size)]
    peer_work = work[: args.peer_items]
    slice_size = -(-len(peer_work) // args.rounds)
    peer_slices = [peer_work[i : i + slice_size] for i in range(0, len(peer_work), slice_size)]
    single_rates: list[float] = []
    batch_rates: list[float] = []
    peer_rates: list[float] = []
    peer_results: list[dt.datetime] = []
    latencies_ns: list[int] = []
    compute = facade.compute_deadlines

    def batch_pass() -> float:
        started = time.perf_counter()
        for batch in batches:
            compute(batch)
        return time.perf_counter() - started

    with Progress(console=console, transient=False) as progress:
        # One unmeasured round: creates the shared per-day results and warms the caches.
        started = time.perf_counter()
        for start, days in work:
            add(start, days)
        warmup_rate = len(work) / (time.perf_counter() - started)
        batch_pass()

        # Each round measures ours (single, batch) and a slice of the peer back to back, so
        # both sides of a ratio see the same machine state (these VMs change speed by 2x). The
        # batch pass, a few milliseconds only, runs just before and just after the peer slice
        # and counts both: a ratio is not skewed by a speed change during the slice.
        task = progress.add_task("rounds: ours single + batch, peer slice", total=args.rounds)
        for peer_slice in peer_slices:
            started = time.perf_counter()
            for start, days in work:
                add(start, days)
            single_rates.append(len(work) / (time.perf_counter() - started))
            batch_seconds = batch_pass()
            started = time.perf_counter()
            for start, days in peer_slice:
                peer_results.append(peer_deadline(start, days))
            peer_rates.append(len(peer_slice) / (time.perf_counter() - started))
            batch_seconds += batch_pass()
            batch_rates.append(2 * len(requests) / batch_seconds)
            progress.advance(task)

        task = progress.add_task("ours: latency of single calls", total=len(work))
        clock = time.perf_counter_ns
        for n, (start, days) in enumerate(work):
            t0 = clock()
            add(start, days)
            latencies_ns.append(clock() - t0)
            if n % 1000 == 999:
                progress.advance(task, 1000)
        progress.update(task, completed=len(work))

        hours_work = [(start, days / 2) for start, days in work]
        add_hours = facade.add_working_hours
        started = time.perf_counter()
        for start, hours in hours_work:
            add_hours(start, hours)
        hours_rate = len(hours_work) / (time.perf_counter() - started)

    with console.status("ours: POST /api/v1/worktime/deadlines through the Django test client"):
        api = _api_figures(work, args.api_items, args.api_calls)

    # Every result is checked: batch and single against the peer for the peer's items, and
    # batch against single for all items.
    singles = [add(start, days) for start, days in work]
    batched = [result for batch in batches for result in compute(batch)]
    mismatches = sum(
        1 for mine, theirs in zip(singles, peer_results, strict=False) if mine.deadline != theirs
    )
    batch_mismatches = sum(
        1 for mine, theirs in zip(batched, peer_results, strict=False) if mine.deadline != theirs
    )
    batch_single_mismatches = sum(1 for b, s in zip(batched, singles, strict=True) if b != s)
    warnings = sum(1 for result in singles if result.warnings)
    single_per_second = statistics.median(single_rates)
    batch_per_second = statistics.median(batch_rates)
    peer_per_second = statistics.median(peer_rates)
    single_speedups = [o / p for o, p in zip(single_rates, peer_rates, strict=True)]
    batch_speedups = [o / p for o, p in zip(batch_rates, peer_rates, strict=True)]
    same = mismatches == 0 and batch_mismatches == 0 and batch_single_mismatches == 0
    result = {
        "benchmark": "worktime",
        "workload": "deadlines of 1-20 working days from random UTC instants in 2010-2025",
        "items": len(work),
        "rounds": args.rounds,
        "engine_build_ms": round(build_ms, 1),
        "numpy_import_ms": round(numpy_import_ms, 1),
        # headline: throughput of compute_deadlines (batches of --batch-size)
        "per_second": round(batch_per_second),
        "us_per_deadline": round(1e6 / batch_per_second, 3),
        "batch": {
            "size": args.batch_size,
            "per_second": round(batch_per_second),
            "us_per_deadline": round(1e6 / batch_per_second, 3),
            "ms_per_call": round(args.batch_size / batch_per_second * 1000, 3),
            "rounds_per_second": [round(r) for r in batch_rates],
        },
        "single": {
            "per_second": round(single_per_second),
            "us_per_deadline": round(1e6 / single_per_second, 3),
            "rounds_per_second": [round(r) for r in single_rates],
            "warmup_per_second": round(warmup_rate),
            **latency_summary((ns / 1e6 for ns in latencies_ns), digits=6),
        },
        "hours_per_second": round(hours_rate),
        "api": api,
        "peer": {
            "name": "day-by-day loop over chinese_calendar.is_workday",
            "items": len(peer_work),
            "per_second": round(peer_per_second, 1),
            "us_per_deadline": round(1e6 / peer_per_second, 1),
        },
        # medians over rounds of (ours / peer) measured back to back in the same round
        "speedup": round(statistics.median(batch_speedups), 1),
        "speedup_rounds": [round(x) for x in batch_speedups],
        "speedup_single": round(statistics.median(single_speedups), 1),
        "speedup_single_rounds": [round(x) for x in single_speedups],
        "target": {"speedup": 1000, "single_us": 5},
        "same_deadlines": same,
        "mismatches": mismatches,
        "batch_mismatches": batch_mismatches,
        "batch_single_mismatches": batch_single_mismatches,
        "warnings": warnings,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    console.print(
        f"[bold]ours[/] {result['per_second']:,}/s batch ({result['us_per_deadline']} µs), "
        f"{result['single']['per_second']:,}/s single ({result['single']['us_per_deadline']} µs);"
        f" [bold]peer[/] {result['peer']['per_second']:,}/s; speedup batch "
        f"×{result['speedup']:,}, single ×{result['speedup_single']:,}"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if same else 1


def _api_figures(work: list[tuple[dt.datetime, int]], items: int, calls: int) -> dict:
    """Per-item cost of the bulk API (JSON in, validation, computation, JSON out), in process.

    Two bodies of ``items`` deadlines as a client sends them (ISO strings with +08:00): whole
    days only, and mixed (every third item in working hours). The median of ``calls`` calls.
    """
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    url = "/api/v1/worktime/deadlines"
    work = (work * (-(-items // len(work))))[:items]
    bodies = {}
    for kind in ("days", "mixed"):
        payload = []
        for n, (start, days) in enumerate(work):
            item: dict = {"start": start.astimezone(SH).isoformat(timespec="seconds")}
            if kind == "mixed" and n % 3 == 0:
                item["working_hours"] = days / 2
            else:
                item["working_days"] = days
            payload.append(item)
        bodies[kind] = json.dumps({"items": payload})
    setup_test_environment()
    try:
        client = Client()
        figures: dict = {"items": items, "calls": calls, "client": "django.test.Client"}
        for kind, body in bodies.items():
            response = client.post(url, data=body, content_type="application/json")  # warm-up
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code} {response.content[:200]}")
            seconds = []
            for _ in range(calls):
                started = time.perf_counter()
                client.post(url, data=body, content_type="application/json")
                seconds.append(time.perf_counter() - started)
            median = statistics.median(seconds)
            figures[kind] = {
                "ms_per_call": round(median * 1000, 1),
                "us_per_item": round(median / items * 1e6, 2),
            }
        return figures
    finally:
        teardown_test_environment()
