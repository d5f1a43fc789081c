"""bench/_common.py, shared by the bench scripts: the nearest-rank percentile, the latency
summary, the closed and open load loops against a real local HTTP server; ``yiwang bench``
loads every script with it and does not list it as a bench."""

from __future__ import annotations

import argparse
import http.client
import math
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from yiwang import cli

# bench/ is not a package: like `yiwang bench`, put it on the path
sys.path.insert(0, str(cli.BENCH_DIR))
import _common

# --- percentiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, q, expected",
    [
        (range(1, 21), 0.95, 19),  # ceil(0.95 × 20) = 19th
        (range(1, 1001), 0.99, 990),
        (range(1, 1001), 0.95, 950),
        ([4, 1, 3, 2], 0.5, 2),  # unsorted input; ceil(0.5 × 4) = 2nd
        ([1, 2, 3], 0.5, 2),
        (range(1, 101), 0.07, 7),  # 0.07 × 100 is 7.000000000000001 in floating point
        ([5.0], 0.99, 5.0),
        ([3, 1, 2], 0, 1),  # 0: the smallest
        ([3, 1, 2], 1, 3),  # 1: the largest
    ],
)
def test_percentile_is_the_nearest_rank(values, q, expected):
    assert _common.percentile(values, q) == expected


def test_percentile_of_nothing_is_nan_and_q_must_be_a_share():
    assert math.isnan(_common.percentile([], 0.5))
    for q in (-0.1, 1.5, 95):
        with pytest.raises(ValueError, match="between 0 and 1"):
            _common.percentile([1, 2], q)


def test_latency_summary_keys_and_rounding():
    summary = _common.latency_summary([i + 0.123456 for i in range(1, 101)], digits=3)
    assert summary == {"p50_ms": 50.123, "p95_ms": 95.123, "p99_ms": 99.123, "max_ms": 100.123}
    assert all(math.isnan(v) for v in _common.latency_summary([]).values())


# --- load loops against a real server ---------------------------------------------------------


@pytest.fixture
def server():
    """An HTTP server answering 201, or 503 to a request number divisible by 5."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.path.rsplit("/", 1)[-1])
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(503 if n % 5 == 0 else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _connect(port: int):
    def connect():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        sent: list[int] = []

        def send(n: int) -> int:
            sent.append(n)
            conn.request("POST", f"/orders/{n}", body=b"{}")
            response = conn.getresponse()
            response.read()
            return response.status

        return send

    return connect


def test_closed_loop_counts_answers_and_errors_by_status(server):
    result = _common.closed_loop(_connect(server), clients=2, seconds=0.5, first=1)
    assert result["requests"] > 0 and result["errors"] > 0
    assert set(result["error_statuses"]) == {503}
    assert result["per_second"] == pytest.approx(result["requests"] / result["seconds"], rel=0.05)


def test_open_loop_sends_the_scheduled_requests_and_summarises_their_latency(server):
    result = _common.open_loop(_connect(server), clients=2, rate=40, seconds=0.5, first=1)
    assert result["requests"] == 20 and result["rate"] == 40
    assert result["errors"] == 4  # requests 5, 10, 15 and 20 of 1…20
    assert {"p50_ms", "p95_ms", "p99_ms", "max_ms"} <= set(result)
    assert 0 <= result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]


# --- yiwang bench -----------------------------------------------------------------------------


def test_the_helpers_are_not_a_bench():
    names = cli._bench_names()
    assert "catalog-search" in names and "hotline-intake" in names
    assert not any(name.startswith("_") or "common" in name for name in names)
    with pytest.raises(SystemExit, match="unknown benchmark '_common'"):
        cli.cmd_bench(argparse.Namespace(name="_common"), [])


@pytest.mark.parametrize("name", ["catalog-search", "hotline-intake", "case-submit", "worktime"])
def test_yiwang_bench_loads_a_script_that_imports_the_helpers(name, tmp_path):
    # a fresh interpreter outside the project, without bench/ on its path: cli must add it
    code = (
        "import argparse; from yiwang.cli import cmd_bench; "
        f"cmd_bench(argparse.Namespace(name={name!r}), ['--help'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: yiwang bench {name}")
