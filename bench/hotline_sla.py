"""Benchmark of the SLA sweep over a million open work orders on PostgreSQL.

    .venv/bin/yiwang bench hotline-sla [--orders 1000000] [--due-permille 1]
        [--database-url postgres://postgres@127.0.0.1:5432/yiwang_bench_sla] [--reuse]

Creates the bench database when missing and migrates it, seeds a small city (centre, 20 units
with handlers and leaders), then writes ``--orders`` open orders with one set-based
``INSERT ... SELECT generate_series`` (statuses dispatched / signed / in progress / returned /
paused / closed over the last four weeks; ``sla_check_at`` in the coming days for almost all,
``--due-permille`` ‰ due now, a third each reaching yellow, red and overdue, the red and overdue
ones with their yellow alert already recorded). It then times the real ``sla_sweep`` at a fixed
working instant (Thursday 2026-11-26 10:00 Beijing time): ``seconds`` with orders examined,
alerts raised and the notification rows the sweep stored (inbox messages and audit entries).
A second sweep at the same instant shows the idempotent re-run. Progress goes to stderr; the
last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from zoneinfo import ZoneInfo

from _common import ensure_database

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SH)  # a Thursday, office hours
UNITS = 20
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang_bench_sla"


def setup_django(url: str) -> None:
    os.environ["YIWANG_DATABASE_URL"] = url
    os.environ.setdefault("YIWANG_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def seed_city() -> dict:
    """A city with the 12345 centre and ``UNITS`` departments, each with 2 handlers and a
    leader (idempotent). Returns ids."""
    from django.contrib.auth import get_user_model

    from yiwang.core.choices import OrgKind, Role
    from yiwang.core.models import Organisation as org_model
    from yiwang.core.services.accounts import staff_user_create
    from yiwang.core.services.organisations import organisation_create

    user_model = get_user_model()

    def org(code, **kwargs):
        found = org_model.objects.filter(code=code).first()
        return found or organisation_create(actor=None, code=code, **kwargs)

    def user(username, organisation, role):
        if not user_model.objects.filter(username=username).exists():
            staff_user_create(
                actor=None,
                username=username,
                display_name=username,
                organisation=organisation,
                password="Bench#2026pass",  # noqa: S106 — bench accounts
                roles=[role],
            )

    city = org("bench-city", name="基准市", kind=OrgKind.CITY)
    centre = org("bench-12345", name="基准市12345热线中心", kind=OrgKind.DEPARTMENT, parent=city)
    for n in range(3):
        user(f"bench-op{n}", centre, Role.HOTLINE_OPERATOR)
    units = []
    for n in range(UNITS):
        unit = org(f"bench-u{n}", name=f"基准市第{n}局", kind=OrgKind.DEPARTMENT, parent=city)
        units.append(unit.pk)
        user(f"bench-h{n}a", unit, Role.CASE_HANDLER)
        user(f"bench-h{n}b", unit, Role.CASE_HANDLER)
        user(f"bench-l{n}", unit, Role.LEADER)
    return {"city": city.pk, "units": units}


def insert_orders(count: int, due_permille: int, city_id: int, units: list[int]) -> None:
    """One set-based INSERT of ``count`` open orders (and the alerts already recorded)."""
    from django.db import connection

    from yiwang.hotline.models import SlaPolicy, WorkOrder

    policy = SlaPolicy.objects.filter(lane="general", category="complaint", active=True).first()
    g = "g"
    due = f"({g} % 1000) < {due_permille}"
    kind = f"({g} / 1000) % 3"  # due orders: 0 yellow, 1 red, 2 overdue (sign clock)
    age = f"(({g} * 7919) % (28 * 86400))"  # received up to 4 weeks ago
    status = (
        f"CASE WHEN {due} THEN 'dispatched' ELSE (ARRAY['dispatched','signed','in_progress',"
        f"'in_progress','in_progress','in_progress','return_requested','paused','closed',"
        f"'in_progress'])[1 + {g} % 10] END"
    )
    expr = {
        "number": f"'BN' || lpad({g}::text, 10, '0')",
        "city_id": str(city_id),
        "channel": "'phone'",
        "category": "'complaint'",
        "lane": "'general'",
        "status": status,
        "requester_kind": "'citizen'",
        "requester_name": "'张三'",
        "contact_phone": "'13800138000'",
        "title": "'基准工单'",
        "content": "'香洲区凤凰北路超市出售过期食品，请查处。'",
        # (g / 1000 + g): the due orders (g = k × 1000) spread over the units as well
        "lead_unit_id": f"(ARRAY{units})[1 + ({g} / 1000 + {g}) % {len(units)}]",
        "sla_policy_id": str(policy.pk),
        "received_at": f"CASE WHEN {due} THEN %(now)s - interval '2 hours' "
        f"ELSE %(now)s - make_interval(secs => {age}) END",
        "dispatched_at": f"CASE WHEN {due} THEN %(now)s - interval '95 minutes' "
        f"ELSE %(now)s - make_interval(secs => {age}) + interval '10 minutes' END",
        # due: 1.5 of the 2 office hours used at 10:00 (yellow), 1.5 of 1.67 (red), overdue
        "sign_deadline": f"CASE WHEN {due} THEN %(now)s + (ARRAY[interval '30 minutes', "
        f"interval '10 minutes', interval '-5 minutes'])[1 + {kind}] "
        f"ELSE %(now)s - make_interval(secs => {age}) + interval '2 hours' END",
        "reply_deadline": f"CASE WHEN {due} THEN %(now)s + interval '10 days' "
        f"ELSE %(now)s - make_interval(secs => {age}) + interval '12 days' END",
        "signed_at": f"CASE WHEN {due} THEN NULL "
        f"ELSE %(now)s - make_interval(secs => {age}) + interval '1 hour' END",
        "closed_at": f"CASE WHEN {g} % 10 = 8 THEN %(now)s - interval '1 hour' END",
        "callback_deadline": f"CASE WHEN {g} % 10 = 8 THEN %(now)s + interval '2 days' END",
        "paused_at": f"CASE WHEN {g} % 10 = 7 AND NOT {due} THEN %(now)s - interval '1 day' END",
        "held_status": f"CASE WHEN {g} % 10 = 7 AND NOT {due} THEN 'in_progress' ELSE '' END",
        # not due: next level somewhere in the coming three days
        "sla_check_at": f"CASE WHEN {g} % 10 = 7 AND NOT {due} THEN NULL WHEN {due} "
        f"THEN %(now)s - make_interval(secs => {g} % 300) "
        f"ELSE %(now)s + make_interval(secs => 60 + ({g} * 104729) % (3 * 86400)) END",
        "updated_at": "%(now)s",
    }
    columns, values, params = [], [], {"now": NOW}
    for field in WorkOrder._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in expr:
            values.append(expr[field.column])
        elif field.null:
            values.append("NULL")
        else:
            key = f"d_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    # column names and expressions are ours; values are parameters
    sql = (
        f"INSERT INTO {WorkOrder._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM generate_series(1::bigint, {int(count)}) AS {g}"
    )
    sql = sql.replace(" % ", " %% ")  # modulo, not a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # the red and overdue ones were already notified at yellow by an earlier sweep
        cursor.execute(
            "INSERT INTO hotline_slaalert (order_id, clock, level, deadline, notified, created_at)"
            " SELECT id, 'sign', 'yellow', sign_deadline, true, %(now)s FROM hotline_workorder"
            " WHERE status = 'dispatched' AND sla_check_at <= %(now)s"
            " AND sign_deadline < %(now)s + interval '20 minutes'",
            {"now": NOW},
        )
        cursor.execute("ANALYZE hotline_workorder")
        cursor.execute("ANALYZE hotline_slaalert")


def rearm(due_permille: int, units: list[int]) -> None:
    """Make the same orders due again (``--reuse``): forget what the last sweep recorded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE hotline_workorder SET lead_unit_id = (%(units)s::bigint[])"
            "[1 + (id / 1000 + id) %% %(n)s] WHERE id %% 1000 < %(due)s",
            {"units": units, "n": len(units), "due": due_permille},
        )
        cursor.execute("DELETE FROM hotline_slaalert WHERE created_at > %(now)s", {"now": NOW})
        cursor.execute("DELETE FROM notify_message WHERE dedupe_key LIKE 'hotline:%%'")
        cursor.execute(
            "UPDATE hotline_workorder SET sla_check_at = %(now)s - make_interval(secs => id %% 300)"
            " WHERE id %% 1000 < %(due)s",
            {"now": NOW, "due": due_permille},
        )


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE hotline_slaalert, hotline_workorderevent, hotline_workorder_co_units,"
            " hotline_workorder RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM notify_message WHERE dedupe_key LIKE 'hotline:%%'")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench hotline-sla", description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--due-permille", type=int, default=1, help="‰ of orders due now")
    parser.add_argument(
        "--database-url", default=os.environ.get("YIWANG_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--reuse", action="store_true", help="keep the orders of the last run")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        sys.exit("hotline-sla: a PostgreSQL URL is required")

    from rich.console import Console

    console = Console(stderr=True)
    with console.status("database and migrations"):
        ensure_database(args.database_url)
        setup_django(args.database_url)
    from django.db import connection

    from yiwang.hotline.models import SlaAlert, WorkOrder
    from yiwang.hotline.services import sla_sweep
    from yiwang.notify.models import Message

    with console.status("seeding the city"):
        city = seed_city()
    insert_seconds = None
    if not args.reuse or not WorkOrder.objects.exists():
        with console.status(f"inserting {args.orders:,} open orders (INSERT ... SELECT)"):
            reset()
            started = time.perf_counter()
            insert_orders(args.orders, args.due_permille, city["city"], city["units"])
            insert_seconds = time.perf_counter() - started
    else:
        with console.status("re-arming the due orders of the last run"):
            rearm(args.due_permille, city["units"])
    total = WorkOrder.objects.count()
    due = WorkOrder.objects.filter(sla_check_at__lte=NOW).count()
    console.print(f"{total:,} orders, {due:,} due at {NOW.isoformat()}")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM hotline_workorder WHERE sla_check_at <= %s "
            "ORDER BY sla_check_at, id LIMIT 500",
            [NOW],
        )
        plan = " / ".join(row[0].strip() for row in cursor.fetchall())
    console.print(f"plan: {plan}")
    messages_before = Message.objects.count()
    alerts_before = SlaAlert.objects.count()
    with console.status("sla_sweep"):
        started = time.perf_counter()
        result = sla_sweep(now=NOW)
        seconds = time.perf_counter() - started
    messages = Message.objects.count() - messages_before
    with console.status("sla_sweep again (idempotent re-run)"):
        started = time.perf_counter()
        again = sla_sweep(now=NOW)
        rerun_seconds = time.perf_counter() - started
    console.print(
        f"sweep {seconds:.3f} s: {result['orders']:,} orders examined, "
        f"{result['alerts']:,} alerts, {messages:,} notification rows; re-run "
        f"{rerun_seconds:.3f} s ({again['orders']} orders)"
    )
    print(
        json.dumps(
            {
                "bench": "hotline-sla",
                "orders_total": total,
                "orders_due": due,
                "seconds": round(seconds, 3),
                "orders_examined": result["orders"],
                "alerts": result["alerts"],
                "alert_rows": SlaAlert.objects.count() - alerts_before,
                "notification_rows": messages,
                "rerun_seconds": round(rerun_seconds, 3),
                "rerun_orders": again["orders"],
                "insert_seconds": round(insert_seconds, 1) if insert_seconds else None,
                "target_seconds": 2.0,
                "plan": plan,
                "now": NOW.isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
