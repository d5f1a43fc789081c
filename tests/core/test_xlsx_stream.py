"""The shared streaming .xlsx reader (``core.xlsx_stream``): a large shared-strings table is
kept on disk and read back through mmap with the same values as in memory."""

from __future__ import annotations

import zipfile

import pytest

from yiwang.core import xlsx_stream

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _shared_string_workbook(path, rows: list[list]) -> None:
    """A workbook whose text cells use the shared-strings table, as Excel writes them
    (openpyxl writes inline strings)."""
    strings: list[str] = []
    index: dict[str, int] = {}
    sheet_rows = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{chr(65 + c)}{r}"
            if value is None:
                continue
            if isinstance(value, str):
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="r1" Type="{REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="企业" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
        f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>'
        f"{''.join(sheet_rows)}</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)


@pytest.fixture
def workbook(tmp_path):
    rows = [["统一社会信用代码", "企业名称", "从业人数", "备注"]]
    for n in range(300):
        rows.append([f"91440402MA{n:08d}", f"珠海{n}号科技有限公司" if n % 7 else None, n, "重复"])
    path = tmp_path / "book.xlsx"
    _shared_string_workbook(path, rows)
    return path


def _rows(path):
    with xlsx_stream.Workbook(str(path)) as book:
        return book.sheetnames, list(book.rows(book.sheetnames[0])), type(book._shared)


def test_spilled_shared_strings_read_the_same(workbook, monkeypatch):
    names, in_memory, kind = _rows(workbook)
    assert kind is list and names == ["企业"]
    monkeypatch.setattr(xlsx_stream, "SPILL_BYTES", 0)
    names, spilled, kind = _rows(workbook)
    assert kind is xlsx_stream.SpilledStrings
    assert spilled == in_memory
    assert spilled[1] == (2, ["91440402MA00000000", None, 0, "重复"])
    assert spilled[2][1][1] == "珠海1号科技有限公司"


def test_spilled_strings_refuse_a_bad_index():
    strings = xlsx_stream.SpilledStrings()
    strings.append("甲")
    strings.append("")
    strings.seal()
    assert (strings[0], strings[1], len(strings)) == ("甲", "", 2)
    with pytest.raises(IndexError):
        strings[2]
    strings.close()
