"""Benchmark of the policy matching engine (issue 5): on 500,000 enterprises,

* one item of up to 20 conditions (p99 target ≤ 1 ms), uncached — every rule is new;
* every item one enterprise qualifies for among 1,000 published items (target ≤ 10 ms), with
  the items' results cached as they are after publication;
* side by side with the same rule as one Django ORM query (the peer; target ≥ 50× faster on
  PostgreSQL), checking that both return identical result sets.

    YIWANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench_policy \\
      .venv/bin/yiwang bench policy-match [--enterprises 500000] [--rules 300] [--reuse]

Uses the configured database (SQLite under ``YIWANG_VAR_DIR`` by default). The registry of the
bench city (基准市, its districts and streets named as in ``yiwang.policy.samples``) is written
once with one ``executemany`` per table from ``samples.random_profile`` (seeded); ``--reuse``
keeps it. The engine's snapshot is then built from the registry's streamed profiles (its build
time and the process's peak memory are reported). ``speedup`` is the peer's p50 over ours
(time peer/ours) on the same 20-condition rules. Progress goes to stderr; the last line on
stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time

from _common import ensure_database, latency_summary


def _bench_city():
    from yiwang.core.choices import OrgKind
    from yiwang.core.models import Organisation
    from yiwang.core.services.organisations import organisation_create
    from yiwang.policy import samples

    city = Organisation.objects.filter(code="bench-policy-city").first()
    if city:
        return city
    city = organisation_create(
        actor=None, name="基准市", kind=OrgKind.CITY, code="bench-policy-city"
    )
    districts = [
        organisation_create(
            actor=None, name=name, kind=OrgKind.DISTRICT, code=f"bench-policy-d{i}", parent=city
        )
        for i, name in enumerate(samples.DISTRICTS)
    ]
    for i, name in enumerate(samples.STREETS):
        organisation_create(
            actor=None,
            name=name,
            kind=OrgKind.STREET,
            code=f"bench-policy-s{i}",
            parent=districts[i % 3],
        )
    return city


ENTERPRISE_FIELDS = (
    "uscc", "name", "legal_representative", "address", "city", "district", "street", "park",
    "industry", "scale", "scale_stated",
    "founded_on", "registered_capital", "employees", "revenue", "total_assets", "tax_paid",
    "rd_spend", "credit_rating", "invention_patents", "utility_patents", "software_copyrights",
    "trademarks", "status", "field_sources", "version", "created_at", "updated_at",
)  # fmt: skip
BATCH = 5000


def _insert(model, names, rows):
    """One ``executemany`` of rows (values prepared for the database as the ORM would)."""
    from django.db import connection

    fields = [model._meta.get_field(n) for n in names]
    prepare = [
        i for i, f in enumerate(fields)
        if f.get_internal_type() in ("DecimalField", "DateField", "DateTimeField", "JSONField")
    ]  # fmt: skip
    for row in rows:
        for i in prepare:
            row[i] = fields[i].get_db_prep_save(row[i], connection)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )


def _load(city, count: int, seed: int, advance) -> None:
    """Write ``count`` random enterprises (``samples.random_profile``) with their
    qualifications and tags, in batches of 5,000."""
    from django.db import reset_queries, transaction
    from django.utils import timezone

    from yiwang.core.validators import uscc_check_char
    from yiwang.policy import samples
    from yiwang.registry.models import Enterprise, EnterpriseTag, Qualification
    from yiwang.registry.services.profiles import Places

    places = Places.of(city.pk)
    streets = {name: pk for name, (pk, _district) in places.streets.items()}
    rng = random.Random(seed)
    now = timezone.now()
    for start in range(0, count, BATCH):
        profiles = []
        for n in range(start, min(count, start + BATCH)):
            profile = samples.random_profile(rng, n)
            body = f"91449900MA{n:07d}"[:17]
            profile["uscc"] = body + uscc_check_char(body)
            profiles.append(profile)
        with transaction.atomic():
            _insert(
                Enterprise,
                ENTERPRISE_FIELDS,
                [
                    [p["uscc"], f"基准企业{p['id']}有限公司", "", "", city.pk,
                     places.districts[p["district"]], streets.get(p["street"]), p["park"] or "",
                     p["industry"], p["scale"], True, p["founded_on"], p["registered_capital"],
                     p["employees"], p["revenue"], p["total_assets"], p["tax_paid"],
                     p["rd_spend"], p["credit_rating"] or "", p["invention_patents"],
                     p["utility_patents"], p["software_copyrights"], p["trademarks"],
                     p["status"], {}, 1, now, now]
                    for p in profiles
                ],
            )  # fmt: skip
            ids = dict(
                Enterprise.objects.filter(uscc__in=[p["uscc"] for p in profiles]).values_list(
                    "uscc", "pk"
                )
            )
            _insert(
                Qualification,
                ("enterprise", "kind", "certificate_no", "valid_from", "valid_to", "source"),
                [
                    [ids[p["uscc"]], kind, "", start_on, end_on, "seed"]
                    for p in profiles
                    for kind, start_on, end_on in p["qualifications"]
                ],
            )
            _insert(
                EnterpriseTag,
                ("enterprise", "tag"),
                [[ids[p["uscc"]], tag] for p in profiles for tag in p["tags"]],
            )
        reset_queries()
        advance(len(profiles))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench policy-match")
    parser.add_argument("--enterprises", type=int, default=500_000)
    parser.add_argument("--rules", type=int, default=300, help="uncached single-item rules")
    parser.add_argument("--items", type=int, default=1000, help="published items")
    parser.add_argument("--lookups", type=int, default=300, help="enterprises asked for")
    parser.add_argument("--peer-rules", type=int, default=20, help="rules run on the ORM too")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--reuse", action="store_true", help="keep the registry if it is there")
    args = parser.parse_args(argv)

    os.environ.setdefault("YIWANG_VAR_DIR", "var/bench-policy-match")
    url = os.environ.get("YIWANG_DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from yiwang.policy import rules, samples
    from yiwang.policy.matching import Matcher
    from yiwang.policy.orm import orm_match
    from yiwang.registry.models import Enterprise

    console = Console(stderr=True)
    call_command("migrate", interactive=False, verbosity=0)
    city = _bench_city()
    existing = Enterprise.objects.filter(city=city).count()
    if existing != args.enterprises or not args.reuse:
        Enterprise.objects.filter(city=city).delete()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("writing the registry", total=args.enterprises)
            _load(city, args.enterprises, args.seed, lambda n: progress.advance(task, n))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    today = samples.TODAY
    console.print("building the engine's snapshot from the registry…")
    matcher = Matcher(city.pk)
    started = time.perf_counter()
    matcher.rebuild(today=today)
    build_seconds = time.perf_counter() - started
    snapshot = matcher.snapshot
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rng = random.Random(args.seed)
    # 1. one item, uncached: realistic 20-condition rules and random nested rules
    realistic = [rules.validate(samples.realistic_rule(rng, 20)) for _ in range(args.rules)]
    nested = [
        rules.validate(samples.random_rule(rng, max_atoms=20, depth=3)) for _ in range(args.rules)
    ]
    timings: dict[str, list[float]] = {"realistic": [], "nested": []}
    sizes = []
    for name, trees in (("realistic", realistic), ("nested", nested)):
        for tree in trees:
            began = time.perf_counter()
            found = snapshot.match(tree)
            timings[name].append((time.perf_counter() - began) * 1000)
            sizes.append(len(found))

    # 2. every item one enterprise qualifies for, among the published items
    items = [
        (n, rules.validate(samples.realistic_rule(rng, rng.randint(5, 20))))
        for n in range(args.items)
    ]
    console.print(f"computing the {args.items} items' results (as at publication)…")
    began = time.perf_counter()
    for key, tree in items:
        matcher.match_ids(tree, key=key, today=today)
    publish_seconds = time.perf_counter() - began
    ids = snapshot.ids
    lookups, qualified = [], []
    for _ in range(args.lookups):
        enterprise_id = int(ids[rng.randrange(len(ids))])
        began = time.perf_counter()
        keys = matcher.items_for(enterprise_id, items, today=today)
        lookups.append((time.perf_counter() - began) * 1000)
        qualified.append(len(keys))

    # 3. the peer: the same 20-condition rules as one ORM query each
    ours, peer, identical = [], [], 0
    for tree in realistic[: args.peer_rules]:
        began = time.perf_counter()
        engine_ids = matcher.match_ids(tree, today=today)
        ours.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        orm_ids = orm_match(tree, city_id=city.pk, today=today)
        peer.append((time.perf_counter() - began) * 1000)
        identical += int(engine_ids.tolist() == orm_ids)
    ours_summary, peer_summary = latency_summary(ours), latency_summary(peer)
    single = latency_summary(timings["realistic"])
    result = {
        "bench": "policy-match",
        "database": connection.vendor,
        "enterprises": int(snapshot.size),
        "conditions": 20,
        **single,
        "target_p99_ms": 1.0,
        "nested_rules": latency_summary(timings["nested"]),
        "matched_median": sorted(sizes)[len(sizes) // 2],
        "items_for_one_enterprise": {
            "items": args.items,
            **latency_summary(lookups),
            "target_ms": 10.0,
            "qualified_median": sorted(qualified)[len(qualified) // 2],
            "items_computed_seconds": round(publish_seconds, 2),
        },
        "snapshot_build_seconds": round(build_seconds, 2),
        "rss_mb": round(rss_mb, 1),
        "peer": {"what": "the same rule as one Django ORM query", **peer_summary},
        "ours_with_ids": ours_summary,
        "identical_result_sets": f"{identical}/{len(ours)}",
        "speedup": round(peer_summary["p50_ms"] / max(ours_summary["p50_ms"], 1e-6), 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if identical == len(ours) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
