"""Benchmark of worktime deadlines: the precomputed engine against a day-by-day loop.

    .venv/bin/yiwang bench worktime [--items 20000] [--peer-items 2000] [--rounds 5]

Deadlines of 1–20 working days from random instants in 2010–2025 are computed by
``yiwang.worktime.facade`` (single calls and ``compute_deadlines`` batches) and by the
straightforward loop over ``chinese_calendar.is_workday`` (the peer); both must give the same
deadlines. Progress goes to stderr; the last line on stdout is one JSON object.
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


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return sorted_values[index]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench worktime", description=__doc__)
    parser.add_argument("--items", type=int, default=20_000, help="deadlines per round")
    parser.add_argument("--peer-items", type=int, default=2_000, help="deadlines for the peer")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260930)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with console.status("migrating the database and loading the calendar"):
        _setup()
        from yiwang.worktime import facade, registry
        from yiwang.worktime.engine import DeadlineRequest

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
    with Progress(console=console, transient=False) as progress:
        # One unmeasured round: creates the shared per-day results and warms the caches.
        started = time.perf_counter()
        for start, days in work:
            add(start, days)
        warmup_rate = len(work) / (time.perf_counter() - started)

        # Each round measures ours (single, batch) and a slice of the peer back to back, so
        # both sides of a ratio see the same machine state (these VMs change speed by 2x).
        task = progress.add_task("rounds: ours single + batch, peer slice", total=args.rounds)
        for peer_slice in peer_slices:
            started = time.perf_counter()
            for start, days in work:
                add(start, days)
            single_rates.append(len(work) / (time.perf_counter() - started))
            started = time.perf_counter()
            for batch in batches:
                facade.compute_deadlines(batch)
            batch_rates.append(len(requests) / (time.perf_counter() - started))
            started = time.perf_counter()
            for start, days in peer_slice:
                peer_results.append(peer_deadline(start, days))
            peer_rates.append(len(peer_slice) / (time.perf_counter() - started))
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

    ours = [add(start, days) for start, days in peer_work]
    mismatches = sum(
        1 for mine, theirs in zip(ours, peer_results, strict=True) if mine.deadline != theirs
    )
    warnings = sum(1 for start, days in work if add(start, days).warnings)
    latencies_ns.sort()
    per_second = statistics.median(single_rates)
    batch_per_second = statistics.median(batch_rates)
    peer_per_second = statistics.median(peer_rates)
    speedups = [o / p for o, p in zip(single_rates, peer_rates, strict=True)]
    batch_speedups = [o / p for o, p in zip(batch_rates, peer_rates, strict=True)]
    result = {
        "benchmark": "worktime",
        "workload": "deadlines of 1-20 working days from random UTC instants in 2010-2025",
        "items": len(work),
        "rounds": args.rounds,
        "engine_build_ms": round(build_ms, 1),
        "per_second": round(per_second),
        "rounds_per_second": [round(r) for r in single_rates],
        "warmup_per_second": round(warmup_rate),
        "us_per_deadline": round(1e6 / per_second, 3),
        "p50_ms": round(_percentile(latencies_ns, 0.50) / 1e6, 6),
        "p95_ms": round(_percentile(latencies_ns, 0.95) / 1e6, 6),
        "p99_ms": round(_percentile(latencies_ns, 0.99) / 1e6, 6),
        "batch": {
            "size": args.batch_size,
            "per_second": round(batch_per_second),
            "us_per_deadline": round(1e6 / batch_per_second, 3),
        },
        "hours_per_second": round(hours_rate),
        "peer": {
            "name": "day-by-day loop over chinese_calendar.is_workday",
            "items": len(peer_work),
            "per_second": round(peer_per_second, 1),
            "us_per_deadline": round(1e6 / peer_per_second, 1),
        },
        # median over rounds of (ours / peer) measured back to back in the same round
        "speedup": round(statistics.median(speedups), 1),
        "speedup_batch": round(statistics.median(batch_speedups), 1),
        "speedup_rounds": [round(x) for x in speedups],
        "same_deadlines": mismatches == 0,
        "mismatches": mismatches,
        "warnings": warnings,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    console.print(
        f"[bold]ours[/] {result['per_second']:,}/s single ({result['us_per_deadline']} µs), "
        f"{result['batch']['per_second']:,}/s batch; [bold]peer[/] "
        f"{result['peer']['per_second']:,}/s; speedup ×{result['speedup']:,}"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if mismatches == 0 else 1
