"""Benchmark of knowledge-base search: ``search_articles`` latency over a large knowledge base.

    YIWANG_VAR_DIR=var/bench-knowledge .venv/bin/yiwang bench hotline-knowledge \\
        [--articles 5000] [--queries 300]

Uses the configured database (SQLite under ``YIWANG_VAR_DIR`` by default, or
``YIWANG_DATABASE_URL=postgres://...``), migrates it, and fills one city's knowledge base up to
``--articles`` articles: the seeded 珠海 articles plus variants of them (other district, other
wording), inserted in bulk with their jieba ``search_tokens`` (the FTS5 triggers / GIN index
follow). Then ``--queries`` searches (short words such as 结婚 and 社保, phrases, whole
questions) are timed after a warm-up; ``p50_ms``/``p95_ms``/``p99_ms`` per search including
segmentation, the ranked query and loading the articles with snippets. The last line on
stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

from _common import latency_summary

QUERIES = [
    "结婚",
    "社保",
    "社保卡丢了怎么补办",
    "公积金提取需要什么材料",
    "居住证",
    "新生儿落户",
    "营业执照办理要多久",
    "留抵退税",
    "噪音扰民找谁",
    "港澳通行证续签",
    "车辆年检",
    "垃圾分类",
    "维修基金怎么用",
    "积分入学",
    "医保异地就医备案",
    "高新技术企业认定条件",
    "拖欠工资",
    "电梯困人",
]
DISTRICTS = ["香洲区", "斗门区", "金湾区", "横琴", "高新区", "高栏港", "万山"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yiwang bench hotline-knowledge")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from yiwang.core import facade as core
    from yiwang.core.choices import OrgKind
    from yiwang.hotline.knowledge import search_articles, search_tokens_of
    from yiwang.hotline.models import KnowledgeArticle
    from yiwang.hotline.seed_knowledge import ARTICLES

    call_command("migrate", interactive=False, verbosity=0)
    city = core.organisation_by_code("bench-kb")
    if city is None:
        from yiwang.core.services.organisations import organisation_create  # bench only

        city_id = organisation_create(
            actor=None, name="知识库基准市", kind=OrgKind.CITY, code="bench-kb"
        ).pk
    else:
        city_id = city.id
    have = KnowledgeArticle.objects.filter(city_id=city_id).count()
    rng = random.Random(20261129)
    started = time.perf_counter()
    batch = []
    for i in range(have, args.articles):
        title, category, _unit, keywords, body = ARTICLES[i % len(ARTICLES)]
        district = rng.choice(DISTRICTS)
        title = f"{title}（{district}·{i}）"
        body = f"{district}：{body}"
        batch.append(
            KnowledgeArticle(
                city_id=city_id,
                title=title,
                body=body,
                category=category,
                keywords=keywords,
                search_tokens=search_tokens_of(title=title, keywords=keywords, body=body),
            )
        )
        if len(batch) == 500:
            with transaction.atomic():
                KnowledgeArticle.objects.bulk_create(batch)
            batch = []
            print(f"articles: {i + 1}", file=sys.stderr)
    if batch:
        with transaction.atomic():
            KnowledgeArticle.objects.bulk_create(batch)
    fill_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hotline_knowledgearticle")

    for q in QUERIES:  # warm-up (jieba dictionary, caches)
        search_articles(city_id=city_id, query=q)
    timings: list[float] = []
    hits = 0
    for n in range(args.queries):
        q = QUERIES[n % len(QUERIES)]
        t0 = time.perf_counter()
        results = search_articles(city_id=city_id, query=q, limit=10)
        timings.append((time.perf_counter() - t0) * 1000)
        hits += bool(results)
    print(
        json.dumps(
            {
                "bench": "hotline-knowledge",
                "vendor": connection.vendor,
                "articles": KnowledgeArticle.objects.filter(city_id=city_id).count(),
                "queries": args.queries,
                "queries_with_hits": hits,
                "fill_seconds": round(fill_seconds, 1),
                **latency_summary(timings),
            },
            ensure_ascii=False,
        )
    )
    return 0
