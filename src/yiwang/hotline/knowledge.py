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
Segmentation and the ranked query are the shared kernel's (:mod:`yiwang.core.search`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.core import search as fts
from yiwang.core.errors import NotFound
from yiwang.hotline.models import KnowledgeArticle

FTS_TABLE = "hotline_knowledge_fts"
TITLE_WEIGHT = 10.0
MAX_QUERY_CHARS = fts.MAX_QUERY_CHARS
MAX_QUERY_TOKENS = fts.MAX_QUERY_TOKENS
MAX_LIMIT = 50
SNIPPET_CHARS = 120

# Segmentation, query tokens and the vendor-specific ranked query are the shared kernel's
# (yiwang.core.search); this module only says which table and columns.
QUERY_STOPWORDS = fts.QUERY_STOPWORDS
tokenize = fts.tokenize
INDEX = fts.FullTextIndex(
    table="hotline_knowledgearticle",
    fts_table=FTS_TABLE,
    bm25_weights=(TITLE_WEIGHT, 1.0),
)


def search_tokens_of(*, title: str, keywords: list[str], body: str) -> str:
    """The ``search_tokens`` value of an article: title and keyword tokens, a newline, body
    tokens (the newline separates the two weighted columns of the index)."""
    head = tokenize(" ".join([title, *keywords]))
    return " ".join(head) + "\n" + " ".join(tokenize(body))


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a search query, in order, at most ``MAX_QUERY_TOKENS``."""
    return fts.query_tokens(query, max_chars=MAX_QUERY_CHARS, max_tokens=MAX_QUERY_TOKENS)


def _ranked_ids(*, city_id: int, tokens: list[str], category: str | None, limit: int) -> list[int]:
    where, params = "a.active AND a.city_id = %s", [city_id]
    if category:
        where += " AND a.category = %s"
        params.append(category)
    return [row[0] for row in INDEX.ranked(tokens, where=where, params=params, limit=limit)]


def snippet_of(body: str, tokens: list[str], width: int = SNIPPET_CHARS) -> str:
    """Plain-text excerpt of ``body`` around the first (longest-token-first) match."""
    return fts.snippet_of(body, tokens, width)


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
