"""The catalogue workbook (``yiwang.catalog.excel``): the demo catalogue round-trips exactly,
export → import changes nothing, and every bad workbook is refused whole with its sheet, row
and column named (nothing stored)."""

from __future__ import annotations

import copy
import json

import pytest
from openpyxl import Workbook, load_workbook

from yiwang.catalog import excel
from yiwang.catalog.data_check import load_demo
from yiwang.catalog.models import BasicItem, LifeEvent
from yiwang.catalog.services import catalogue_import
from yiwang.catalog.services.basic import catalogue_export
from yiwang.cli import main
from yiwang.core.errors import Forbidden, InvalidInput


@pytest.fixture(autouse=True)
def _english():
    """Messages in English (the source strings), whatever the catalogue translates."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _small(count: int = 3) -> dict:
    """The first demo items (with the departments table), without life events."""
    data = load_demo()
    return {
        "format": data["format"],
        "departments": data["departments"],
        "items": copy.deepcopy(data["items"][:count]),
    }


def _refusal(source) -> list[dict]:
    with pytest.raises(InvalidInput) as caught:
        excel.catalogue_import_workbook(actor=None, source=source)
    assert caught.value.code == "catalog.invalid_workbook"
    return caught.value.errors


def _edit(path, sheet: str, cell: str, value) -> None:
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def test_the_demo_catalogue_round_trips_exactly_through_a_workbook(tmp_path):
    data = load_demo()
    path = tmp_path / "demo.xlsx"
    excel.write_workbook(data, str(path))
    document, _where = excel.read_workbook(str(path))
    data.pop("city")  # informative only, not part of the workbook
    assert document == data
    book = load_workbook(path, read_only=True)
    assert book.sheetnames[:6] == ["说明", "事项", "申请材料", "办理流程", "收费", "常见问题"]
    items = book["事项"]
    header = next(items.iter_rows(values_only=True))
    assert header[:4] == ("事项编码", "事项名称", "事项类型", "主管部门")
    row = next(r for r in items.iter_rows(min_row=2, values_only=True) if r[1] == "食品经营许可")
    assert row[2] == "行政许可" and "区级" in row[6]  # labels a clerk reads, not codes
    book.close()


def test_export_then_import_changes_nothing(db, tmp_path, capsys):
    catalogue_import(actor=None, data=load_demo())
    path = tmp_path / "catalogue.xlsx"
    assert main(["catalog", "export", "--output", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == BasicItem.objects.count() >= 300
    document, _where = excel.read_workbook(str(path))
    assert document == catalogue_export()
    assert main(["catalog", "import", str(path)]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["unchanged"] == BasicItem.objects.count()
    assert counts["created"] == counts["updated"] == 0
    assert counts["life_events"] == LifeEvent.objects.count() == 13


def test_a_workbook_loads_a_fresh_catalogue_with_its_life_events(db, tmp_path, capsys):
    path = tmp_path / "demo.xlsx"
    excel.write_workbook(load_demo(), str(path))
    assert main(["catalog", "import", str(path), "--dry-run"]) == 0
    assert BasicItem.objects.count() == 0
    assert main(["catalog", "import", str(path)]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["created"] == len(load_demo()["items"]) == BasicItem.objects.count()
    food = BasicItem.objects.get(name="食品经营许可")
    assert food.kind == "xk" and food.standard["materials"] and food.standard["faq"]
    bundle = LifeEvent.objects.get(name="开办餐饮店").bundle
    assert len(bundle.item_codes) >= 2 and bundle.shared_materials


def test_clerks_edits_are_read_labels_codes_english_headers_and_numeric_codes(db, tmp_path):
    data = _small(2)
    path = tmp_path / "edited.xlsx"
    excel.write_workbook(data, str(path))
    book = load_workbook(path)
    items = book["事项"]
    items["C2"] = "xk"  # a code instead of the label
    items["B1"] = "name"  # the element key instead of the Chinese header
    items["A3"] = int(data["items"][1]["code"])  # typed as a number: leading zero lost
    for row in book["申请材料"].iter_rows(min_row=2):
        if row[0].value == data["items"][1]["code"]:
            row[0].value = int(row[0].value)
    book.save(path)
    document, _where = excel.read_workbook(str(path))
    assert [i["code"] for i in document["items"]] == [i["code"] for i in data["items"]]
    assert document["items"] == data["items"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    data = _small(1)
    data["items"][0]["faq"][0]["a"] = '=HYPERLINK("http://example.com")'
    path = tmp_path / "formula.xlsx"
    excel.write_workbook(data, str(path))
    cell = next(
        c
        for row in load_workbook(path)["常见问题"].iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    )
    assert cell.data_type == "s"
    document, _where = excel.read_workbook(str(path))
    assert document["items"][0]["faq"][0]["a"] == data["items"][0]["faq"][0]["a"]


def test_wrong_headers_are_refused_with_the_sheet_and_column(db, tmp_path):
    path = tmp_path / "headers.xlsx"
    excel.write_workbook(_small(), str(path))
    _edit(path, "事项", "B1", "名称")
    _edit(path, "办理流程", "G1", "备注")
    messages = [e["message"] for e in _refusal(str(path))]
    assert any("事项" in m and "名称" in m and "unknown column" in m for m in messages)
    assert any("事项" in m and "事项名称" in m and "missing column" in m for m in messages)
    assert any("办理流程" in m and "备注" in m for m in messages)
    assert BasicItem.objects.count() == 0


def test_a_promised_limit_above_the_legal_one_names_its_row_and_column(db, tmp_path):
    data = _small()
    bad = data["items"][2]
    bad["promised_limit"] = {"value": bad["legal_limit"]["value"] + 1, "unit": "working_day"}
    bad["legal_limit"]["unit"] = "working_day"
    bad["handling_type"] = "promised"
    path = tmp_path / "limit.xlsx"
    excel.write_workbook(data, str(path))
    errors = _refusal(str(path))
    located = [e for e in errors if e["column"] == "承诺办结时限"]
    assert located and located[0]["sheet"] == "事项" and located[0]["row"] == 4
    assert located[0]["field"] == "事项!O4"
    assert "exceeds the legal limit" in located[0]["message"]
    assert BasicItem.objects.count() == 0  # all or nothing: the two good items are not stored


def test_an_unknown_item_kind_is_refused(db, tmp_path, capsys):
    path = tmp_path / "kind.xlsx"
    excel.write_workbook(_small(), str(path))
    _edit(path, "事项", "C3", "行政检查")
    (error,) = _refusal(str(path))
    assert (error["sheet"], error["row"], error["column"]) == ("事项", 3, "事项类型")
    assert "行政检查" in error["message"] and "行政许可" in error["message"]
    assert main(["catalog", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "事项类型" in err and "nothing stored" in err
    assert BasicItem.objects.count() == 0


def test_a_bad_material_row_is_located_on_the_materials_sheet(db, tmp_path):
    data = _small()
    material = data["items"][1]["materials"][1]
    material.update(required=False, condition="")
    path = tmp_path / "material.xlsx"
    excel.write_workbook(data, str(path))
    rows = list(load_workbook(path, read_only=True)["申请材料"].iter_rows(values_only=True))
    expected_row = next(
        n for n, r in enumerate(rows, start=1) if r[0] == data["items"][1]["code"] and r[1] == 2
    )
    errors = _refusal(str(path))
    assert any(
        (e["sheet"], e["row"], e["column"]) == ("申请材料", expected_row, "需提交的情形")
        for e in errors
    )


def test_a_child_row_of_an_unknown_item_and_an_item_without_steps(db, tmp_path):
    data = _small()
    data["items"][0]["steps"] = []
    path = tmp_path / "orphans.xlsx"
    excel.write_workbook(data, str(path))
    book = load_workbook(path)
    book["常见问题"].append(["019999999000", 1, "问题", "解答"])
    book.save(path)
    (orphan,) = _refusal(str(path))
    assert orphan["sheet"] == "常见问题" and "019999999000" in orphan["message"]
    book = load_workbook(path)
    book["常见问题"].delete_rows(book["常见问题"].max_row)
    book.save(path)
    errors = _refusal(str(path))
    assert any(e["sheet"] == "事项" and e["row"] == 2 and "steps" in e["message"] for e in errors)


@pytest.mark.parametrize(
    "content",
    [b"", b"code,name\n010010001000,foo\n", b"PK\x03\x04 not really a zip"],
    ids=["empty", "csv-renamed", "broken-zip"],
)
def test_an_empty_or_non_xlsx_file_is_refused_clearly(db, tmp_path, capsys, content):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(content)
    (error,) = _refusal(str(path))
    assert "not an Excel workbook" in error["message"]
    assert main(["catalog", "import", str(path)]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err
    assert BasicItem.objects.count() == 0


def test_a_workbook_without_the_catalogue_sheets_or_items(db, tmp_path):
    path = tmp_path / "blank.xlsx"
    Workbook().save(path)
    messages = [e["message"] for e in _refusal(str(path))]
    assert any("事项" in m and "Sheet" in m for m in messages)
    empty = _small()
    empty["items"] = []
    excel.write_workbook(empty, str(path))
    (error,) = _refusal(str(path))
    assert error["sheet"] == "事项" and "non-empty" in error["message"]


def test_a_life_event_bundle_problem_is_located(db, tmp_path):
    data = load_demo()
    event = next(e for e in data["life_events"] if e.get("bundle"))
    event["bundle"]["lead_department"] = "不存在的部门"
    path = tmp_path / "events.xlsx"
    excel.write_workbook(data, str(path))
    errors = _refusal(str(path))
    assert any(e["sheet"] == "主题" and e["column"] == "牵头部门" for e in errors)


def test_only_the_basic_catalogue_manager_imports_a_workbook(db, cat, tmp_path):
    path = tmp_path / "small.xlsx"
    excel.write_workbook(_small(1), str(path))
    with pytest.raises(Forbidden):
        excel.catalogue_import_workbook(actor=cat.xz_editor, source=str(path))
    counts = excel.catalogue_import_workbook(actor=cat.reviewer, source=str(path))
    assert counts["created"] == 1


def test_export_to_stdout_stays_json_and_an_unwritable_workbook_fails(db, tmp_path, capsys):
    catalogue_import(actor=None, data=_small(1))
    assert main(["catalog", "export"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "yiwang.catalog/1"
    assert main(["catalog", "export", "--output", str(tmp_path / "no" / "dir.xlsx")]) == 2
    assert main(["catalog", "import", str(tmp_path / "missing.xlsx")]) == 2
