"""Chinese search of the service catalogue (事项搜索): find the right basic item for how people
actually ask ("开饭店要办什么证" → 食品经营许可, 企业设立登记). docs/modules/catalog-search.md.

One :class:`~yiwang.catalog.models.SearchDocument` per active basic item carries four weighted
token columns (name + colloquial terms ≫ themes/department > pinyin > conditions, materials and
FAQ of the standard and of every published implementation). A query is

1. cut to :data:`MAX_QUERY_CHARS` and refused (empty result) below :data:`MIN_QUERY_CHARS`
   word characters (one character, punctuation only);
2. segmented like the documents (jieba search mode + whole catalogue terms of
   ``data/search_userdict.txt``), question words dropped;
3. expanded with the canonical terms of the colloquial phrases it contains
   (``data/search_synonyms.json``: 开饭店 → 餐饮, 食品经营 …) and the pinyin of its words
   (homophone typos: 结昏 → jiehun);
4. run against the full-text index (FTS5 bm25 / PostgreSQL ts_rank) for the best
   :data:`CANDIDATES` items — without its common tokens (in more than :data:`COMMON_DOCS`
   documents, :class:`~yiwang.catalog.models.SearchTerm`) when it has rarer ones — then
   re-ranked: a name or colloquial term that the query contains (or that is the query) and the
   share of query words found in name and terms add to the index score.

A query has at most :data:`MAX_TOKENS` tokens and at most :data:`INDEX_TOKENS` of them (the
rarest) reach the index, so no query is slow whatever its length; and common words (许可, 登记,
办理 in thousands of items) do not make the index score thousands of rows when the query's
other words are rarer (:func:`index_tokens`). docs/modules/catalog-search.md has the figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _

from yiwang.core import search as fts
from yiwang.core.errors import InvalidInput

DATA_DIR = Path(__file__).parent / "data"
SYNONYMS_FILE = DATA_DIR / "search_synonyms.json"
USERDICT_FILE = DATA_DIR / "search_userdict.txt"
SYNONYMS_FORMAT = "yiwang.catalog.search_synonyms/1"

MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 200
MAX_LIMIT = 50
MAX_TOKENS = 40
CANDIDATES = 40
# The head index (name, keyword, pinyin columns) ranks; the body index (conditions, materials,
# FAQ) is consulted only when the head finds fewer than the requested hits, so common words of
# 100,000 FAQ texts never cost a query that the names already answer. bm25 weights of the head's
# FTS5 columns; PostgreSQL's setweight classes A, B, C get ts_rank weights in order D, C, B, A.
BM25_WEIGHTS = (10.0, 4.0, 3.0)
TS_WEIGHTS = (0.1, 0.3, 0.4, 1.0)
BODY_FACTOR = 0.3  # a body-only candidate's index score, relative to the head's best
# A token in more documents than this is left out of the ranked query when the query has a
# rarer one (core.search.drop_common): scoring a posting list of 500 documents costs about a
# millisecond on either vendor, and a word of more items than that does not tell them apart.
# Re-ranking still reads every word of the query.
COMMON_DOCS = 500
# At most this many tokens of a query reach the index, the rarest (they weigh most in bm25 and
# ts_rank); a long question keeps its specific words and costs what a short one does.
INDEX_TOKENS = 12

INDEX = fts.FullTextIndex(
    table="catalog_searchdocument",
    fts_table="catalog_search_fts",
    key="basic_id",
    bm25_weights=BM25_WEIGHTS,
    ts_weights=TS_WEIGHTS,
)
BODY_INDEX = fts.FullTextIndex(
    table="catalog_searchdocument",
    fts_table="catalog_search_body_fts",
    key="basic_id",
    vector="body_vector",
)

_WORD_CHAR = re.compile(r"[^\W_]", re.UNICODE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchHit:
    """One ranked basic item. ``matched`` names what the query matched (``name``,
    ``synonym``, ``theme``, ``pinyin``, ``faq``); ``snippet`` shows why in the item's words."""

    code: str
    name: str
    kind: str
    department: str
    audience: tuple[str, ...]
    score: float
    matched: tuple[str, ...]
    snippet: str
    published_count: int


# --- data files -------------------------------------------------------------------------------


def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, tuple[str, ...]]:
    """Colloquial phrase (normalised) → canonical terms, from a synonyms file; a phrase in
    several groups gets the terms of all of them. Raises ``ValueError`` on a malformed file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = check_synonyms(data)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems[:5]))
    table: dict[str, list[str]] = {}
    for group in data["groups"]:
        for phrase in group["phrases"]:
            terms = table.setdefault(fts.PhraseMatcher.normalise(phrase), [])
            terms += [t for t in group["terms"] if t not in terms]
    return {phrase: tuple(terms) for phrase, terms in table.items()}


def check_synonyms(data: Any) -> list[str]:
    """Rule violations of a synonyms document (format in docs/modules/catalog-search.md)."""
    if not isinstance(data, dict) or data.get("format") != SYNONYMS_FORMAT:
        return [f"format: must be {SYNONYMS_FORMAT}"]
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups:
        return ["groups: must be a non-empty list"]
    problems = []
    for i, group in enumerate(groups):
        for key in ("phrases", "terms"):
            values = group.get(key) if isinstance(group, dict) else None
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and v.strip() for v in values)
            ):
                problems.append(f"groups[{i}].{key}: must be a non-empty list of strings")
    return problems


def load_userdict(path: Path = USERDICT_FILE) -> list[str]:
    """The catalogue terms of a jieba user-dictionary file (first column; ``#`` comments)."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split(" ")[0].strip()
        if word and not word.startswith("#"):
            terms.append(word)
    return terms


@lru_cache(maxsize=1)
def _synonyms() -> tuple[fts.PhraseMatcher, dict[str, tuple[str, ...]]]:
    table = load_synonyms()
    return fts.PhraseMatcher(table), table


@lru_cache(maxsize=1)
def _terms() -> fts.PhraseMatcher:
    return fts.PhraseMatcher(load_userdict())


# --- analysis (shared by the index and the queries) ------------------------------------------


def normalise(text: str) -> str:
    """Lower-cased, whitespace removed: how names, terms and queries are compared."""
    return _SPACES.sub("", (text or "").lower())


def phrase_tokens(text: str) -> list[str]:
    """jieba search-mode tokens plus the whole catalogue terms found in ``text``."""
    return fts.tokenize(text) + _terms().find(text)


def pinyin_tokens(tokens: list[str]) -> list[str]:
    """Pinyin of the Chinese tokens of two or more characters (one character is too vague)."""
    out = []
    for token in tokens:
        if len(token) >= 2:
            py = fts.pinyin_of(token)
            if py:
                out.append(py)
    return out


@dataclass(frozen=True)
class Query:
    """A query as the index sees it."""

    text: str  # normalised
    words: tuple[str, ...]  # the query's own tokens (question words dropped)
    sounds: tuple[str, ...]  # pinyin of each word ("" when it has none)
    expansions: tuple[str, ...]  # canonical terms of colloquial phrases in the query
    tokens: tuple[str, ...]  # everything sent to the index, at most MAX_TOKENS

    # what re-ranking reads of the query for every candidate, computed once

    @cached_property
    def chars(self) -> frozenset[str]:
        return frozenset(self.text)

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def rank_words(self) -> tuple[tuple[str, str], ...]:
        """``(word, pinyin)`` of the words re-ranking counts: single characters (开, 证, 办)
        say little about an item, so they count only when the query has nothing longer."""
        words = tuple((w, p) for w, p in zip(self.words, self.sounds, strict=True) if len(w) >= 2)
        return words or tuple((w, "") for w in self.words)


def parse_query(query: str) -> Query | None:
    """The query's tokens, or ``None`` when there is nothing to search (fewer than
    :data:`MIN_QUERY_CHARS` letters or digits)."""
    raw = (query or "")[:MAX_QUERY_CHARS]
    if len(_WORD_CHAR.findall(raw)) < MIN_QUERY_CHARS:
        return None
    text = normalise(raw)
    seen: dict[str, None] = {}
    for token in fts.query_tokens(raw, max_chars=MAX_QUERY_CHARS, max_tokens=MAX_TOKENS):
        seen.setdefault(token, None)
    for token in _terms().find(raw):
        seen.setdefault(token, None)
    words = tuple(seen)
    matcher, table = _synonyms()
    expansions: dict[str, None] = {}
    for phrase in matcher.find(raw):
        for term in table[phrase]:
            expansions.setdefault(normalise(term), None)
    tokens = dict(seen)
    jieba = fts.get_jieba()
    for term in expansions:
        # the whole term and its plain segmentation (not search mode: its sub-words such as
        # 饮店 of 餐饮店 would widen the match for nothing)
        tokens.setdefault(term, None)
        for token in jieba.lcut(term, HMM=False):
            if _WORD_CHAR.search(token):
                tokens.setdefault(token, None)
    for token in pinyin_tokens(list(words)):
        tokens.setdefault(token, None)
    return Query(
        text=text,
        words=words,
        sounds=tuple(fts.pinyin_of(w) if len(w) >= 2 else "" for w in words),
        expansions=tuple(expansions),
        tokens=tuple(tokens)[:MAX_TOKENS],
    )


# --- search -----------------------------------------------------------------------------------


def _filters(audience: str | None, department: str | None) -> tuple[str, list]:
    from yiwang.catalog.choices import Audience

    where, params = [], []
    if audience:
        if audience not in Audience.values:
            raise InvalidInput(
                "catalog.unknown_audience",
                _("Unknown audience."),
                errors=[
                    {
                        "field": "audience",
                        "code": "catalog.unknown_audience",
                        "message": _("Unknown audience."),
                    }
                ],
            )
        where.append("a.audience LIKE %s")
        params.append(f"% {audience} %")
    if department:
        where.append("a.department = %s")
        params.append(department.strip())
    return " AND ".join(where), params


@dataclass
class _Candidate:
    """What re-ranking reads of one candidate, in the ranking query itself (no FAQ body: that
    is read for the final hits only)."""

    basic_id: int
    index_score: float
    code: str
    name: str
    kind: str
    terms: str
    department: str
    audience: str
    keyword_tokens: str
    pinyin_tokens: str
    published: int

    @property
    def synonyms(self) -> list[str]:
        return [t for t in self.terms.split("\n") if t]


# read with the ranking: the candidate's fields and its publication count
CANDIDATE_SELECT = (
    "a.code",
    "a.name",
    "a.kind",
    "a.terms",
    "a.department",
    "a.audience",
    "a.keyword_tokens",
    "a.pinyin_tokens",
    "(SELECT COUNT(*) FROM catalog_implementationitem i "
    "WHERE i.basic_id = a.basic_id AND i.current_id IS NOT NULL)",
)


def _rerank(doc: _Candidate, query: Query, top: float):
    """The index score (scaled to the best candidate's) plus what people mean by a match:
    the item's name or a colloquial term inside the query (or the query itself), how much the
    query looks like the name, the share of the query's words found in name and terms (or
    sounding like a word of them), and the share of expansion terms found in name, terms and
    themes. Returns ``(score, matched, snippet)``."""
    name = normalise(doc.name)
    synonyms = [n for n in map(normalise, doc.synonyms) if len(n) >= 2]
    names = [name, *synonyms]
    score = doc.index_score / top if top > 0 else 0.0
    matched: list[str] = []
    snippet = ""
    if query.text in names:
        score += 3.0
    if len(name) >= 2 and name in query.text:
        score += 1.5
        matched.append("name")
    elif len(query.text) >= 2 and query.text in name:
        score += 1.0
        matched.append("name")
    # how much the query looks like the name, character by character (a near-miss name)
    chars, name_chars = query.chars, set(name)
    score += len(chars & name_chars) / len(chars | name_chars)
    hit = max((s for s in synonyms if s in query.text), key=len, default="")
    if hit:
        score += 1.0 + min(len(hit), 6) / 6
        matched.append("synonym")
        snippet = next((s for s in doc.synonyms if normalise(s) == hit), hit)
    words = query.rank_words
    pinyin: list[str] | None = None
    covered = by_sound = 0
    for word, sound in words:
        if any(word in n for n in names):
            covered += 1
        elif sound:
            if pinyin is None:
                pinyin = doc.pinyin_tokens.split()
            if sound in pinyin:
                by_sound += 1  # a homophone typo of a word of the name (结昏 → 结婚)
    score += (covered + by_sound) / len(words)
    if covered and not matched:
        matched.append("name")
    if by_sound:
        matched.append("pinyin")
    if query.expansions:
        themes = doc.keyword_tokens
        found = sum(1 for t in query.expansions if any(t in n for n in names) or t in themes)
        score += found / len(query.expansions)
    if not query.token_set.isdisjoint(doc.keyword_tokens.split()):
        matched.append("theme")
    return score, matched, snippet


def _body_snippet(standard: dict, query: Query) -> str:
    words = sorted(set(query.words) | set(query.expansions), key=len, reverse=True)
    texts = [f"{f.get('q', '')} {f.get('a', '')}" for f in standard.get("faq") or []]
    texts += list(standard.get("conditions") or [])
    texts += [m.get("name", "") for m in standard.get("materials") or [] if isinstance(m, dict)]
    for text in texts:
        low = text.lower()
        if any(w in low for w in words if len(w) >= 2):
            return fts.snippet_of(text, words, 80)
    return ""


def term_frequencies(tokens: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """How many documents hold each token, in the head and in the body index (one indexed
    lookup; a token of no document is absent from both)."""
    if not tokens:
        return {}, {}
    marks = ", ".join(["%s"] * len(tokens))
    head: dict[str, int] = {}
    body: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, head_docs, body_docs FROM catalog_searchterm WHERE term IN ({marks})",  # noqa: S608
            list(tokens),
        )
        for term, head_docs, body_docs in cursor.fetchall():
            head[term] = head_docs
            body[term] = body_docs
    return head, body


def index_tokens(query: Query, doc_freq: dict[str, int]) -> list[str]:
    """The tokens of ``query`` worth sending to an index whose document frequencies are
    ``doc_freq``. Left out, because other tokens of the query already match their documents:

    * the pinyin of a word the index holds (its documents match the word itself; the pinyin
      is for typos, 结昏 → jiehun, which the index does not hold);
    * a word inside a longer word of the query that the index holds, when the part is in at
      most 10 % more documents than the whole (公积 and 积金 of 公积金): jieba's search mode
      cuts documents and queries alike, so every document with the whole has the parts and
      such a part adds (almost) no document;
    * the common words, when a rarer one remains (:func:`yiwang.core.search.drop_common`);
    * beyond :data:`INDEX_TOKENS`, the most frequent ones (a long pasted question).

    Every such token matches (nearly) the same documents as another one, so on PostgreSQL the
    planner, which takes the tokens of an OR for independent, would expect several times the
    real number of matches and scan the table instead of the GIN index; and each one costs
    ranking time on both vendors. Re-ranking still reads every word of the query."""
    known = {w for w in query.words if doc_freq.get(w, 0) > 0}
    typo_sounds = {s for w, s in zip(query.words, query.sounds, strict=True) if w not in known}
    echoes = (
        {s for w, s in zip(query.words, query.sounds, strict=True) if s and w in known}
        - typo_sounds
        - set(query.words)
    )
    inner = {
        w
        for w in query.words
        if any(w != k and w in k and doc_freq.get(w, 0) <= doc_freq[k] * 1.1 for k in known)
    }
    tokens = [t for t in query.tokens if t not in echoes and t not in inner]
    tokens = fts.drop_common(tokens, doc_freq, max_docs=COMMON_DOCS)
    if len(tokens) > INDEX_TOKENS:
        rarest = set(sorted(tokens, key=lambda t: doc_freq.get(t, 0))[:INDEX_TOKENS])
        tokens = [t for t in tokens if t in rarest]
    return tokens


def _final_rows(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Basic item id → (body tokens, standard as JSON text) of the final hits; the standard is
    decoded only for a hit whose snippet comes from it."""
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.basic_id, a.body_tokens, CAST(b.standard AS TEXT) "  # noqa: S608
            "FROM catalog_searchdocument a JOIN catalog_basicitem b ON b.id = a.basic_id "
            f"WHERE a.basic_id IN ({marks})",
            ids,
        )
        return {pk: (body or "", standard or "") for pk, body, standard in cursor.fetchall()}


def search_items(
    query: str, *, limit: int = 10, audience: str | None = None, department: str | None = None
) -> list[SearchHit]:
    """Active basic items matching ``query``, best first, at most ``limit`` (1–50).

    Public data: no actor. A query with fewer than two letters or digits (one character,
    punctuation only, blank) finds nothing; only its first 200 characters are read. ``audience``
    is ``person`` or ``legal_person`` (else ``InvalidInput``); ``department`` is the competent
    department's name. Three queries (four when the body index is consulted): the document
    frequencies of the query's tokens, the ranked candidates with their fields and publication
    counts, the final hits' FAQ tokens and standard (for ``matched``/``snippet``).

    The head index is asked without the query's common tokens when it has rarer ones
    (:data:`COMMON_DOCS`, :func:`yiwang.core.search.drop_common`); the body index only with
    its rare tokens, and not at all when there are none (a word of thousands of FAQ texts
    would only list items at random).
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    parsed = parse_query(query)
    if parsed is None or not parsed.tokens:
        return []
    where, params = _filters(audience, department)
    want = max(CANDIDATES, limit * 2)
    head_docs, body_docs = term_frequencies(parsed.tokens)
    rows = INDEX.ranked(
        index_tokens(parsed, head_docs),
        where=where,
        params=params,
        limit=want,
        select=CANDIDATE_SELECT,
    )
    candidates = [_Candidate(*row) for row in rows]
    body_tokens = fts.rare_tokens(parsed.tokens, body_docs, max_docs=COMMON_DOCS)
    if len(candidates) < limit and body_tokens:
        # too little in names and themes: the FAQ, conditions and materials may know
        top = max((c.index_score for c in candidates), default=1.0)
        seen = {c.basic_id for c in candidates}
        body = BODY_INDEX.ranked(
            body_tokens, where=where, params=params, limit=want, select=CANDIDATE_SELECT
        )
        body_top = max((row[1] for row in body), default=1.0) or 1.0
        for row in body:
            if row[0] not in seen:
                score = BODY_FACTOR * top * row[1] / body_top
                candidates.append(_Candidate(row[0], score, *row[2:]))
    if not candidates:
        return []
    top = max(c.index_score for c in candidates)
    scored = sorted(
        ((c, *_rerank(c, parsed, top)) for c in candidates), key=lambda s: (-s[1], s[0].code)
    )[:limit]
    final = _final_rows([c.basic_id for c, *_ in scored])
    tokens = set(parsed.tokens)
    hits = []
    for doc, score, matched, snippet in scored:
        body_text, standard = final.get(doc.basic_id, ("", ""))
        if not tokens.isdisjoint(body_text.split()):
            matched.append("faq")
            if not snippet and standard:
                snippet = _body_snippet(json.loads(standard) or {}, parsed)
        hits.append(
            SearchHit(
                code=doc.code,
                name=doc.name,
                kind=doc.kind,
                department=doc.department,
                audience=tuple(doc.audience.split()),
                score=round(score, 4),
                matched=tuple(matched),
                snippet=snippet,
                published_count=doc.published,
            )
        )
    return hits


def published_counts(basic_ids: list[int]) -> dict[int, int]:
    """Basic item id → how many of its implementations are published now (one query)."""
    from yiwang.catalog.models import ImplementationItem

    rows = (
        ImplementationItem.objects.filter(basic_id__in=basic_ids, current__isnull=False)
        .values("basic_id")
        .annotate(n=Count("id"))
        .values_list("basic_id", "n")
    )
    return dict(rows)
