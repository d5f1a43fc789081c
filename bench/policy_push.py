"""Benchmark of the precise push's enqueue phase (issue 5): one published item matching
N = 100,000 enterprises; the time from ``push_start`` to every ``Push`` row written and every
throttled send batch queued (target ≤ 10 s on the 2-core box, SQLite and PostgreSQL).

    .venv/bin/yiwang bench policy-push [--enterprises 100000] [--reuse]
    YIWANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_pushbench \\
      .venv/bin/yiwang bench policy-push

The registry of the bench city is written by ``policy_match``'s loader (reused: the same city,
the same seeded random profiles, one ``executemany`` per table); ``--reuse`` keeps it when it
has the right size. The item's rule (``district in`` the city's five districts) matches every
enterprise of the city. A worker's matcher is warm in a running system (built once per
process, then kept fresh by the registry's change feed), so the engine's snapshot is built
before the clock starts; its build time is reported on its own (``snapshot_build_seconds``).

Timed: ``push_start`` (the job, audited, its task queued after the commit) and the task body
``push_job_run`` in this process — match, dedup against the item's earlier pushes, 100,000
pushes written in chunks of 10,000, the batches of 500 queued with their delays
(``YIWANG_POLICY_PUSH_PER_MINUTE``) in the configured Huey storage. Nothing is sent: the queue
is flushed afterwards. Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from _common import ensure_database, loadavg

RULE = 'district in ("香洲区", "斗门区", "金湾区", "横琴粤澳深度合作区", "高新区")'


def _department(city):
    from yiwang.core.choices import OrgKind
    from yiwang.core.models import Organisation
    from yiwang.core.services.organisations import organisation_create

    dept = Organisation.objects.filter(code="bench-policy-push-dept").first()
    if dept is None:
        dept = organisation_create(
            actor=None,
            name="基准市科技创新局",
            kind=OrgKind.DEPARTMENT,
            code="bench-policy-push-dept",
            parent=city,
        )
    return dept


def _published_item(dept):
    """A new published document and item of the bench department (a fresh item per run: its
    pushes start from none). The push its publication starts is stopped at once."""
    import datetime as dt

    from django.utils import timezone

    from yiwang.policy import services
    from yiwang.policy.models import PolicyDocument
    from yiwang.policy.services.push import push_stop

    today = timezone.localdate()
    serial = PolicyDocument.objects.filter(organisation_id=dept.pk).count() + 1
    document = services.document_create(
        actor=None,
        data={
            "title": f"基准市惠企政策推送测试办法（第{serial}版）",
            "organisation_id": dept.pk,
            "document_number": f"基科〔{today.year}〕{serial}号",
            "issue_date": today,
            "effective_from": today,
            "effective_to": today + dt.timedelta(days=365),
        },
    )
    services.document_publish(actor=None, document_id=document.pk)
    item = services.item_create(
        actor=None,
        document_id=document.pk,
        data={"title": "基准企业普惠奖励", "kind": "subsidy", "benefit": "每家企业奖励1万元。"},
        rule_text=RULE,
    )
    services.item_publish(actor=None, item_id=item.pk)  # its publication push starts …
    push_stop(item_id=item.pk, reason="bench")  # … and is stopped: the bench times its own
    return item


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench policy-push")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--reuse", action="store_true", help="keep the registry if it is there")
    args = parser.parse_args(argv)

    os.environ.setdefault("YIWANG_VAR_DIR", "var/bench-policy-push")
    url = os.environ.get("YIWANG_DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from huey.contrib.djhuey import HUEY
    from policy_match import _bench_city, _load
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from yiwang.policy.choices import PushJobStatus, PushStatus
    from yiwang.policy.matching import matcher_for
    from yiwang.policy.models import PolicyItem, Push, PushJob
    from yiwang.policy.services.push import BATCH_SIZE, push_job_run, push_start
    from yiwang.registry.models import Enterprise

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    call_command("migrate", interactive=False, verbosity=0)
    city = _bench_city()
    existing = Enterprise.objects.filter(city=city).count()
    dept = _department(city)
    # by item ids: a join in the DELETE's subquery, planned on statistics taken before the
    # last run wrote its 100,000 pushes, took minutes on PostgreSQL
    earlier = list(
        PolicyItem.objects.filter(document__organisation=dept).values_list("pk", flat=True)
    )
    dropped = Push.objects.filter(item_id__in=earlier).delete()[0]
    PushJob.objects.filter(item_id__in=earlier).delete()
    if existing != args.enterprises or not args.reuse:
        Enterprise.objects.filter(city=city).delete()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("writing the registry", total=args.enterprises)
            _load(city, args.enterprises, args.seed, lambda n: progress.advance(task, n))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    if dropped:
        console.print(f"removed {dropped} pushes of earlier runs")

    console.print("building the engine's snapshot (a worker's matcher is warm)…")
    began = time.perf_counter()
    matcher_for(city.pk).rebuild()
    build_seconds = time.perf_counter() - began
    item = _published_item(dept)
    HUEY.flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE policy_push")

    with Progress(*columns, console=console) as progress:
        task = progress.add_task("writing the pushes", total=args.enterprises)
        began = time.perf_counter()
        job = push_start(actor=None, item_id=item.pk, trigger="manual")
        job = push_job_run(
            job_id=job.pk,
            progress=lambda j: progress.update(task, completed=j.created_pushes),
        )
        seconds = time.perf_counter() - began
        progress.update(task, completed=job.created_pushes)

    pushes = Push.objects.filter(item=item).count()
    pending = Push.objects.filter(item=item, status=PushStatus.PENDING).count()
    batches = -(-pending // BATCH_SIZE)
    queued, scheduled = HUEY.pending_count(), HUEY.scheduled_count()
    ok = (
        job.status == PushJobStatus.RUNNING
        and pushes == job.matched == args.enterprises
        and queued + scheduled >= batches
    )
    HUEY.flush()  # no worker sends 100,000 notices of a bench
    result = {
        "bench": "policy-push",
        "database": connection.vendor,
        "tasks": settings.HUEY["huey_class"],
        "enterprises": args.enterprises,
        "pushes": pushes,
        "seconds": round(seconds, 2),
        "per_second": round(pushes / seconds) if seconds else None,
        "target_seconds": 10.0,
        "batches_queued": queued + scheduled,
        "batch_size": BATCH_SIZE,
        "job_status": job.status,
        "snapshot_build_seconds": round(build_seconds, 2),
        "loadavg": loadavg(),
        "ok": ok,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
