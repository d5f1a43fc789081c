"""The catalogue API, mounted at /api/v1/catalog.

* ``GET /search``: public (``auth=None``; citizens search anonymously) Chinese search of the
  service catalogue, ranked (docs/modules/catalog-search.md). A query must hold 2–200
  characters with at least two letters or digits; anything else is a 422 problem with a
  field error on ``q``, so a client learns why nothing was searched.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from yiwang.catalog import search
from yiwang.catalog.api_stats import router as stats_router
from yiwang.core.errors import InvalidInput

router = Router(tags=["catalog"])


class SearchQueryIn(Schema):
    q: str = Field(
        description=(
            "What the person is looking for, in their own words (Chinese is segmented; "
            "colloquial terms are expanded). 2–200 characters, at least two letters or digits."
        )
    )
    limit: int = Field(10, ge=1, le=search.MAX_LIMIT)
    audience: Literal["person", "legal_person"] | None = Field(
        None, description="Only items for individuals (person) or legal persons."
    )
    department: str | None = Field(
        None, max_length=100, description="Only items of this competent department."
    )


class SearchHitOut(Schema):
    code: str = Field(description="Basic catalogue code (12 digits).")
    name: str
    kind: str
    department: str
    audience: list[str]
    score: float = Field(description="Ranking score: higher is better; comparable per query.")
    matched: list[str] = Field(
        description="What matched: name, synonym, theme, pinyin (a homophone typo), faq."
    )
    snippet: str = Field(description="The colloquial term or FAQ text that matched, if any.")
    published_count: int = Field(description="Implementations published in the city.")


class SearchOut(Schema):
    query: str
    items: list[SearchHitOut]


def _query_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": "q", "code": code, "message": message}])


@router.get(
    "/search",
    response=SearchOut,
    auth=None,
    operation_id="catalog_search",
    summary="Search the service catalogue in Chinese (public; ranked items with code and name)",
)
def catalog_search(request: HttpRequest, query: Query[SearchQueryIn]):
    text = query.q.strip()
    if len(text) > search.MAX_QUERY_CHARS:
        raise _query_error(
            "catalog.query_too_long",
            _("Search words are at most %(max)d characters; shorten the query.")
            % {"max": search.MAX_QUERY_CHARS},
        )
    if search.parse_query(text) is None:
        raise _query_error(
            "catalog.query_too_short",
            _("Type at least two characters (letters or digits) to search."),
        )
    hits = search.search_items(
        text, limit=query.limit, audience=query.audience, department=query.department
    )
    return {
        "query": text,
        "items": [
            {
                "code": h.code,
                "name": h.name,
                "kind": h.kind,
                "department": h.department,
                "audience": list(h.audience),
                "score": h.score,
                "matched": list(h.matched),
                "snippet": h.snippet,
                "published_count": h.published_count,
            }
            for h in hits
        ],
    }


router.add_router("/stats", stats_router)
