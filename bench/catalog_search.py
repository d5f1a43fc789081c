"""Benchmark of the catalogue's Chinese search: ``search_items`` over 10,000 basic items and
100,000 FAQ texts, side by side with a plain ``icontains`` search of the same data.

    .venv/bin/yiwang bench catalog-search [--items 10000] [--faqs 100000] [--rounds 3]
                                          [--peer-queries 40] [--slowest 10] [--reuse]
                                          [--seed 20261129]
    YIWANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/yiwang bench catalog-search

Data (deterministic for a seed) go to their own database so the demo's is never touched:
SQLite under ``var/bench-catalog-search`` (whatever ``YIWANG_VAR_DIR`` says), or, when
``YIWANG_DATABASE_URL`` names a PostgreSQL server, its database ``yiwang_bench_catalog_search``
(created when missing). The items are the 343 demo items plus generated 业务办理项 of them
("机动车驾驶证补领（告知承诺制·变更）": name, department, themes, materials of the demo item, no
colloquial terms), each implemented and published by two district bodies; every item has two
standard FAQs and each publication four, written from templates with the item's name,
materials, limits and district — ``--faqs`` texts in all. The index is built by the real
``search_index_rebuild`` (``index_seconds``). ``--reuse`` keeps the last run's data. On
PostgreSQL the database is then vacuumed and analysed (the state autovacuum reaches soon after
a bulk change), for ours and the peer alike.

Measured (after a warm-up): ``search_items(q, limit=10)`` for the 134 labelled queries plus
generated ones (names, colloquial terms, FAQ questions, fragments, a long pasted question),
``--rounds`` times: ``p50_ms``/``p95_ms``/``p99_ms``/``max_ms`` (nearest rank, bench/_common.py)
and the ``--slowest`` queries by their median (what makes the tail). The peer is what one
writes without an index: the query's jieba tokens ORed as ``icontains`` over name, colloquial
terms, the standard (with its FAQ) and the published implementations' FAQ (a join),
``DISTINCT``, first 10 by code, over the first ``--peer-queries`` queries, labelled ones first
(on SQLite Django keeps JSON with ``\\uXXXX`` escapes, so the peer searches the escaped form of
each token, else it would find nothing). ``speedup`` is the peer's p95 over ours.
``recall_at_5`` is the labelled set's (queries with expected items) on this data;
``peer.recall_at_5`` the peer's on the labelled queries it ran, next to ours on the same
queries. Progress goes to stderr; the last line on stdout is one JSON object, with the load
averages of the box (``loadavg``): on a shared box, wall-clock latencies are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections import defaultdict

from _common import ROOT, ensure_database, latency_summary, loadavg

QUERIES_FILE = ROOT / "tests" / "catalog" / "data" / "search_queries.json"
BENCH_DB = "yiwang_bench_catalog_search"
DISTRICTS = ("香洲区", "斗门区", "金湾区", "横琴", "高新区", "高栏港", "万山")
SITUATIONS = (
    "告知承诺制", "个人", "企业", "港澳居民", "外籍人员", "跨省通办", "容缺受理", "全程网办",
    "现场办理", "委托代办", "首次申请", "到期换领", "遗失补办", "信息变更",
)  # fmt: skip
OPERATIONS = ("新设", "变更", "延续", "注销")
FAQ_TEMPLATES = (
    (
        "办理{name}需要哪些材料？",
        "需要提供{m1}、{m2}等材料，{district}政务服务中心可现场核验原件。",
    ),
    ("{name}多久能办好？", "材料齐全的，承诺{promised}个工作日内办结，法定时限{legal}个工作日。"),
    ("{name}可以网上办理吗？", "可以通过广东政务服务网或粤省事在线申请，{district}窗口也可办理。"),
    (
        "在{district}办理{name}去哪里？",
        "到{district}政务服务中心综合窗口办理，工作日上午九点至下午五点。",
    ),
    ("{name}收费吗？", "{name}不收取费用，请勿轻信代办收费。"),
    ("委托别人办理{name}要带什么？", "受托人需携带本人身份证和申请人签名的授权委托书以及{m1}。"),
    (
        "{name}的办理进度怎么查？",
        "可以在粤省事“我的办件”查询，或拨打12345热线咨询{district}相关部门。",
    ),
    (
        "外地户籍可以在{district}办理{name}吗？",
        "符合条件的外地户籍人员可以办理，需提供居住证和{m2}。",
    ),
    ("{m1}丢了还能办理{name}吗？", "可以先申请补办{m1}，或通过数据共享核验后办理{name}。"),
    ("{name}办好后怎么领取？", "可选择窗口领取或免费邮寄送达，电子证照同步推送到粤省事。"),
)
GENERATED_QUERIES = (
    "{name}", "{name}需要什么材料", "{synonym}", "{short}", "怎么办{short}",
    "{district}{short}在哪里办", "{q}", "{name}多久",
)  # fmt: skip


def _setup() -> str:
    url = os.environ.get("YIWANG_DATABASE_URL", "")
    if url.startswith("postgres"):
        server = url.rsplit("/", 1)[0]
        ensure_database(f"{server}/{BENCH_DB}")
        os.environ["YIWANG_DATABASE_URL"] = f"{server}/{BENCH_DB}"
    else:
        os.environ.pop("YIWANG_DATABASE_URL", None)
        os.environ["YIWANG_VAR_DIR"] = str(ROOT / "var" / "bench-catalog-search")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.db import connection

    return connection.vendor


def _bodies() -> list[int]:
    from yiwang.core.choices import OrgKind
    from yiwang.core.models import Organisation  # bench only
    from yiwang.core.services.organisations import organisation_create  # bench only

    def get(code, **kw):
        return Organisation.objects.filter(code=code).first() or organisation_create(
            actor=None, code=code, **kw
        )

    city = get("bench-cs", name="搜索基准市", kind=OrgKind.CITY)
    return [
        get(f"bench-cs-{i}", name=f"{d}政务服务数据管理局", kind=OrgKind.DEPARTMENT, parent=city).pk
        for i, d in enumerate(DISTRICTS[:2])
    ]


def _faq(rng: random.Random, item: dict, district: str) -> dict:
    q, a = rng.choice(FAQ_TEMPLATES)
    names = [m["name"] for m in item["materials"]] or ["申请表"]
    fill = {
        "name": item["name"],
        "m1": rng.choice(names),
        "m2": rng.choice(names),
        "district": district,
        "promised": item["promised_limit"]["value"],
        "legal": item["legal_limit"]["value"],
    }
    return {"q": q.format(**fill), "a": a.format(**fill)}


def _generate(args, progress, task) -> dict:
    from django.db import transaction

    from yiwang.catalog.choices import VersionStatus
    from yiwang.catalog.data_check import load_demo
    from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
    from yiwang.catalog.services.basic import _row, standard_of  # bench only
    from yiwang.catalog.services.search_index import search_index_rebuild

    rng = random.Random(args.seed)
    demo = load_demo()["items"]
    bodies = _bodies()
    per_item_std = 2
    per_publication = max(0, (args.faqs // args.items - per_item_std) // len(bodies))
    ImplementationItem.objects.update(current=None)
    ImplementationVersion.objects.all().delete()
    ImplementationItem.objects.all().delete()
    BasicItem.objects.all().delete()
    faqs = 0
    started = time.perf_counter()
    for start in range(0, args.items, 1000):
        basics, items, versions = [], [], []
        for i in range(start, min(args.items, start + 1000)):
            base = demo[i % len(demo)]
            item = dict(base)
            if i >= len(demo):
                situation = SITUATIONS[(i // len(demo)) % len(SITUATIONS)]
                operation = OPERATIONS[(i // len(demo) // len(SITUATIONS)) % len(OPERATIONS)]
                item["name"] = f"{base['name']}（{situation}·{operation}）"
                item["code"] = f"{base['code'][:2]}9{i:09d}"
                item["synonyms"] = []
            item["faq"] = [_faq(rng, item, rng.choice(DISTRICTS)) for _ in range(per_item_std)]
            row = _row(item)
            basic = BasicItem(code=item["code"], **row)
            basics.append(basic)
            for n, body in enumerate(bodies):
                elements = standard_of(item)
                elements["faq"] = [_faq(rng, item, DISTRICTS[n]) for _ in range(per_publication)]
                faqs += len(elements["faq"])
                impl = ImplementationItem(
                    basic=basic, organisation_id=body, code=f"{item['code']}{n:02d}"
                )
                items.append(impl)
                versions.append(
                    ImplementationVersion(
                        item=impl, number=1, status=VersionStatus.PUBLISHED, **elements
                    )
                )
            faqs += per_item_std
        with transaction.atomic():
            BasicItem.objects.bulk_create(basics, batch_size=500)
            for impl in items:
                impl.basic_id = impl.basic.pk
            ImplementationItem.objects.bulk_create(items, batch_size=500)
            for version in versions:
                version.item_id = version.item.pk
            ImplementationVersion.objects.bulk_create(versions, batch_size=500)
            for impl, version in zip(items, versions, strict=True):
                impl.current_id = version.pk
            ImplementationItem.objects.bulk_update(items, ["current"], batch_size=500)
        progress.update(task, completed=len(basics) + start)
    generate_seconds = time.perf_counter() - started
    index_task = progress.add_task("search_index_rebuild", total=args.items)
    started = time.perf_counter()
    counts = search_index_rebuild(
        actor=None, progress=lambda done, total: progress.update(index_task, completed=done)
    )
    return {
        "generate_seconds": round(generate_seconds, 1),
        "index_seconds": round(time.perf_counter() - started, 1),
        "documents": counts["documents"],
    }


def _queries(rng: random.Random, labelled: list[dict], n: int) -> list[str]:
    from yiwang.catalog.models import BasicItem

    # 300 items drawn by code with the seed (not ORDER BY random()): the same queries in every
    # run and on both vendors
    codes = sorted(BasicItem.objects.values_list("code", flat=True))
    chosen = rng.sample(codes, min(300, len(codes)))
    rows = BasicItem.objects.filter(code__in=chosen).order_by("code")
    basics = list(rows.values("name", "synonyms", "standard"))
    out = [q["q"] for q in labelled]
    while len(out) < n:
        b = rng.choice(basics)
        name = b["name"].split("（")[0]
        start = rng.randrange(max(1, len(name) - 2))
        faq = (b["standard"].get("faq") or [{"q": name}])[0]["q"]
        template = rng.choice(GENERATED_QUERIES)
        out.append(
            template.format(
                name=name,
                synonym=rng.choice(b["synonyms"] or [name]),
                short=name[start : start + rng.choice((2, 3, 4))],
                district=rng.choice(DISTRICTS),
                q=faq,
            )
        )
    out.append("我是外地来珠海打工的，想问一下" + "孩子上学和社保卡怎么办理需要什么材料" * 60)
    return out


def _peer(query: str, vendor: str) -> list[str]:
    """The naive search: the query's tokens ORed as icontains over the item's text."""
    from django.db.models import Q

    from yiwang.catalog.models import BasicItem
    from yiwang.core.search import query_tokens

    tokens = query_tokens(query)
    if not tokens:
        return []

    def in_json(t: str) -> str:
        return json.dumps(t)[1:-1] if vendor == "sqlite" else t

    condition = Q()
    for t in tokens:
        condition |= (
            Q(name__icontains=t)
            | Q(synonyms__icontains=in_json(t))
            | Q(standard__icontains=in_json(t))
            | Q(implementations__current__faq__icontains=in_json(t))
        )
    qs = BasicItem.objects.filter(condition, is_active=True).distinct().order_by("code")
    return list(qs.values_list("code", flat=True)[:10])


def _recall(labelled: list[dict], top5) -> float:
    scores = [
        len(set(top5(q["q"])) & set(q["expected"])) / len(q["expected"])
        for q in labelled
        if q["expected"]
    ]
    return sum(scores) / len(scores)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench catalog-search", description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--faqs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500, help="queries per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer-queries", type=int, default=40)
    parser.add_argument("--slowest", type=int, default=10, help="slowest queries to list")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with console.status("migrating the bench database"):
        vendor = _setup()
    from django.db import connection

    from yiwang.catalog.models import BasicItem, ImplementationVersion, SearchDocument
    from yiwang.catalog.search import search_items

    labelled = json.loads(QUERIES_FILE.read_text(encoding="utf-8"))["queries"]
    result: dict = {"bench": "catalog-search", "vendor": vendor}
    with Progress(console=console, transient=False) as progress:
        have = SearchDocument.objects.count()
        if not (args.reuse and have):
            task = progress.add_task("generating items, publications, FAQ", total=args.items)
            result.update(_generate(args, progress, task))
        if vendor == "postgresql":
            # steady state, as autovacuum leaves it: the regeneration deleted 10,000 items
            # (dead rows every scan would read) and the planner needs fresh statistics
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        result["items"] = BasicItem.objects.count()
        result["faq_texts"] = sum(
            len(f) for f in ImplementationVersion.objects.values_list("faq", flat=True)
        ) + sum(
            len(s.get("faq") or []) for s in BasicItem.objects.values_list("standard", flat=True)
        )
        rng = random.Random(args.seed)
        queries = _queries(rng, labelled, args.queries)
        for q in queries[:50]:  # warm-up: jieba, the term and synonym tables, caches
            search_items(q)
        task = progress.add_task("search_items", total=len(queries) * args.rounds)
        timings: list[float] = []
        per_query: dict[str, list[float]] = defaultdict(list)
        hits = 0
        for _ in range(args.rounds):
            for q in queries:
                t0 = time.perf_counter()
                found = search_items(q, limit=10)
                elapsed = (time.perf_counter() - t0) * 1000
                timings.append(elapsed)
                per_query[q].append(elapsed)
                hits += bool(found)
                progress.advance(task)
        # the peer runs the first --peer-queries queries (labelled ones first): its recall is
        # measured on the labelled queries among them, ours on the same ones for comparison
        peer_queries = queries[: args.peer_queries]
        task = progress.add_task("peer: icontains", total=len(peer_queries))
        peer: list[float] = []
        peer_top5: dict[str, list[str]] = {}
        for q in peer_queries:
            t0 = time.perf_counter()
            peer_top5[q] = _peer(q, vendor)[:5]
            peer.append((time.perf_counter() - t0) * 1000)
            progress.advance(task)
        recall = _recall(labelled, lambda q: [h.code for h in search_items(q, limit=5)])
        subset = [q for q in labelled if q["q"] in peer_top5]
        peer_recall = _recall(subset, lambda q: peer_top5[q])
        same = _recall(subset, lambda q: [h.code for h in search_items(q, limit=5)])
    ours, theirs = latency_summary(timings), latency_summary(peer)
    # the queries that make the tail: slowest by their median over the rounds
    slowest = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[: args.slowest]
    result.update(
        {
            "queries": len(timings),
            "queries_with_hits_share": round(hits / len(timings), 3),
            "seconds": round(sum(timings) / 1000, 2),
            "per_second": round(len(timings) / (sum(timings) / 1000), 1),
            **ours,
            "recall_at_5": round(recall, 4),
            "peer": {
                "name": "icontains OR of the query's tokens over name, terms, standard and FAQ",
                "queries": len(peer),
                **theirs,
                "recall_at_5": round(peer_recall, 4),
                "ours_recall_at_5_same_queries": round(same, 4),
            },
            "speedup": round(theirs["p95_ms"] / ours["p95_ms"], 1) if ours["p95_ms"] else None,
            "slowest": [
                {"q": q[:40], "median_ms": round(statistics.median(ms), 2)} for q, ms in slowest
            ],
            "loadavg": loadavg(),
        }
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0
