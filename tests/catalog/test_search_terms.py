"""Document frequencies of the catalogue search index (``SearchTerm``) and what a query sends to
the index: the counts follow import, publication, withdrawal, deactivation and reindexing; the
query leaves out the pinyin of words the index holds, parts that add no document, common words
when rarer ones exist, and all but its rarest tokens — and still ranks the right item first."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.db import connection

from yiwang.catalog import search as catalog_search
from yiwang.catalog.data_check import load_demo
from yiwang.catalog.models import BasicItem, SearchDocument, SearchTerm
from yiwang.catalog.search import Query, index_tokens, parse_query, search_items, term_frequencies
from yiwang.catalog.services import (
    catalogue_import,
    implementation_create,
    implementation_withdraw,
    version_publish,
    version_submit,
    version_update,
)
from yiwang.catalog.services.search_index import (
    TERM_MAX_CHARS,
    search_documents_refresh,
    search_index_rebuild,
)

WATER = "取水许可"


@pytest.fixture
def demo(db):
    catalogue_import(actor=None, data=load_demo())


def _recount() -> dict[str, tuple[int, int]]:
    """What the counts must be: every document's distinct head and body terms."""
    head, body = Counter(), Counter()
    rows = SearchDocument.objects.values_list(
        "name_tokens", "keyword_tokens", "pinyin_tokens", "body_tokens"
    )
    for name, keyword, pinyin, text in rows:
        head.update({t for t in f"{name} {keyword} {pinyin}".split() if len(t) <= TERM_MAX_CHARS})
        body.update({t for t in text.split() if len(t) <= TERM_MAX_CHARS})
    return {t: (head[t], body[t]) for t in head | body}


def _stored() -> dict[str, tuple[int, int]]:
    rows = SearchTerm.objects.values_list("term", "head_docs", "body_docs")
    return {t: (h, b) for t, h, b in rows}


# --- the counts follow the documents ----------------------------------------------------------


def test_import_counts_every_term_of_every_document(demo):
    stored = _stored()
    assert stored == _recount()
    assert stored["许可"][0] > 10  # a common word of item names
    assert stored["食品经营许可"][0] >= 1
    docs = SearchDocument.objects.count()
    assert all(h + b > 0 and h <= docs and b <= docs for h, b in stored.values())


def test_publication_adds_its_faq_words_and_withdrawal_takes_them_out(cat):
    search_documents_refresh(basic_ids=[cat.basic.pk])
    assert not SearchTerm.objects.filter(term="摊位").exists()
    item = implementation_create(
        actor=cat.xz_editor, basic_id=cat.basic.pk, organisation_id=cat.xz_dept.pk, operation="new"
    )
    version = item.versions.get()
    faq = [{"q": "夜市摊位可以申请吗？", "a": "夜市摊位按食品摊贩登记管理。"}]
    version_update(actor=cat.xz_editor, version_id=version.pk, faq=faq)
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    version_publish(actor=cat.reviewer, version_id=version.pk)
    assert _stored()["摊位"] == (0, 1)  # 夜市摊位 is cut into 夜市 and 摊位
    assert _stored() == _recount()
    implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason="事项调整")
    assert not SearchTerm.objects.filter(term="摊位").exists()  # no document holds it
    assert _stored() == _recount()


def test_an_item_leaving_the_index_takes_its_terms_out(demo):
    basic = BasicItem.objects.get(name=WATER)
    before = _stored()
    basic.is_active = False
    basic.save(update_fields=["is_active"])
    search_documents_refresh(basic_ids=[basic.pk])
    after = _stored()
    assert after == _recount()
    assert after["许可"][0] == before["许可"][0] - 1
    assert after.get(WATER, (0, 0))[0] == before[WATER][0] - 1


def test_a_reindex_counts_afresh_and_repairs_counts_left_wrong(demo):
    # writers outside the services (a cascade, the shell) leave the counts too high
    SearchTerm.objects.filter(term="许可").update(head_docs=99_999)
    SearchDocument.objects.filter(basic__name=WATER).delete()
    counts = search_index_rebuild(actor=None)
    assert counts["terms"] == SearchTerm.objects.count()
    assert _stored() == _recount()
    assert _stored()["许可"][0] < 99_999


def test_the_migration_counts_the_documents_already_indexed(demo):
    migration = importlib.import_module("yiwang.catalog.migrations.0004_search_terms")
    SearchTerm.objects.all().delete()
    migration.count_terms(apps, None)
    assert _stored() == _recount()


def test_term_frequencies_reads_both_indexes_in_one_query(demo, django_assert_num_queries):
    with django_assert_num_queries(1):
        head, body = term_frequencies(("许可", "食品经营许可", "没有这个词"))
    assert head["许可"] == _stored()["许可"][0] and body["许可"] == _stored()["许可"][1]
    assert "没有这个词" not in head and "没有这个词" not in body
    assert term_frequencies(()) == ({}, {})


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="GIN indexes exist on PostgreSQL only"
)
def test_the_postgresql_gin_indexes_have_no_pending_list(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN "
            "('catalog_search_fts_gin', 'catalog_search_body_fts_gin')"
        )
        options = dict(cursor.fetchall())
    assert options == {
        "catalog_search_fts_gin": ["fastupdate=off"],
        "catalog_search_body_fts_gin": ["fastupdate=off"],
    }


# --- what a query sends to the index ----------------------------------------------------------


def _query(words: list[str], sounds: list[str], extra: tuple[str, ...] = ()) -> Query:
    tokens = (*words, *extra, *(s for s in sounds if s))
    return Query("".join(words), tuple(words), tuple(sounds), (), tokens)


def test_the_pinyin_of_a_word_the_index_holds_is_left_out_a_typo_keeps_it():
    freq = {"结婚": 12, "jiehun": 12, "登记": 40}
    query = _query(["结婚", "登记"], ["jiehun", "dengji"])
    assert index_tokens(query, freq) == ["结婚", "登记"]
    typo = _query(["结昏", "登记"], ["jiehun", "dengji"])  # 结昏 is in no document
    assert index_tokens(typo, freq) == ["结昏", "登记", "jiehun"]


def test_a_part_that_adds_no_document_is_left_out():
    query = _query(["公积", "积金", "公积金", "提取"], ["", "", "", ""])
    assert index_tokens(query, {"公积": 20, "积金": 21, "公积金": 20, "提取": 5}) == [
        "公积金",
        "提取",
    ]
    # 公积 in many more documents than 公积金: it finds other items, it stays
    assert index_tokens(query, {"公积": 90, "积金": 20, "公积金": 20, "提取": 5}) == [
        "公积",
        "公积金",
        "提取",
    ]


def test_common_words_are_left_out_only_when_a_rarer_word_remains(monkeypatch):
    monkeypatch.setattr(catalog_search, "COMMON_DOCS", 100)
    query = _query(["取水", "许可"], ["", ""])
    assert index_tokens(query, {"取水": 3, "许可": 2000}) == ["取水"]
    assert index_tokens(query, {"取水": 300, "许可": 2000}) == ["取水", "许可"]


def test_a_long_question_sends_its_rarest_tokens_only():
    words = [f"词{i:02d}" for i in range(30)]
    freq = {w: 100 - i for i, w in enumerate(words)}  # later words are rarer
    sent = index_tokens(_query(words, [""] * 30), freq)
    assert sent == words[-catalog_search.INDEX_TOKENS :]


def test_a_common_word_does_not_reach_the_index_yet_the_item_still_ranks_first(demo, monkeypatch):
    monkeypatch.setattr(catalog_search, "COMMON_DOCS", 10)
    parsed = parse_query(WATER)
    head, _ = term_frequencies(parsed.tokens)
    assert head["许可"] > 10 and "许可" not in index_tokens(parsed, head)
    assert search_items(WATER)[0].name == WATER
    # a query of common words only is still answered
    assert search_items("许可", limit=5)
