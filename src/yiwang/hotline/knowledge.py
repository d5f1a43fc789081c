"""The knowledge base (政府热线知识库) read side: jieba tokenising and Chinese full-text search.

``search_tokens`` of an article is ``"<title and keyword tokens>\\n<body tokens>"``: jieba's
search-mode segmentation (``lcut_for_search``), lower-cased, space-joined. The first line feeds
the title column of the index, weighted higher. The index is vendor-specific (migration 0004):

* SQLite: the FTS5 table ``hotline_knowledge_fts(title, body)`` with the ``unicode61``
  tokenizer, kept in step with ``search_tokens`` by triggers; ranked by ``bm25`` with the title
  column weighted ``TITLE_WEIGHT`` times the body.
* PostgreSQL: the stored generated column ``search_vector`` =
  ``setweight(to_tsvector('simple', line 1), 'A') || setweight(to_tsvector('simple', line 2),
  'B')`` with a GIN index (not declared on the model); ranked by ``ts_rank``.

Query words are segmented the same way, so 1–2 character queries (结婚, 社保) match whole index
tokens. Each token is passed as data (a quoted FTS5 phrase, or a ``plainto_tsquery`` argument),
never as query syntax, so ``"``, ``*``, ``:``, ``(``, ``NEAR`` or ``&|!`` cannot break a search.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet

from yiwang.core.errors import NotFound
from yiwang.hotline.classifier import get_jieba
from yiwang.hotline.models import KnowledgeArticle

FTS_TABLE = "hotline_knowledge_fts"
TITLE_WEIGHT = 10.0
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 32
MAX_LIMIT = 50
SNIPPET_CHARS = 120

# Words of a question that say nothing about its subject; dropped from queries (not from the
# index) unless nothing else is left. They would match most articles and cost ranking time.
QUERY_STOPWORDS = frozenset(
    (
        "的", "了", "吗", "呢", "吧", "啊", "我", "我的", "你", "您", "请问", "请", "想", "要",
        "需要", "怎么", "怎么办", "怎样", "如何", "什么", "哪里", "哪些", "哪个", "多久", "多少",
        "找", "找谁", "谁", "可以", "能", "能否", "是否", "有", "在", "和", "与", "及", "或",
        "一下", "问", "咨询", "办", "去", "时间",
    )
)  # fmt: skip

# A token must contain a letter or digit; punctuation and whitespace carry nothing.
_WORD = re.compile(r"\w", re.UNICODE)
_SPACES = re.compile(r"\s+")


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of ``text``, lower-cased, punctuation and spaces dropped."""
    jieba = get_jieba()
    text = _SPACES.sub(" ", (text or "").lower())
    return [t.strip() for t in jieba.lcut_for_search(text) if _WORD.search(t) and t.strip()]


def search_tokens_of(*, title: str, keywords: list[str], body: str) -> str:
    """The ``search_tokens`` value of an article: title and keyword tokens, a newline, body
    tokens (the newline separates the two weighted columns of the index)."""
    head = tokenize(" ".join([title, *keywords]))
    return " ".join(head) + "\n" + " ".join(tokenize(body))


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a search query, in order, at most ``MAX_QUERY_TOKENS``."""
    seen: dict[str, None] = {}
    for token in tokenize((query or "")[:MAX_QUERY_CHARS]):
        seen.setdefault(token, None)
    tokens = [t for t in seen if t not in QUERY_STOPWORDS] or list(seen)
    return tokens[:MAX_QUERY_TOKENS]


def _fts5_match(tokens: list[str]) -> str:
    # Each token as a quoted phrase ("" escapes a quote inside): operators and column filters
    # in user input are plain text then.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def _ranked_ids(*, city_id: int, tokens: list[str], category: str | None, limit: int) -> list[int]:
    vendor = connection.vendor
    if vendor == "sqlite":
        # Only constant identifiers are formatted in; every value is a parameter.
        sql = (
            f"SELECT a.id FROM {FTS_TABLE} f JOIN hotline_knowledgearticle a ON a.id = f.rowid "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND a.active AND a.city_id = %s"
        )
        params: list = [_fts5_match(tokens), city_id]
        if category:
            sql += " AND a.category = %s"
            params.append(category)
        sql += f" ORDER BY bm25({FTS_TABLE}, %s, 1.0), a.id LIMIT %s"
        params += [TITLE_WEIGHT, limit]
    elif vendor == "postgresql":
        tsquery = " || ".join(["plainto_tsquery('simple'::regconfig, %s)"] * len(tokens))
        sql = (
            "SELECT a.id FROM hotline_knowledgearticle a "  # noqa: S608 - constants only
            f"CROSS JOIN (SELECT {tsquery}) AS q(query) "
            "WHERE a.search_vector @@ q.query AND a.active AND a.city_id = %s"
        )
        params = [*tokens, city_id]
        if category:
            sql += " AND a.category = %s"
            params.append(category)
        sql += " ORDER BY ts_rank(a.search_vector, q.query) DESC, a.id LIMIT %s"
        params.append(limit)
    else:  # pragma: no cover - the platform supports SQLite and PostgreSQL only
        raise NotImplementedError(f"knowledge search on {vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def snippet_of(body: str, tokens: list[str], width: int = SNIPPET_CHARS) -> str:
    """Plain-text excerpt of ``body`` around the first (longest-token-first) match."""
    text = _SPACES.sub(" ", body or "").strip()
    low = text.lower()
    at = -1
    for token in sorted(tokens, key=len, reverse=True):
        at = low.find(token)
        if at >= 0:
            break
    if at < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def search_articles(
    *, city_id: int, query: str, category: str | None = None, limit: int = 10
) -> list[KnowledgeArticle]:
    """Active articles of the city matching ``query``, best first, each with ``snippet``.

    A query without any word (empty, only punctuation) finds nothing.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    tokens = query_tokens(query)
    if not tokens:
        return []
    ids = _ranked_ids(city_id=city_id, tokens=tokens, category=category or None, limit=limit)
    by_id = KnowledgeArticle.objects.select_related("unit").in_bulk(ids)
    results = []
    for pk in ids:
        article = by_id.get(pk)
        if article is not None:
            article.snippet = snippet_of(article.body, tokens)
            results.append(article)
    return results


def knowledge_article_list(
    *, city_id: int, category: str | None = None, include_inactive: bool = False
) -> QuerySet:
    """Articles of a city without a query: most used first."""
    qs = KnowledgeArticle.objects.filter(city_id=city_id).select_related("unit")
    if not include_inactive:
        qs = qs.filter(active=True)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-use_count", "title", "id")


def knowledge_article_get(*, city_id: int | None, pk: int) -> KnowledgeArticle:
    """One article of the city (active or not) or ``NotFound``."""
    article = (
        KnowledgeArticle.objects.select_related("unit")
        .filter(pk=pk, **({} if city_id is None else {"city_id": city_id}))
        .first()
    )
    if article is None:
        raise NotFound("knowledge article")
    return article
