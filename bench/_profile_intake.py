"""Profile API intake in process: query count of one ``POST /api/v1/hotline/orders`` and a
cProfile of 20 more, against the bench database that ``yiwang bench hotline-intake`` prepares.

    YIWANG_DEBUG=1 YIWANG_ALLOWED_HOSTS=127.0.0.1,testserver \
        .venv/bin/python bench/_profile_intake.py

Not a benchmark (no JSON result): a tool for finding where an intake's time goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("YIWANG_VAR_DIR", "var/profile")

import hotline_intake as bench  # same directory


def main() -> None:
    info = bench.prepare(bench.DEFAULT_DB, bench.DEFAULT_TASKS)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {info['token']}", "HTTP_HOST": "127.0.0.1"}
    base = int(time.time() * 10) % 10_000_000

    def one(n: int) -> None:
        body = {
            "channel": "api",
            "category": "complaint",
            "requester_name": "张三",
            "contact_phone": f"138{n % 100_000_000:08d}",
            "content": bench.CONTENTS[n % len(bench.CONTENTS)],
            "address": "珠海市香洲区凤凰北路1号",
        }
        data = json.dumps(body, ensure_ascii=False)
        response = client.post(bench.PATH, data, content_type="application/json", **headers)
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])

    one(base)
    with CaptureQueriesContext(connection) as queries:
        one(base + 1)
    print("queries per intake:", len(queries.captured_queries))
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    for i in range(20):
        one(base + 7 * (i + 1))
    profile.disable()
    print(f"ms per intake under the profiler: {(time.perf_counter() - started) / 20 * 1000:.1f}")
    pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        int(os.environ.get("TOP", "35"))
    )


if __name__ == "__main__":
    main()
