"""What the bench scripts share: one percentile rule, the latency summary of their JSON, the
concurrent HTTP load loops, the production server and the bench databases.

Not a benchmark itself: ``yiwang bench`` lists and runs only the scripts whose name does not
start with ``_`` (``cli._bench_names``) and puts this directory on ``sys.path`` before it loads
one, so a script imports ``from _common import ...``, run through ``yiwang bench NAME`` or as
``python bench/NAME.py`` alike.

Percentiles: the **nearest-rank** rule — the ``q`` percentile of ``n`` values is the value at
rank ``ceil(q × n)`` (1-based) of the sorted values: an observed value (never interpolated),
with at least a share ``q`` of the values at or below it. The p95 of 20 values is the 19th,
the p99 of 1,000 the 990th, the p50 of 4 the 2nd.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ROOT",
    "closed_loop",
    "ensure_database",
    "free_port",
    "latency_summary",
    "loadavg",
    "open_loop",
    "percentile",
    "start_server",
    "stop_server",
]

#: ``connect()`` gives one client's ``send(n) -> HTTP status`` (0 when the connection broke)
Connect = Callable[[], Callable[[int], int]]


def percentile(values: Iterable[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < ``q`` ≤ 1; 0 gives the smallest) of ``values``,
    sorted or not; ``nan`` when there are none (a phase where every request failed)."""
    if not 0 <= q <= 1:
        raise ValueError(f"percentile: q must be between 0 and 1, not {q!r}")
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    # the tolerance keeps 0.07 × 100 = 7.000000000000001 at rank 7
    rank = max(1, math.ceil(q * len(ordered) - 1e-9))
    return ordered[rank - 1]


def latency_summary(values_ms: Iterable[float], *, digits: int = 2) -> dict[str, float]:
    """``p50_ms``, ``p95_ms``, ``p99_ms`` (nearest rank) and ``max_ms`` of latencies in
    milliseconds, rounded to ``digits``; ``nan`` each when there are none."""
    ordered = sorted(values_ms)
    summary = {f"p{q}_ms": percentile(ordered, q / 100) for q in (50, 95, 99)}
    summary["max_ms"] = ordered[-1] if ordered else float("nan")
    return {key: round(value, digits) for key, value in summary.items()}


# --- concurrent HTTP load --------------------------------------------------------------------


def closed_loop(
    connect: Connect, *, clients: int, seconds: float, first: int = 0, ok: int = 201
) -> dict:
    """Maximum throughput: ``clients`` threads, each with its own ``connect()``, send request
    ``n`` (``first``, ``first + 1`` … shared between them) as soon as their last one is
    answered, for ``seconds``. ``per_second`` counts the answers with status ``ok``."""
    counter = iter(range(first, first + 10**12))
    lock = threading.Lock()
    stats: dict = {"ok": 0, "errors": 0, "statuses": {}}
    stop_at = time.monotonic() + seconds

    def run() -> None:
        send = connect()
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter)
            status = send(n)
            with lock:
                if status == ok:
                    stats["ok"] += 1
                else:
                    stats["errors"] += 1
                    stats["statuses"][status] = stats["statuses"].get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "per_second": round(stats["ok"] / elapsed, 1),
        "requests": stats["ok"],
        "errors": stats["errors"],
        "error_statuses": stats["statuses"],
        "seconds": round(elapsed, 2),
    }


def open_loop(
    connect: Connect,
    *,
    clients: int,
    rate: float,
    seconds: float,
    first: int = 0,
    ok: int = 201,
) -> dict:
    """Latency at a given load: ``rate × seconds`` requests, request ``k`` scheduled at
    ``k / rate`` seconds after the start and sent by the next free one of ``clients`` threads;
    its latency counts from its scheduled time, so a slow server is not let off by a client
    that waited (no coordinated omission). Request ``k`` is ``send(first + k)``."""
    total = max(1, int(rate * seconds))
    start = time.monotonic() + 0.2
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def run() -> None:
        send = connect()
        while True:
            with lock:
                k = next(counter, None)
            if k is None:
                break
            due = start + k / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status = send(first + k)
            with lock:
                latencies.append((time.monotonic() - due) * 1000)
                errors[0] += status != ok

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(1e-9, time.monotonic() - start)
    return {
        "rate": round(rate, 1),
        "achieved_per_second": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": round(elapsed, 2),
        **latency_summary(latencies, digits=1),
    }


# --- the production server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app: str, port: int, env: dict) -> subprocess.Popen:
    """granian serving ``app`` with the flags of ``yiwang serve`` (``cli._serve``); returns
    once the port accepts connections."""
    from yiwang import config

    threads = config.get("YIWANG_WEB_THREADS")
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(config.get("YIWANG_WEB_WORKERS")),
        "--blocking-threads",
        str(threads),
        "--backpressure",
        str(4 * threads),
        "--no-ws",
        "--log-level",
        "warning",
        app,
    ]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited with {proc.returncode}") from None
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{app} did not start")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- bench databases -------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """``CREATE DATABASE`` for a PostgreSQL URL when the database is missing (connects to the
    server's ``postgres`` database)."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def loadavg() -> dict[str, float]:
    """The 1-, 5- and 15-minute load averages: how busy the box was while a bench ran."""
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}
