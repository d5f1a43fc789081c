"""Benchmark of the operator's desk: ``dispatch_suggestions`` and ``duplicate_candidates``.

    YIWANG_VAR_DIR=var/bench-suggest .venv/bin/yiwang bench hotline-suggest [--calls 500]

Uses the configured database (migrated and seeded with the demo city when empty), trains the
city's dispatch model (cold start: closed orders + generated corpus), then times ``--calls``
calls of each function after a warm-up on varied generated texts. Progress goes to stderr; the
last line on stdout is one JSON object (milliseconds per call: p50, p95 by nearest rank, max).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

from _common import latency_summary


def _summary(values_ms: list[float]) -> dict[str, float]:
    summary = latency_summary(values_ms, digits=3)
    return {"p50": summary["p50_ms"], "p95": summary["p95_ms"], "max": summary["max_ms"]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench hotline-suggest")
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from yiwang.core.choices import OrgKind
    from yiwang.core.models import Organisation
    from yiwang.hotline import suggestions
    from yiwang.hotline.models import WorkOrder
    from yiwang.hotline.textgen import generate_requests

    call_command("migrate", interactive=False, verbosity=0)
    if not WorkOrder.objects.exists():
        from yiwang.core.seed import run_seed

        print("seeding the demo city …", file=sys.stderr)
        run_seed(scale="small", random_seed=20230714)
    city = Organisation.objects.filter(kind=OrgKind.CITY).order_by("id").first()
    started = time.perf_counter()
    summary = suggestions.retrain(city.pk)[city.pk]
    train_s = time.perf_counter() - started
    print(f"trained in {train_s:.1f} s: {summary}", file=sys.stderr)
    texts = [r.text for r in generate_requests(args.calls + 50, seed=77)]
    rng = random.Random(1)
    phones = list(WorkOrder.objects.values_list("contact_phone", flat=True)[:200]) or [""]
    addresses = list(WorkOrder.objects.values_list("address", flat=True)[:200]) or [""]
    for text in texts[:50]:  # warm-up: jieba, model load, connections
        suggestions.dispatch_suggestions(city_id=city.pk, text=text)
        suggestions.duplicate_candidates(city_id=city.pk, content=text)
    suggest_ms, dup_ms = [], []
    for text in texts[50:]:
        t0 = time.perf_counter()
        suggestions.dispatch_suggestions(city_id=city.pk, text=text, category="complaint")
        t1 = time.perf_counter()
        suggestions.duplicate_candidates(
            city_id=city.pk, phone=rng.choice(phones), address=rng.choice(addresses), content=text
        )
        t2 = time.perf_counter()
        suggest_ms.append((t1 - t0) * 1000)
        dup_ms.append((t2 - t1) * 1000)
    result = {
        "orders": WorkOrder.objects.count(),
        "calls": args.calls,
        "train_seconds": round(train_s, 2),
        "model": summary,
        "dispatch_suggestions_ms": _summary(suggest_ms),
        "duplicate_candidates_ms": _summary(dup_ms),
    }
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0
