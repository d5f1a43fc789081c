"""Benchmark of the city-scale catalogue: the seed of 6,155 item standards, the Excel workbook
both ways, and the statistics read-out over the result.

    .venv/bin/yiwang bench catalog-scale [--rounds 20] [--keep]

Runs on a fresh database: SQLite in a temporary YIWANG_VAR_DIR (removed afterwards unless
``--keep``), or the PostgreSQL database of YIWANG_DATABASE_URL (its catalogue tables must be
empty). The demo city's organisations are seeded first (not timed); then

* ``seed_seconds``: the catalogue seed step at ``--scale city`` (generation of the 6,155 items,
  the import through the validator, the implementations by city and district bodies);
* ``export_seconds`` / ``workbook_mb``: ``yiwang catalog export --output F.xlsx``;
* ``read_seconds``: ``catalog.excel.read_workbook`` alone (the workbook → the JSON document);
* ``import_seconds``: ``yiwang catalog import F.xlsx`` of that workbook (read, validated,
  compared: every item unchanged, then whatever ``catalogue_import`` does after storing, such
  as refreshing the search index); ``per_second`` is items per second of it;
* ``p50_ms``/``p95_ms``/``p99_ms``: ``catalog.stats.catalogue_stats`` for the city reviewer
  over ``--rounds`` rounds (the staff page's and the API's figures).

Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import latency_summary


def _setup(var_dir: str | None) -> None:
    if var_dir:
        os.environ["YIWANG_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench catalog-scale", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="statistics read-outs timed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite files")
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console(stderr=True)
    postgres = os.environ.get("YIWANG_DATABASE_URL", "").startswith("postgres")
    var_dir = None if postgres else tempfile.mkdtemp(prefix="yiwang-bench-catalog-")
    try:
        return _run(args, console, var_dir, postgres)
    finally:
        if var_dir and not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def _run(args, console, var_dir: str | None, postgres: bool) -> int:
    with console.status("migrating a fresh database"):
        _setup(var_dir)

    import random

    from faker import Faker
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from yiwang.catalog.models import BasicItem, ImplementationItem
    from yiwang.catalog.seed import seed_catalogue
    from yiwang.catalog.stats import catalogue_stats
    from yiwang.core.choices import Role
    from yiwang.core.facade import organisation_by_code
    from yiwang.core.seed import SCALES, SeedContext, seed_organisations
    from yiwang.core.services.accounts import staff_user_create

    if BasicItem.objects.exists():
        sys.exit("bench catalog-scale needs an empty catalogue (a fresh database)")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        ctx = SeedContext(
            scale="city",
            rng=random.Random(20230714),
            faker=Faker("zh_CN"),
            progress=progress,
            params=SCALES["city"],
        )
        seed_organisations(ctx)
        started = time.perf_counter()
        seed_catalogue(ctx)
        seed_seconds = time.perf_counter() - started
    basic_items = BasicItem.objects.count()
    implementations = ImplementationItem.objects.count()

    from yiwang.cli import main as yiwang_main

    workbook = Path(tempfile.mkdtemp(prefix="yiwang-bench-xlsx-")) / "catalogue.xlsx"
    with console.status("exporting the workbook"):
        started = time.perf_counter()
        assert yiwang_main(["catalog", "export", "--output", str(workbook)]) == 0
        export_seconds = time.perf_counter() - started
    from yiwang.catalog.excel import read_workbook

    with console.status("reading the workbook"):
        started = time.perf_counter()
        document, _where = read_workbook(str(workbook))
        read_seconds = time.perf_counter() - started
    assert len(document["items"]) == basic_items
    with console.status("importing the workbook"):
        started = time.perf_counter()
        assert yiwang_main(["catalog", "import", str(workbook)]) == 0
        import_seconds = time.perf_counter() - started
    workbook_mb = workbook.stat().st_size / 1e6
    shutil.rmtree(workbook.parent, ignore_errors=True)

    city = organisation_by_code("zh")
    from yiwang.core.models import Organisation

    reviewer = staff_user_create(
        actor=None,
        username="bench-reviewer",
        display_name="基准审核员",
        organisation=Organisation.objects.get(pk=city.id),
        password="Bench#2026pass",  # noqa: S106 — throwaway account of a throwaway database
        roles=[Role.SERVICE_REVIEWER],
    )
    figures = catalogue_stats(actor=reviewer)
    latencies = []
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("statistics read-outs", total=args.rounds)
        for _ in range(args.rounds):
            started = time.perf_counter()
            catalogue_stats(actor=reviewer)
            latencies.append((time.perf_counter() - started) * 1000)
            progress.advance(task)
    total = figures["total"]
    result = {
        "database": "postgresql" if postgres else "sqlite",
        "basic_items": basic_items,
        "implementations": implementations,
        "seed_seconds": round(seed_seconds, 2),
        "export_seconds": round(export_seconds, 2),
        "read_seconds": round(read_seconds, 2),
        "import_seconds": round(import_seconds, 2),
        "workbook_mb": round(workbook_mb, 2),
        "seconds": round(seed_seconds + export_seconds + import_seconds, 2),
        "per_second": round(basic_items / import_seconds, 1),
        **latency_summary(latencies),
        "published_implementations": total["items"],
        "online_rate": total["online_rate"],
        "zero_visit_rate": total["zero_visit_rate"],
        "limit_compression": total["limit_compression"],
        "immediate_rate": total["immediate_rate"],
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
