"""The shipped demo catalogue data (基本目录, life events, labelled search queries) and the
format validator ``catalog.data_check``: the files pass, cover the city's departments and the
common items, and every documented rule catches a planted error. No database."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest

from yiwang.catalog.data_check import (
    DATA_DIR,
    KIND_CODES,
    check_catalogue,
    check_queries,
    load_demo,
    natural_days,
)

pytestmark = []

QUERIES_FILE = Path(__file__).parent / "data" / "search_queries.json"

# Departments of a prefecture-level city the demo must cover (names as in Zhuhai, no 市 prefix).
DEPARTMENTS = [
    "市场监督管理局",
    "公安局",
    "民政局",
    "人力资源和社会保障局",
    "医疗保障局",
    "卫生健康局",
    "教育局",
    "住房和城乡建设局",
    "自然资源局",
    "生态环境局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "商务局",
    "文化广电旅游体育局",
    "应急管理局",
    "税务局",
    "城市管理和综合执法局",
    "消防救援支队",
    "住房公积金管理中心",
    "残疾人联合会",
    "退役军人事务局",
    "司法局",
    "发展和改革局",
    "工业和信息化局",
    "科技创新局",
    "财政局",
    "统计局",
    "气象局",
    "烟草专卖局",
    "人民防空办公室",
    "林业局",
    "海洋发展局",
    "港口管理局",
]
# 公安: 户政 / 出入境 / 交警 / 治安 are offices of one department.
POLICE_OFFICES = ["户政", "出入境", "交通警察", "治安"]

# Items the brief names: a keyword each that must occur in some item's name.
REQUIRED_ITEMS = [
    "食品经营许可",
    "企业设立登记",
    "企业变更登记",
    "企业注销登记",
    "建筑工程施工许可证核发",
    "户口迁移",
    "结婚登记",
    "离婚登记",
    "社会保障卡申领",
    "机动车驾驶证换证",
    "公共场所卫生许可",
    "排污许可",
    "个体工商户登记",
    "出生医学证明",
    "居民身份证申领",
    "护照签发",
    "往来港澳通行证",
    "住房公积金",
    "失业保险金申领",
    "医疗保险参保登记",
    "城乡居民养老保险参保",
    "最低生活保障",
    "药品零售",
    "道路货物运输经营许可",
    "烟草专卖零售许可",
    "消防安全检查",
    "不动产转移登记",
    "不动产抵押登记",
    "建设工程规划许可",
    "建设用地规划许可",
    "施工图",
    "出租汽车",
    "网络预约出租汽车",
    "民办学校设立",
    "教师资格认定",
    "医师执业注册",
    "护士执业注册",
    "残疾人证",
    "高龄津贴",
    "就业创业证",
    "职业技能",
    "取水许可",
    "林木采伐许可",
    "渔业捕捞许可",
    "种子生产经营许可",
    "农药经营许可",
    "营业性演出许可",
    "互联网上网服务营业场所",
    "旅行社设立",
    "危险化学品经营许可",
    "特种设备使用登记",
    "计量",
    "专利",
    "商标",
    "税务登记",
    "发票领用",
    "公章刻制备案",
    "银行账户开立",
    "用水报装",
    "用电报装",
    "燃气报装",
]
LIFE_EVENTS = ["出生", "入学", "就业", "结婚", "生育", "购房", "退休", "身后事", "开办企业"]
LIFE_EVENTS += ["开办餐饮店", "工程建设", "企业注销", "变更经营范围"]


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.fixture(scope="module")
def queries():
    return json.loads(QUERIES_FILE.read_text(encoding="utf-8"))["queries"]


# -- the shipped files ---------------------------------------------------------------------


def test_the_shipped_catalogue_passes_every_rule(demo):
    assert check_catalogue(demo) == []


def test_the_catalogue_has_at_least_300_items_sorted_by_code_pretty_utf8(demo):
    items = demo["items"]
    assert len(items) >= 300
    assert [i["code"] for i in items] == sorted(i["code"] for i in items)
    for name in ("basic_items.json", "life_events.json"):
        path = DATA_DIR / name
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
        assert "\\u" not in text  # Chinese as is, not escaped


def test_every_department_of_the_city_is_represented(demo):
    per_dept = Counter(i["department"] for i in demo["items"])
    assert [d for d in DEPARTMENTS if not per_dept[d]] == []
    offices = {i.get("office", "") for i in demo["items"] if i["department"] == "公安局"}
    assert [o for o in POLICE_OFFICES if not any(o in office for office in offices)] == []


def test_the_common_items_of_the_national_catalogue_are_there(demo):
    names = [i["name"] for i in demo["items"]]
    assert [k for k in REQUIRED_ITEMS if not any(k in n for n in names)] == []
    assert sum("不动产" in n and "登记" in n for n in names) >= 5


def test_elements_vary_between_items(demo):
    items = demo["items"]
    assert set(KIND_CODES) == {i["kind"] for i in items}
    assert {"immediate", "promised", "joint", "report"} == {i["handling_type"] for i in items}
    assert {0, 1, 2} == {i["visits"] for i in items}
    assert {1, 2, 3, 4} == {i["online_depth"] for i in items}
    assert {"city", "province", "cross_province", "cross_border"} == {i["tongban"] for i in items}
    assert {"working_day", "natural_day"} == {i["legal_limit"]["unit"] for i in items}
    assert len({(i["legal_limit"]["value"], i["promised_limit"]["value"]) for i in items}) >= 30
    material_sets = {tuple(m["name"] for m in i["materials"]) for i in items}
    assert len(material_sets) >= 250
    assert len({i["result"]["name"] for i in items}) >= 200
    assert sum(bool(i["fees"]) for i in items) >= 15
    assert all(i["synonyms"] for i in items)
    assert sum(len(i["faq"]) for i in items) >= len(items) * 3 // 2
    # items of one 主项 share the code's sequence and differ in the 子项 digits
    sub = [i for i in items if i.get("main_item") == "不动产登记"]
    assert len({i["code"][2:9] for i in sub}) == 1 and len({i["code"][9:] for i in sub}) == len(sub)


def test_life_events_cover_the_themes_and_at_least_five_bundles(demo):
    events = {e["name"]: e for e in demo["life_events"]}
    assert [e for e in LIFE_EVENTS if e not in events] == []
    bundles = [e["bundle"] for e in events.values() if e.get("bundle")]
    assert len(bundles) >= 5
    assert all(len(b["items"]) >= 2 and b["shared_materials"] for b in bundles)
    by_code = {i["code"]: i["name"] for i in demo["items"]}
    opening = [by_code[c] for c in events["开办餐饮店"]["bundle"]["items"]]
    assert "食品经营许可" in opening


def test_the_labelled_queries_name_existing_items(demo, queries):
    assert len(queries) >= 80
    assert check_queries(queries, demo) == []
    assert len({q["q"] for q in queries}) == len(queries)
    assert sum(not q["expected"] for q in queries) >= 3
    assert sum(q["note"] == "mixed_english" for q in queries) >= 3
    by_code = {i["code"]: i["name"] for i in demo["items"]}
    for q in queries:
        assert [by_code[c] for c in q["expected"]] == q["expected_names"], q["q"]
    first = next(q for q in queries if q["q"] == "开饭店要办什么证")
    assert {"食品经营许可", "企业设立登记"} <= set(first["expected_names"])


def test_mixed_units_are_compared_in_natural_days():
    assert natural_days(5, "working_day") == 7
    assert natural_days(3, "working_day") == 5  # 4.2 rounded up
    assert natural_days(30, "natural_day") == 30


# -- planted errors: one per rule -------------------------------------------------------------


def _item(doc, name):
    return next(i for i in doc["items"] if i["name"] == name)


def _set(item_name, **changes):
    def plant(doc):
        _item(doc, item_name).update(changes)

    return plant


def _material(item_name, index, **changes):
    def plant(doc):
        _item(doc, item_name)["materials"][index].update(changes)

    return plant


def _dup_code(doc):
    _item(doc, "结婚登记")["code"] = _item(doc, "离婚登记")["code"]


def _dup_name(doc):
    _item(doc, "结婚登记")["name"] = "离婚登记"


def _missing(field):
    def plant(doc):
        del _item(doc, "结婚登记")[field]

    return plant


def _dup_material(doc):
    mats = _item(doc, "食品经营许可")["materials"]
    mats.append(copy.deepcopy(mats[0]))


def _steps_over(doc):
    _item(doc, "食品经营许可")["steps"][1]["days"] = 30


def _unknown_theme(doc):
    _item(doc, "结婚登记")["themes"].append("养宠物")


def _event_unknown_code(doc):
    doc["life_events"][0]["items"].append("019999999000")


def _bundle_outside_event(doc):
    event = next(e for e in doc["life_events"] if e["name"] == "出生")
    event["bundle"]["items"].append(_item(doc, "排污许可")["code"])


def _bundle_bad_material(doc):
    event = next(e for e in doc["life_events"] if e["name"] == "出生")
    event["bundle"]["shared_materials"][0]["kind"] = "photo"


def _bundle_lead(doc):
    next(e for e in doc["life_events"] if e.get("bundle"))["bundle"]["lead_department"] = "某局"


def _dept_digits(doc):
    item = _item(doc, "结婚登记")
    item["code"] = item["code"][:2] + "999" + item["code"][5:]


def _kind_prefix(doc):
    item = _item(doc, "结婚登记")  # qr = 07
    item["code"] = "01" + item["code"][2:]


PLANTED = [
    ("duplicate code", _dup_code, "duplicate code"),
    ("duplicate name", _dup_name, "duplicate name"),
    ("code not 12 digits", _set("结婚登记", code="07003A001000"), "must be 12 digits"),
    ("code prefix vs kind", _kind_prefix, "does not match kind"),
    ("code department digits", _dept_digits, "department digits"),
    ("kind enum", _set("结婚登记", kind="xz"), ".kind: 'xz' is not one of"),
    ("unknown department", _set("结婚登记", department="婚姻局"), "not a listed department"),
    ("level enum", _set("结婚登记", implementing_levels=["province"]), "implementing_levels[0]"),
    ("levels empty", _set("结婚登记", implementing_levels=[]), "implementing_levels: must not"),
    ("audience enum", _set("结婚登记", audience=["citizen"]), "audience[0]"),
    ("operation enum", _set("食品经营许可", operations=["新设"]), "operations[0]"),
    ("duplicate operation", _set("食品经营许可", operations=["new", "new"]), "duplicate entry"),
    (
        "promised over legal",
        _set("食品经营许可", promised_limit={"value": 21, "unit": "working_day"}),
        "exceeds the legal limit",
    ),
    (
        "promised over legal in mixed units",
        _set(
            "离婚登记",
            promised_limit={"value": 22, "unit": "working_day"},
            steps=[{"name": "受理", "role": "窗口", "days": 1}],
            handling_type="promised",
        ),
        "exceeds the legal limit",
    ),
    (
        "limit unit enum",
        _set("食品经营许可", legal_limit={"value": 20, "unit": "month"}),
        "legal_limit.unit",
    ),
    (
        "negative limit",
        _set("食品经营许可", legal_limit={"value": -1, "unit": "working_day"}),
        "legal_limit.value",
    ),
    ("immediate with a limit", _set("食品经营许可", handling_type="immediate"), "immediate item"),
    ("limit 0 but not immediate", _set("结婚登记", handling_type="promised"), "immediate item"),
    ("handling type enum", _set("结婚登记", handling_type="fast"), "handling_type: 'fast'"),
    ("required element missing", _missing("basis"), ".basis: required element missing"),
    ("result missing", _missing("result"), ".result: required element missing"),
    ("wrong type", _set("结婚登记", visits="1"), ".visits: must be of type int"),
    ("basis without title marks", _set("结婚登记", basis=["婚姻登记条例"]), "title in 《》"),
    ("empty conditions", _set("结婚登记", conditions=[]), "conditions: must not be empty"),
    ("empty materials", _set("结婚登记", materials=[]), "materials: must not be empty"),
    ("material kind", _material("食品经营许可", 0, kind="scan"), "materials[0].kind"),
    ("material form", _material("食品经营许可", 0, form="fax"), "materials[0].form"),
    ("material source", _material("食品经营许可", 0, source="bank"), "materials[0].source"),
    (
        "conditional material without condition",
        _material("食品经营许可", 0, required=False, condition=""),
        "must say when it is needed",
    ),
    ("material required flag", _material("食品经营许可", 0, required="yes"), "required: must"),
    ("material copies", _material("食品经营许可", 0, copies=-1), "copies: must be"),
    ("applicant material 0 copies", _material("食品经营许可", 0, copies=0), "at least 1 copy"),
    (
        "shared material on paper",
        _material("企业设立登记", 0, source="government", form="paper", copies=0),
        "cannot be paper-only",
    ),
    ("material without name", _material("食品经营许可", 0, name=" "), "materials[0].name"),
    ("duplicate material", _dup_material, "duplicate material"),
    ("steps over the promised limit", _steps_over, "step days add up to"),
    ("step without role", _set("结婚登记", steps=[{"name": "受理", "days": 0}]), ".role"),
    (
        "step unit differs",
        _set(
            "结婚登记", steps=[{"name": "受理", "role": "窗口", "days": 0, "unit": "natural_day"}]
        ),
        "unit of the promised limit",
    ),
    (
        "fee without waivable",
        _set("结婚登记", fees=[{"item": "工本费", "standard": "9元", "basis": "《x》"}]),
        "waivable",
    ),
    ("visits out of range", _set("结婚登记", visits=3), ".visits: 3 is not one of"),
    ("depth out of range", _set("结婚登记", online_depth=5), ".online_depth: 5 is not one of"),
    ("depth 4 with a visit", _set("结婚登记", online_depth=4), "depth 4"),
    ("zero visits below depth 4", _set("企业设立登记", online_depth=3), "depth 4"),
    ("offline with depth", _set("结婚登记", online=False), "not handled online has depth 1"),
    (
        "online with depth 1",
        _set("结婚登记", online_depth=1),
        "handled online has depth 2 or more",
    ),
    ("tongban enum", _set("结婚登记", tongban="world"), ".tongban: 'world'"),
    ("result type", _set("结婚登记", result={"type": "paper", "name": "结婚证"}), "result.type"),
    ("result name", _set("结婚登记", result={"type": "certificate", "name": ""}), "result.name"),
    ("phone", _set("结婚登记", phone="12345"), "is not like 0756-12345"),
    ("no faq", _set("结婚登记", faq=[]), "1 to 3 questions"),
    ("faq too many", _set("结婚登记", faq=[{"q": "问", "a": "答"}] * 4), "1 to 3 questions"),
    ("faq without answer", _set("结婚登记", faq=[{"q": "问"}]), "faq[0].a"),
    ("synonym not a string", _set("结婚登记", synonyms=["领证", 520]), "synonyms[1]"),
    ("duplicate synonym", _set("结婚登记", synonyms=["领证", "领证"]), "duplicate entry"),
    ("synonyms not a list", _set("结婚登记", synonyms="领证"), "synonyms: must be of type list"),
    ("theme not a life event", _unknown_theme, "is not a life event"),
    ("life event unknown code", _event_unknown_code, "unknown item code"),
    ("bundle item outside event", _bundle_outside_event, "not one of the life event's items"),
    ("bundle shared material", _bundle_bad_material, "shared_materials[0].kind"),
    ("bundle lead department", _bundle_lead, "lead_department"),
    ("format", lambda doc: doc.update(format="yiwang.catalog/0"), "format: must be"),
]


@pytest.mark.parametrize(
    ("plant", "message"), [p[1:] for p in PLANTED], ids=[p[0] for p in PLANTED]
)
def test_the_validator_catches_a_planted_error(demo, plant, message):
    doc = copy.deepcopy(demo)
    plant(doc)
    errors = check_catalogue(doc)
    assert any(message in e for e in errors), errors


def test_mixed_units_within_the_legal_limit_pass(demo):
    doc = copy.deepcopy(demo)
    # legal 30 natural days; 21 working days ≈ 30 natural days
    _item(doc, "离婚登记").update(
        promised_limit={"value": 21, "unit": "working_day"},
        steps=[{"name": "受理", "role": "窗口", "days": 1}],
        handling_type="promised",
    )
    assert check_catalogue(doc) == []


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "must be a JSON object"),
        ({"format": "yiwang.catalog/1", "items": []}, "items: must be a non-empty list"),
        ({"format": "yiwang.catalog/1", "items": ["x"]}, "items[0]: must be an object"),
    ],
    ids=["not an object", "no items", "item not an object"],
)
def test_the_validator_refuses_malformed_documents(doc, message):
    assert any(message in e for e in check_catalogue(doc))


def test_the_query_check_catches_unknown_codes_and_too_many(demo, queries):
    bad = copy.deepcopy(queries[:2])
    bad[0]["expected"] = ["019999999000"]
    bad[1]["expected"] = [demo["items"][0]["code"]] * 4
    errors = check_queries(bad, demo)
    assert any("unknown item code" in e for e in errors)
    assert any("0 to 3 item codes" in e for e in errors)
