"""``yiwang seed --scale city``: the catalogue generator grows the demo catalogue to the context
document's 6,155 item standards with valid, unique, realistic items (checked here at a reduced
size through the real importer, and in full without the database)."""

from __future__ import annotations

import json
import re
from collections import Counter

from yiwang.catalog.data_check import KIND_CODES, check_catalogue, load_demo
from yiwang.catalog.models import BasicItem
from yiwang.catalog.seed import SCALE_FILE, city_scale_catalogue, demo_catalogue
from yiwang.catalog.services import catalogue_import

CONTEXT_ITEM_STANDARDS = 6155  # 事项标准 published by the context city


def test_the_target_is_the_context_documents_figure():
    assert json.loads(SCALE_FILE.read_text(encoding="utf-8"))["target"] == CONTEXT_ITEM_STANDARDS


def test_a_reduced_city_catalogue_is_valid_and_imports(db):
    demo = load_demo()
    data = city_scale_catalogue(demo, target=800)
    assert len(data["items"]) == 800 and len(demo["items"]) < 400  # demo not changed
    assert check_catalogue(data) == []
    departments = {d["name"]: d["code"] for d in data["departments"]}
    generated = [i for i in data["items"] if i["code"][5:9] > "1000"]
    assert len(generated) == 800 - len(demo["items"])
    for item in generated:
        assert re.fullmatch(r"\d{12}", item["code"])
        assert item["code"][:2] == KIND_CODES[item["kind"]]
        assert item["code"][2:5] == departments[item["department"]]
        assert item["faq"] and item["materials"] and item["steps"]
    # every department grows (taken in turn), 业务办理项 share their 主项's code digits 3–9
    assert {i["department"] for i in generated} == set(departments)
    subs = [i for i in generated if i.get("main_item")]
    assert any("（新办）" in i["name"] for i in subs) and any("（注销）" in i["name"] for i in subs)
    by_main = Counter((i["main_item"], i["code"][:9]) for i in subs)
    assert len({main for main, _stem in by_main}) == len(by_main)
    assert {i["kind"] for i in generated} >= {"xk", "qr", "gf", "qt", "gg"}
    assert sum(i["handling_type"] == "immediate" for i in generated) > 0
    assert {i["online_depth"] for i in generated} == {1, 2, 3, 4}

    counts = catalogue_import(actor=None, data=data)  # the importer's own checks pass
    assert counts["created"] == BasicItem.objects.count() == 800
    assert city_scale_catalogue(load_demo(), target=800) == data  # deterministic


def test_the_city_scale_catalogue_has_exactly_the_context_figure():
    data = demo_catalogue("city")
    assert len(data["items"]) == CONTEXT_ITEM_STANDARDS
    assert check_catalogue(data) == []
    assert len({i["name"] for i in data["items"]}) == CONTEXT_ITEM_STANDARDS
    assert len(demo_catalogue("small")["items"]) == len(load_demo()["items"])
