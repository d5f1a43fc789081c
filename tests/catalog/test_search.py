"""Chinese search of the service catalogue: the index follows import, publication, withdrawal
and ``yiwang catalog reindex``; recall@5 on the labelled query set; bad queries (one character,
punctuation, mixed English, 2,000 characters, query syntax) give sensible or empty results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yiwang.catalog.data_check import load_demo
from yiwang.catalog.models import BasicItem, SearchDocument
from yiwang.catalog.search import (
    MAX_TOKENS,
    SYNONYMS_FILE,
    check_synonyms,
    load_synonyms,
    load_userdict,
    parse_query,
    search_items,
)
from yiwang.catalog.services import (
    catalogue_import,
    implementation_create,
    implementation_withdraw,
    version_publish,
    version_submit,
    version_update,
)
from yiwang.catalog.services.search_index import search_documents_refresh
from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditLog

QUERIES = json.loads(
    (Path(__file__).parent / "data" / "search_queries.json").read_text(encoding="utf-8")
)["queries"]
FOOD = "010010004000"  # 食品经营许可
COMPANY = "010010001001"  # 企业设立登记


@pytest.fixture
def demo(db):
    catalogue_import(actor=None, data=load_demo())


def _codes(query, **kwargs):
    return [h.code for h in search_items(query, **kwargs)]


def recall_at_5(queries) -> float:
    """Mean over the queries with expected items of |expected ∩ top 5| / |expected|."""
    scores = []
    for q in queries:
        if q["expected"]:
            top = set(_codes(q["q"], limit=5))
            scores.append(len(top & set(q["expected"])) / len(q["expected"]))
    return sum(scores) / len(scores)


# --- quality ----------------------------------------------------------------------------------


def test_recall_at_5_on_the_labelled_set_is_at_least_90_percent(demo):
    assert len(QUERIES) >= 60
    assert recall_at_5(QUERIES) >= 0.90
    # queries naming nothing of the catalogue: the words-free ones find nothing at all
    for q in ("！！！？？？", "哈哈哈", "asdfghjkl"):
        assert search_items(q) == [], q


def test_a_colloquial_question_finds_the_licence_and_the_company_registration(demo):
    hits = search_items("开饭店要办什么证", limit=5)
    codes = [h.code for h in hits]
    assert {FOOD, COMPANY} <= set(codes)
    food = hits[codes.index(FOOD)]
    assert food.name == "食品经营许可" and "synonym" in food.matched and food.snippet == "开饭店"
    assert food.kind == "xk" and food.department == "市场监督管理局"
    assert "legal_person" in food.audience
    assert hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.parametrize(
    "query, code",
    [
        ("结昏登记", "070030001000"),  # homophone typo: jiehun = 结婚
        ("护招", "010020012000"),  # huzhao = 护照
        ("ETC办理", "200110013000"),
        ("app怎么注册公司", COMPANY),
        ("visa extension 签证延期", "010020016000"),
        ("食品经营许可", FOOD),  # the exact name comes first
    ],
)
def test_typos_mixed_english_and_exact_names_rank_first(demo, query, code):
    assert _codes(query, limit=3)[0] == code


def test_audience_and_department_filters(demo):
    legal = search_items("许可", limit=50, audience="legal_person")
    assert legal and all("legal_person" in h.audience for h in legal)
    people = search_items("补办", limit=50, audience="person")
    assert people and all("person" in h.audience for h in people)
    police = search_items("驾照", limit=50, department="公安局")
    assert police and {h.department for h in police} == {"公安局"}
    assert search_items("驾照", department="没有这个部门") == []
    with pytest.raises(InvalidInput) as exc:
        search_items("驾照", audience="alien")
    assert exc.value.errors[0]["field"] == "audience"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["证", "a", " 办 ", "", "   ", "！！！？？？", "。，、；", "--"])
def test_one_character_blank_or_punctuation_only_finds_nothing(demo, query):
    assert parse_query(query) is None
    assert search_items(query) == []


def test_a_2000_character_query_is_cut_and_capped_not_an_error(demo):
    long = "我想开饭店要办什么证" + "请问怎么办理营业执照和食品经营许可证谢谢" * 100
    assert len(long) >= 2000
    parsed = parse_query(long)
    assert parsed is not None and len(parsed.tokens) <= MAX_TOKENS
    assert FOOD in _codes(long, limit=5)


@pytest.mark.parametrize(
    "query",
    ['"食品" OR NEAR(经营 *', "食品:经营", "食品 AND -许可", "name:驾照", "(((", "a' OR 1=1 --"],
)
def test_query_syntax_in_user_input_is_plain_text(demo, query):
    search_items(query)  # no error, whatever it finds


def test_limit_is_clamped(demo):
    assert len(search_items("许可", limit=500)) == 50
    assert len(search_items("许可", limit=0)) == 1


# --- the index follows the catalogue ----------------------------------------------------------


def test_import_indexes_new_and_changed_items_only(demo):
    assert SearchDocument.objects.count() == BasicItem.objects.filter(is_active=True).count()
    data = load_demo()
    del data["life_events"]
    food = next(i for i in data["items"] if i["code"] == FOOD)
    food["synonyms"] = [*food["synonyms"], "开螺蛳粉店"]
    before = dict(SearchDocument.objects.values_list("basic_id", "indexed_at"))
    counts = catalogue_import(actor=None, data=data)
    assert counts["updated"] == 1
    assert _codes("开螺蛳粉店", limit=1) == [FOOD]
    after = dict(SearchDocument.objects.values_list("basic_id", "indexed_at"))
    changed = [pk for pk in after if after[pk] != before.get(pk)]
    assert changed == [BasicItem.objects.get(code=FOOD).pk]


def _two_items_and_an_event(name: str, codes: list[str]) -> dict:
    """Two demo items (food licence, company registration; no themes) and one life event."""
    items = {i["code"]: dict(i, themes=[]) for i in load_demo()["items"]}
    return {
        "format": "yiwang.catalog/1",
        "items": [items[FOOD], items[COMPANY]],
        "life_events": [{"code": "LE90", "name": name, "audience": "legal_person", "items": codes}],
    }


def test_a_life_event_added_by_import_finds_its_items(db):
    catalogue_import(actor=None, data=_two_items_and_an_event("夜市创业", [FOOD]))
    assert search_items("夜市创业")[0].code == FOOD
    data = load_demo()
    data["life_events"].append(
        {"code": "LE91", "name": "开螺蛳粉店", "audience": "legal_person", "items": [FOOD]}
    )
    catalogue_import(actor=None, data=data)
    assert _codes("开螺蛳粉店", limit=1) == [FOOD]


def test_an_item_leaving_a_life_event_loses_it_even_when_not_in_the_file(db):
    catalogue_import(actor=None, data=_two_items_and_an_event("夜市创业", [FOOD, COMPANY]))
    assert set(_codes("夜市创业", limit=2)) == {FOOD, COMPANY}
    data = _two_items_and_an_event("夜市创业", [FOOD])
    data["items"] = data["items"][:1]  # the company registration is not in this file
    catalogue_import(actor=None, data=data)
    assert _codes("夜市创业") == [FOOD]


def test_a_renamed_life_event_is_found_by_its_new_name_only(db):
    catalogue_import(actor=None, data=_two_items_and_an_event("夜市创业", [FOOD, COMPANY]))
    catalogue_import(actor=None, data=_two_items_and_an_event("摆摊开店", [FOOD, COMPANY]))
    assert set(_codes("摆摊开店", limit=2)) == {FOOD, COMPANY}
    assert _codes("夜市创业") == []


def test_reimporting_unchanged_life_events_reindexes_nothing(demo):
    before = dict(SearchDocument.objects.values_list("basic_id", "indexed_at"))
    data = load_demo()
    event = data["life_events"][0]
    counts = catalogue_import(actor=None, data=data)
    assert counts["updated"] == 0 and counts["life_events"] == len(data["life_events"])
    assert dict(SearchDocument.objects.values_list("basic_id", "indexed_at")) == before
    # one event loses an item (not one of its bundle's): that item alone is reindexed
    leaving = event["items"][-1]
    assert leaving not in (event.get("bundle") or {}).get("items", [])
    event["items"] = event["items"][:-1]
    catalogue_import(actor=None, data=data)
    after = dict(SearchDocument.objects.values_list("basic_id", "indexed_at"))
    assert [pk for pk in after if after[pk] != before[pk]] == [
        BasicItem.objects.get(code=leaving).pk
    ]


def test_a_renamed_main_item_reindexes_its_sub_items(demo):
    main_item = BasicItem.objects.get(code=COMPANY)
    sub = BasicItem.objects.get(code=FOOD)
    sub.parent = main_item
    sub.save(update_fields=["parent"])
    search_documents_refresh(basic_ids=[sub.pk])
    data = load_demo()
    del data["life_events"]
    company = next(i for i in data["items"] if i["code"] == COMPANY)
    company["name"] = "企业设立登记（含螺蛳粉工坊）"
    catalogue_import(actor=None, data=data)
    assert "螺蛳粉工坊" in SearchDocument.objects.get(code=FOOD).keyword_tokens


def test_an_inactive_item_leaves_the_index(demo):
    basic = BasicItem.objects.get(code=FOOD)
    basic.is_active = False
    basic.save(update_fields=["is_active"])
    search_documents_refresh(basic_ids=[basic.pk])
    assert FOOD not in _codes("开饭店要办什么证", limit=50)


def test_publication_indexes_the_faq_and_withdrawal_takes_it_out(cat):
    search_documents_refresh(basic_ids=[cat.basic.pk])
    assert search_items("夜市摊位") == []
    item = implementation_create(
        actor=cat.xz_editor, basic_id=cat.basic.pk, organisation_id=cat.xz_dept.pk, operation="new"
    )
    version = item.versions.get()
    faq = [{"q": "夜市摊位可以申请吗？", "a": "夜市摊位按食品摊贩登记管理，不需要食品经营许可。"}]
    version_update(actor=cat.xz_editor, version_id=version.pk, faq=faq)
    assert search_items("夜市摊位") == []  # a draft is not public
    version_submit(actor=cat.xz_editor, version_id=version.pk)
    version_publish(actor=cat.reviewer, version_id=version.pk)
    (hit,) = search_items("夜市摊位")
    assert hit.code == cat.basic.code and hit.published_count == 1
    assert "faq" in hit.matched
    implementation_withdraw(actor=cat.reviewer, item_id=item.pk, reason="事项调整")
    assert search_items("夜市摊位") == []
    assert search_items("食品经营许可")[0].published_count == 0


def test_reindex_command_rebuilds_every_document(demo, capsys):
    from yiwang.cli import main

    SearchDocument.objects.all().delete()
    assert search_items("开饭店") == []
    assert main(["catalog", "reindex"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["documents"] == BasicItem.objects.filter(is_active=True).count()
    assert FOOD in _codes("开饭店", limit=3)
    assert AuditLog.objects.filter(action="catalog.search.reindex").exists()


def test_userdict_command_writes_the_catalogue_terms(demo, tmp_path):
    from yiwang.cli import main

    out = tmp_path / "terms.txt"
    assert main(["catalog", "userdict", "--output", str(out)]) == 0
    terms = load_userdict(out)
    assert {"食品经营许可", "开饭店", "开办餐饮店"} <= set(terms)


# --- data files -------------------------------------------------------------------------------


def test_the_shipped_synonyms_and_terms_are_valid():
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    assert check_synonyms(data) == []
    table = load_synonyms()
    assert {"餐饮", "食品经营"} <= set(table["开饭店"])
    assert "户口" in table["上户口"]
    assert len(load_userdict()) > 300


@pytest.mark.parametrize(
    "document",
    [
        {"format": "other", "groups": []},
        {"format": "yiwang.catalog.search_synonyms/1", "groups": []},
        {"format": "yiwang.catalog.search_synonyms/1", "groups": [{"phrases": ["开饭店"]}]},
        {"format": "yiwang.catalog.search_synonyms/1", "groups": [{"phrases": [""], "terms": []}]},
    ],
)
def test_a_malformed_synonyms_file_is_refused(tmp_path, document):
    assert check_synonyms(document)
    path = tmp_path / "synonyms.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError):
        load_synonyms(path)
