"""Keeps the catalogue search index in step (docs/modules/catalog-search.md).

:func:`search_documents_refresh` rebuilds the :class:`SearchDocument` of some basic items from
the item, its life events and the FAQ of its published implementations; the import, publication
and withdrawal services call it inside their transaction, so the index never disagrees with
what is published. :func:`search_index_rebuild` (``yiwang catalog reindex``) redoes every
document, e.g. after migrating or after changing the synonym or term files.

Both keep the :class:`SearchTerm` document frequencies in step: a refresh adds the new
documents' terms and subtracts the replaced ones' (one upsert per changed term), a rebuild
counts every document afresh (which also repairs counts that a deletion outside these
services left too high).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from yiwang.catalog.models import BasicItem, ImplementationItem, SearchDocument, SearchTerm
from yiwang.catalog.search import phrase_tokens, pinyin_tokens
from yiwang.core import search as fts
from yiwang.core.audit import audit_record

BATCH = 500
TERM_MAX_CHARS = 200  # SearchTerm.term; a longer token is unique anyway and is not counted


def _join(tokens: Iterable[str]) -> str:
    return " ".join(t for t in tokens if t)


def _whole(text: str) -> str:
    # The whole name or term as one token too, so a query containing it matches it exactly.
    return fts.PhraseMatcher.normalise(text)


def document_of(basic: BasicItem, *, events: list[str], faqs: list[dict]) -> SearchDocument:
    """The unsaved search document of ``basic``."""
    names = [basic.name, *basic.synonyms]
    name_tokens: list[str] = []
    for text in names:
        name_tokens += [*phrase_tokens(text), _whole(text)]
    result = (basic.standard or {}).get("result") or {}
    keywords = [*basic.themes, *events, basic.department]
    if basic.parent_id is not None:
        keywords.append(basic.parent.name)
    if isinstance(result, dict) and result.get("name"):
        keywords.append(result["name"])
    keyword_tokens: list[str] = []
    for text in keywords:
        keyword_tokens += [*phrase_tokens(text), _whole(text)]
    std = basic.standard or {}
    body = list(std.get("conditions") or [])
    body += [m.get("name", "") for m in std.get("materials") or [] if isinstance(m, dict)]
    seen: set[str] = set()
    for faq in [*(std.get("faq") or []), *faqs]:
        if not isinstance(faq, dict):
            continue
        text = f"{faq.get('q', '')} {faq.get('a', '')}".strip()
        if text and text not in seen:
            seen.add(text)
            body.append(text)
    return SearchDocument(
        basic_id=basic.pk,
        code=basic.code,
        name=basic.name,
        kind=basic.kind,
        terms="\n".join(basic.synonyms),
        name_tokens=_join(name_tokens),
        keyword_tokens=_join(keyword_tokens),
        pinyin_tokens=_join(dict.fromkeys(pinyin_tokens(name_tokens))),
        body_tokens=_join(fts.tokenize("\n".join(body))),
        audience=" " + " ".join(basic.audience) + " " if basic.audience else "",
        department=basic.department,
        faq_count=len(seen),
    )


def _documents(ids: list[int]) -> Iterator[SearchDocument]:
    items = (
        BasicItem.objects.filter(pk__in=ids, is_active=True)
        .select_related("parent")
        .prefetch_related("life_events")
    )
    faqs: dict[int, list[dict]] = defaultdict(list)
    rows = ImplementationItem.objects.filter(basic_id__in=ids, current__isnull=False).values_list(
        "basic_id", "current__faq"
    )
    for basic_id, faq in rows:
        faqs[basic_id] += [f for f in faq or [] if isinstance(f, dict)]
    for basic in items:
        yield document_of(
            basic,
            events=[e.name for e in basic.life_events.all()],
            faqs=faqs[basic.pk],
        )


class _TermCounts:
    """Per-term changes of the document frequencies (head, body) while documents are written."""

    def __init__(self) -> None:
        self.head: Counter[str] = Counter()
        self.body: Counter[str] = Counter()

    def add(self, name: str, keyword: str, pinyin: str, body: str, *, sign: int = 1) -> None:
        """Count one document's terms (each once per index) with ``sign`` ±1."""
        for term in {t for t in f"{name} {keyword} {pinyin}".split() if len(t) <= TERM_MAX_CHARS}:
            self.head[term] += sign
        for term in {t for t in body.split() if len(t) <= TERM_MAX_CHARS}:
            self.body[term] += sign

    def add_document(self, doc: SearchDocument, *, sign: int = 1) -> None:
        self.add(doc.name_tokens, doc.keyword_tokens, doc.pinyin_tokens, doc.body_tokens, sign=sign)

    def changed(self) -> list[tuple[str, int, int]]:
        """``(term, head change, body change)`` of every term whose counts change."""
        terms = {t for t, n in self.head.items() if n} | {t for t, n in self.body.items() if n}
        return [(t, self.head[t], self.body[t]) for t in sorted(terms)]


def _write(ids: list[int], counts: _TermCounts, *, replaced: bool) -> int:
    """Replace the documents of ``ids`` and count their terms in ``counts`` — minus the terms of
    the documents they replace when ``replaced`` (a rebuild counts from zero)."""
    docs = list(_documents(ids))
    old = SearchDocument.objects.filter(basic_id__in=ids)
    if replaced:
        for row in old.values_list("name_tokens", "keyword_tokens", "pinyin_tokens", "body_tokens"):
            counts.add(*row, sign=-1)
    old.delete()
    SearchDocument.objects.bulk_create(docs, batch_size=BATCH)
    for doc in docs:
        counts.add_document(doc)
    return len(docs)


def _apply_term_changes(counts: _TermCounts) -> None:
    """Add the changes to :class:`SearchTerm` (an upsert per term, one statement for all on
    both vendors) and drop the terms no document holds any more."""
    rows = counts.changed()
    if not rows:
        return
    table = SearchTerm._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (term, head_docs, body_docs) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (term) DO UPDATE SET head_docs = {table}.head_docs + excluded.head_docs, "
            f"body_docs = {table}.body_docs + excluded.body_docs",
            rows,
        )
    if any(head < 0 or body < 0 for _, head, body in rows):
        SearchTerm.objects.filter(head_docs__lte=0, body_docs__lte=0).delete()


def search_documents_refresh(*, basic_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these basic items (an inactive or missing item loses
    its document) and the document frequencies of their terms. Returns how many documents were
    written. Runs in the caller's transaction."""
    ids = sorted(set(basic_ids))
    written = 0
    counts = _TermCounts()
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            written += _write(ids[start : start + BATCH], counts, replaced=True)
        _apply_term_changes(counts)
    return written


def search_index_rebuild(*, actor, progress=None) -> dict[str, int]:
    """Rebuild every document (``yiwang catalog reindex``): all active basic items, none for
    inactive ones, and the document frequencies of all terms, counted afresh.
    ``progress(done, total)`` is called after each batch. Audited."""
    ids = list(BasicItem.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    written = 0
    frequencies = _TermCounts()
    with transaction.atomic():
        removed, _ = SearchDocument.objects.exclude(
            basic_id__in=BasicItem.objects.filter(is_active=True)
        ).delete()
        SearchTerm.objects.all().delete()
        for start in range(0, len(ids), BATCH):
            written += _write(ids[start : start + BATCH], frequencies, replaced=False)
            if progress is not None:
                progress(min(start + BATCH, len(ids)), len(ids))
        terms = [SearchTerm(term=t, head_docs=h, body_docs=b) for t, h, b in frequencies.changed()]
        SearchTerm.objects.bulk_create(terms, batch_size=BATCH)
        counts = {"documents": written, "removed": removed, "terms": len(terms)}
        audit_record(
            actor=actor,
            action="catalog.search.reindex",
            object_type="catalog.searchdocument",
            changes=counts,
        )
    return counts


def userdict_terms() -> list[str]:
    """The catalogue's search terms (for ``data/search_userdict.txt``): every active item's
    name, colloquial terms of 2–12 characters, themes, main item and result names, and the life
    events; normalised (lower case, no spaces), sorted."""
    from yiwang.catalog.models import LifeEvent

    terms: set[str] = set(LifeEvent.objects.values_list("name", flat=True))
    for basic in BasicItem.objects.filter(is_active=True).select_related("parent"):
        terms.add(basic.name)
        terms.update(s for s in basic.synonyms if 2 <= len(s) <= 12)
        terms.update(basic.themes)
        if basic.parent_id is not None:
            terms.add(basic.parent.name)
        result = (basic.standard or {}).get("result") or {}
        if isinstance(result, dict) and 2 <= len(result.get("name") or "") <= 12:
            terms.add(result["name"])
    return sorted({_whole(t) for t in terms if _whole(t)})
