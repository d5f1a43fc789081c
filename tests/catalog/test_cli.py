"""``yiwang catalog import|export``: the shipped demo file loads, the export re-imports unchanged,
bad files are refused whole with their problems listed (exit 2)."""

from __future__ import annotations

import json

import pytest

from yiwang.catalog.data_check import load_demo
from yiwang.catalog.models import BasicItem
from yiwang.cli import main

DEMO = "src/yiwang/catalog/data/basic_items.json"


def test_import_the_demo_file_then_export_reimports_unchanged(db, tmp_path, capsys):
    assert main(["catalog", "import", DEMO]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["created"] == len(load_demo()["items"]) >= 300
    out = tmp_path / "export.json"
    assert main(["catalog", "export", "--output", str(out)]) == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert len(exported["items"]) == counts["created"]
    food = next(i for i in exported["items"] if i["name"] == "食品经营许可")
    assert food["places"] and food["hours"] and "开饭店" in food["synonyms"]
    assert main(["catalog", "import", str(out)]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["unchanged"] == counts["created"] and again["updated"] == again["created"] == 0


def test_dry_run_stores_nothing(db, capsys):
    assert main(["catalog", "import", DEMO, "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] >= 300
    assert BasicItem.objects.count() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "cannot read"),
        ('{"format": "yiwang.catalog/1", "items": [{"code": "1"}]}', "required element missing"),
        ('{"format": "other", "items": []}', "Not a catalogue file"),
    ],
)
def test_a_bad_file_is_refused_with_its_problems(db, tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["catalog", "import", str(bad)]) == 2
    assert message in capsys.readouterr().err
    assert BasicItem.objects.count() == 0


def test_usage_errors_exit_2(capsys):
    assert main(["catalog", "nonsense"]) == 2
    assert main(["catalog"]) == 2
    assert main(["catalog", "import", "/no/such/file.json"]) == 2


def test_a_life_event_added_in_a_workbook_is_searchable_after_import(db, tmp_path, capsys):
    from openpyxl import load_workbook

    from yiwang.catalog.search import search_items

    food = "010010004000"  # 食品经营许可
    source = tmp_path / "demo.json"
    source.write_text(json.dumps(load_demo(), ensure_ascii=False), encoding="utf-8")
    assert main(["catalog", "import", str(source)]) == 0
    book = tmp_path / "catalogue.xlsx"
    assert main(["catalog", "export", "--output", str(book)]) == 0
    assert food not in [hit.code for hit in search_items("螺蛳粉夜市")]
    workbook = load_workbook(book)
    workbook["主题"].append(["LE90", "螺蛳粉夜市", "法人", "摆摊卖螺蛳粉"])
    workbook["主题事项"].append(["LE90", food])
    workbook.save(book)
    capsys.readouterr()
    assert main(["catalog", "import", str(book)]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["updated"] == counts["created"] == 0
    assert search_items("螺蛳粉夜市")[0].code == food
