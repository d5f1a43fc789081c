"""The catalogue workbook: the ``yiwang.catalog/1`` document as an Excel file (.xlsx) a clerk can
read and fill in, and back (layout: docs/modules/catalog-format.md, "Excel workbook").

Reading converts the workbook to the JSON document and hands it to the same validator and
:func:`catalogue_import` as a JSON file (all or nothing); every problem names its sheet, row and
column. Both directions stream — writing with openpyxl's write-only mode, reading with
:mod:`yiwang.catalog.xlsx_stream` (expat, about seven times faster than openpyxl's read-only
mode here) — so a city's whole catalogue loads in seconds with memory bounded by the document.

Sheet names, headers and the enumeration labels are Chinese on purpose: they are the file
format (a clerk's workbook), not interface text, so they do not change with the language.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yiwang.catalog import xlsx_stream
from yiwang.catalog.data_check import FORMAT
from yiwang.core.errors import InvalidInput
from yiwang.core.permissions import require_perm

MAX_ERRORS = 100

# --- enumerations: code -> label written in the workbook (the codes are accepted too) -----

KINDS = {
    "xk": "行政许可",
    "qr": "行政确认",
    "cj": "行政裁决",
    "gf": "行政给付",
    "jl": "行政奖励",
    "qt": "其他行政权力",
    "gg": "公共服务",
}
LEVELS = {"city": "市级", "district": "区级", "street": "镇街级"}
AUDIENCES = {"person": "个人", "legal_person": "法人"}
OPERATIONS = {"new": "新设", "change": "变更", "renew": "延续", "cancel": "注销"}
UNITS = {"working_day": "工作日", "natural_day": "自然日"}
HANDLING = {"immediate": "即办件", "promised": "承诺件", "joint": "联办件", "report": "上报件"}
TONGBAN = {
    "city": "全市通办",
    "province": "全省通办",
    "cross_province": "跨省通办",
    "cross_border": "跨境通办",
}
RESULT_TYPES = {
    "certificate": "证照",
    "approval": "批准文书",
    "record": "备案或登记",
    "other": "其他",
}
MATERIAL_KINDS = {"original": "原件", "copy": "复印件", "form": "申请表", "certificate": "证照"}
MATERIAL_FORMS = {"paper": "纸质", "electronic": "电子", "both": "纸质和电子"}
SOURCES = {"applicant": "申请人提交", "government": "部门共享获取"}
YES, NO = "是", "否"
TRUE_WORDS = {YES, "true", "TRUE", "True", "1", "Y", "y"}
FALSE_WORDS = {NO, "false", "FALSE", "False", "0", "N", "n"}
LIST_SPLIT = re.compile(r"\r?\n")
ENUM_LIST_SPLIT = re.compile(r"[\r\n、，,;；]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"  # text, code, int, bool, enum, enums, list
    choices: dict[str, str] | None = None
    required: bool = True  # the header row must have it
    omit_empty: bool = False  # an empty cell leaves the element out (else: "", [], None)
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _material_columns() -> tuple[Column, ...]:
    return (
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("name", "材料名称", width=30),
        Column("kind", "材料类型", "enum", MATERIAL_KINDS, width=10),
        Column("form", "材料形式", "enum", MATERIAL_FORMS, width=12),
        Column("required", "是否必需", "bool", width=9),
        Column("condition", "需提交的情形", required=False, width=24),
        Column("source", "来源", "enum", SOURCES, width=14),
        Column("copies", "份数", "int", width=6),
        Column("basis", "依据", required=False, width=24),
        Column("note", "备注", required=False, omit_empty=True, width=24),
        Column("blank_form", "提供空白表格", "bool", required=False, omit_empty=True, width=10),
        Column("sample", "提供示例样表", "bool", required=False, omit_empty=True, width=10),
    )


ITEMS = Sheet(
    "items",
    "事项",
    (
        Column("code", "事项编码", "code", width=15),
        Column("name", "事项名称", width=28),
        Column("kind", "事项类型", "enum", KINDS, width=12),
        Column("department", "主管部门", width=18),
        Column("office", "办理处室", required=False, omit_empty=True, width=16),
        Column("main_item", "所属主项", required=False, omit_empty=True, width=16),
        Column("implementing_levels", "实施层级", "enums", LEVELS, width=10),
        Column("basis", "设定和实施依据", "list", width=30),
        Column("audience", "服务对象", "enums", AUDIENCES, width=10),
        Column("themes", "主题", "list", required=False, width=14),
        Column("operations", "业务办理项", "enums", OPERATIONS, required=False, width=10),
        Column("conditions", "受理条件", "list", width=36),
        Column("legal_limit", "法定办结时限", "int", width=8),
        Column("legal_limit_unit", "法定时限单位", "enum", UNITS, width=8),
        Column("promised_limit", "承诺办结时限", "int", width=8),
        Column("promised_limit_unit", "承诺时限单位", "enum", UNITS, width=8),
        Column("handling_type", "办件类型", "enum", HANDLING, width=9),
        Column("visits", "到办事现场次数", "int", width=8),
        Column("online", "是否网办", "bool", width=8),
        Column("online_depth", "网上办理深度", "int", width=8),
        Column("tongban", "通办范围", "enum", TONGBAN, width=10),
        Column("result_type", "审批结果类型", "enum", RESULT_TYPES, width=10),
        Column("result_name", "审批结果名称", width=18),
        Column("places", "办理地点", "list", required=False, omit_empty=True, width=30),
        Column("hours", "办理时间", required=False, omit_empty=True, width=30),
        Column("phone", "咨询电话", width=13),
        Column("complaint_phone", "监督投诉电话", required=False, omit_empty=True, width=13),
        Column("synonyms", "常用说法", "list", required=False, width=24),
    ),
)
MATERIALS = Sheet(
    "materials", "申请材料", (Column("code", "事项编码", "code", width=15), *_material_columns())
)
STEPS = Sheet(
    "steps",
    "办理流程",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("name", "环节名称", width=14),
        Column("role", "办理岗位", width=18),
        Column("days", "环节时限", "int", width=8),
        Column("unit", "时限单位", "enum", UNITS, required=False, omit_empty=True, width=8),
    ),
)
FEES = Sheet(
    "fees",
    "收费",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("item", "收费项目", width=20),
        Column("standard", "收费标准", width=24),
        Column("basis", "收费依据", width=30),
        Column("waivable", "可否减免", "bool", width=8),
    ),
    required=False,
)
FAQ = Sheet(
    "faq",
    "常见问题",
    (
        Column("code", "事项编码", "code", width=15),
        Column("seq", "序号", "int", required=False, omit_empty=True, width=6),
        Column("q", "问题", width=30),
        Column("a", "解答", width=60),
    ),
)
DEPARTMENTS = Sheet(
    "departments",
    "部门",
    (Column("code", "部门编码", "code", width=10), Column("name", "部门名称", width=24)),
    required=False,
)
EVENTS = Sheet(
    "life_events",
    "主题",
    (
        Column("code", "主题编码", width=10),
        Column("name", "主题名称", width=14),
        Column("audience", "服务对象", "enum", AUDIENCES, width=8),
        Column("description", "说明", required=False, width=40),
        Column("bundle_name", "一件事名称", required=False, omit_empty=True, width=16),
        Column("bundle_lead_department", "牵头部门", required=False, omit_empty=True, width=16),
        Column("bundle_promised_limit", "一件事承诺时限", "int", required=False, omit_empty=True),
        Column(
            "bundle_promised_limit_unit",
            "一件事时限单位",
            "enum",
            UNITS,
            required=False,
            omit_empty=True,
        ),
        Column("bundle_visits", "一件事到现场次数", "int", required=False, omit_empty=True),
    ),
    required=False,
)
EVENT_ITEMS = Sheet(
    "life_event_items",
    "主题事项",
    (
        Column("event_code", "主题编码", width=10),
        Column("code", "事项编码", "code", width=15),
        Column("bundle_position", "一件事内顺序", "int", required=False, omit_empty=True),
    ),
    required=False,
)
BUNDLE_MATERIALS = Sheet(
    "bundle_materials",
    "一件事材料",
    (Column("event_code", "主题编码", width=10), *_material_columns()),
    required=False,
)
SHEETS = (ITEMS, MATERIALS, STEPS, FEES, FAQ, DEPARTMENTS, EVENTS, EVENT_ITEMS, BUNDLE_MATERIALS)
README = "说明"

# item-level list elements on their own sheets, and the material keys always present
CHILDREN = (("materials", MATERIALS), ("steps", STEPS), ("fees", FEES), ("faq", FAQ))
# validator paths whose column has another key in the workbook
PATH_COLUMNS = {
    ("legal_limit", "value"): "legal_limit",
    ("legal_limit", "unit"): "legal_limit_unit",
    ("promised_limit", "value"): "promised_limit",
    ("promised_limit", "unit"): "promised_limit_unit",
    ("result", "type"): "result_type",
    ("result", "name"): "result_name",
    ("result", None): "result_type",
}
BUNDLE_COLUMNS = {
    "name": "bundle_name",
    "lead_department": "bundle_lead_department",
    "promised_limit": "bundle_promised_limit",
    "visits": "bundle_visits",
    "items": "bundle_name",
}


# --- locations -----------------------------------------------------------------------------


def _located(sheet: Sheet | None, row: int | None, column: Column | None, problem: str) -> dict:
    """One problem as an error entry naming its sheet, row and column."""
    if sheet is None:
        message = problem
    elif row is None:
        message = _("Sheet %(sheet)s: %(problem)s") % {"sheet": sheet.name, "problem": problem}
    elif column is None:
        message = _("Sheet %(sheet)s, row %(row)d: %(problem)s") % {
            "sheet": sheet.name,
            "row": row,
            "problem": problem,
        }
    else:
        message = _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(problem)s") % {
            "sheet": sheet.name,
            "row": row,
            "column": column.header,
            "problem": problem,
        }
    cell = ""
    if sheet is not None and row is not None and column is not None:
        cell = f"{sheet.name}!{get_column_letter(sheet.columns.index(column) + 1)}{row}"
    elif sheet is not None and row is not None:
        cell = f"{sheet.name}!{row}:{row}"
    elif sheet is not None:
        cell = sheet.name
    return {
        "field": cell or "workbook",
        "code": "catalog.invalid_workbook",
        "message": message,
        "sheet": sheet.name if sheet else None,
        "row": row,
        "column": column.header if column else None,
    }


ITEM_PATH = re.compile(r"^items\[(\d+)\] \(.*?\)((?:\.\w+(?:\[\d+\])?)*): (.*)$", re.S)
EVENT_PATH = re.compile(r"^life_events\[(\d+)\] \(.*?\)((?:\.\w+(?:\[\d+\])?)*): (.*)$", re.S)
DEPT_PATH = re.compile(r"^departments\[(\d+)\](?:\.(\w+))?: (.*)$", re.S)
ELEMENT_ERROR = re.compile(r"^items\[(\d+)\] \S*: (.*)$", re.S)
QUOTED = re.compile(r"'([^']*)'")
STEP = re.compile(r"\.(\w+)(?:\[(\d+)\])?")


class Locations:
    """Where each record of the document came from, to name the sheet, row and column of
    the validator's problems (``items[3] (…).materials[1].kind: …``)."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.children: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
        self.departments: list[int] = []
        self.events: list[int] = []
        self.event_items: dict[tuple[int, str], int] = {}
        self.bundle_materials: dict[tuple[int, int], int] = {}
        self.item_codes: list[str] = []
        self.item_names: list[str] = []

    def _item_problem(self, index: int, path: str, problem: str) -> dict:
        steps = STEP.findall(path)
        row = self.items[index] if index < len(self.items) else None
        if not steps:
            return _located(ITEMS, row, None, problem)
        field, sub_index = steps[0]
        for key, sheet in CHILDREN:
            if field == key and sub_index != "":
                child_row = self.children[key].get((index, int(sub_index)))
                column = sheet.column(steps[1][0]) if len(steps) > 1 else None
                return _located(sheet, child_row, column, problem)
        sub = steps[1][0] if len(steps) > 1 else None
        column = ITEMS.column(PATH_COLUMNS.get((field, sub), field))
        if column is None:  # an element without a column of its own (steps, materials …)
            problem = f"{path.lstrip('.')}: {problem}"
        return _located(ITEMS, row, column, problem)

    def _event_problem(self, index: int, path: str, problem: str) -> dict:
        steps = STEP.findall(path)
        row = self.events[index] if index < len(self.events) else None
        if not steps:
            return _located(EVENTS, row, None, problem)
        field = steps[0][0]
        if field == "items" or (field == "bundle" and len(steps) > 1 and steps[1][0] == "items"):
            code = next(iter(QUOTED.findall(problem)), None)
            where = self.event_items.get((index, code)) if code else None
            if where is not None:
                return _located(EVENT_ITEMS, where, EVENT_ITEMS.column("code"), problem)
        if field == "bundle" and len(steps) > 1:
            sub, sub_index = steps[1]
            if sub == "shared_materials" and sub_index != "":
                mrow = self.bundle_materials.get((index, int(sub_index)))
                column = BUNDLE_MATERIALS.column(steps[2][0]) if len(steps) > 2 else None
                return _located(BUNDLE_MATERIALS, mrow, column, problem)
            key = BUNDLE_COLUMNS.get(sub, "bundle_name")
            if sub == "promised_limit" and len(steps) > 2 and steps[2][0] == "unit":
                key = "bundle_promised_limit_unit"
            return _located(EVENTS, row, EVENTS.column(key), problem)
        return _located(EVENTS, row, EVENTS.column(field), problem)

    def locate(self, problem: str) -> dict:
        """A validator problem (a ``check_catalogue`` string) as a located error entry."""
        if match := ITEM_PATH.match(problem):
            return self._item_problem(int(match[1]), match[2], match[3])
        if match := EVENT_PATH.match(problem):
            return self._event_problem(int(match[1]), match[2], match[3])
        if match := DEPT_PATH.match(problem):
            index = int(match[1])
            row = self.departments[index] if index < len(self.departments) else None
            return _located(DEPARTMENTS, row, DEPARTMENTS.column(match[2] or ""), match[3])
        sheet_name, _sep, rest = problem.partition(": ")
        quoted = next(iter(QUOTED.findall(rest)), None)
        if sheet_name == "items":
            if quoted is not None and "duplicate code" in rest:
                rows = [r for r, c in zip(self.items, self.item_codes, strict=True) if c == quoted]
                return _located(ITEMS, rows[-1] if rows else None, ITEMS.column("code"), rest)
            if quoted is not None and "duplicate name" in rest:
                rows = [r for r, n in zip(self.items, self.item_names, strict=True) if n == quoted]
                return _located(ITEMS, rows[-1] if rows else None, ITEMS.column("name"), rest)
            return _located(ITEMS, None, None, rest)
        for sheet in (DEPARTMENTS, EVENTS):
            if sheet_name == sheet.key:
                return _located(sheet, None, None, rest)
        return _located(None, None, None, problem)

    def relocate(self, exc: InvalidInput) -> InvalidInput:
        """The importer's refusal with every problem located in the workbook."""
        errors = []
        for error in exc.errors or [{"message": exc.message}]:
            message = str(error.get("message", ""))
            match = ELEMENT_ERROR.match(message)
            if error.get("code") != "catalog.invalid_catalogue" and match:
                # a problem found by catalog.elements on one item's standard
                index, problem = int(match[1]), match[2]
                row = self.items[index] if index < len(self.items) else None
                column = ITEMS.column(str(error.get("field") or ""))
                errors.append(_located(ITEMS, row, column, problem))
            else:
                errors.append(self.locate(message))
        return _refusal(errors)


def _refusal(errors: list[dict]) -> InvalidInput:
    errors = errors[:MAX_ERRORS]
    return InvalidInput(
        "catalog.invalid_workbook", "; ".join(e["message"] for e in errors[:5]), errors=errors
    )


# --- reading -------------------------------------------------------------------------------


class _Reader:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def error(self, sheet: Sheet | None, row: int | None, column: Column | None, problem: str):
        self.errors.append(_located(sheet, row, column, problem))

    def value(self, sheet: Sheet, row: int, column: Column, raw: Any) -> tuple[bool, Any]:
        """``(present, value)`` of one cell: an empty cell of an ``omit_empty`` column is not
        present; a value that cannot be read is an error (and not present)."""
        if isinstance(raw, str) and column.type != "text":
            raw = raw.strip()
        if raw is None or raw == "":
            if column.omit_empty:
                return False, None
            return True, {"text": "", "list": [], "enums": [], "code": ""}.get(column.type)
        kind = column.type
        if kind == "text":
            return True, raw if isinstance(raw, str) else _plain(raw)
        if kind == "code":
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw == int(raw):
                # a code typed as a number lost its leading zeros in the spreadsheet
                width = 3 if sheet is DEPARTMENTS else 12
                return True, f"{int(raw):0{width}d}"
            return True, str(raw)
        if kind == "int":
            if isinstance(raw, bool):
                pass
            elif isinstance(raw, int):
                return True, raw
            elif (isinstance(raw, float) and raw == int(raw)) or (
                isinstance(raw, str) and re.fullmatch(r"-?\d+", raw)
            ):
                return True, int(raw)
            self.error(sheet, row, column, _("%(value)s is not a whole number") % {"value": raw})
            return False, None
        if kind == "bool":
            if isinstance(raw, bool):
                return True, raw
            text = str(raw).strip()
            if text in TRUE_WORDS or text in FALSE_WORDS:
                return True, text in TRUE_WORDS
            self.error(sheet, row, column, _("%(value)s is not 是 or 否") % {"value": raw})
            return False, None
        if kind == "list":
            return True, [p.strip() for p in LIST_SPLIT.split(str(raw)) if p.strip()]
        if kind == "enum":
            code = self.choice(sheet, row, column, str(raw))
            return code is not None, code
        if kind == "enums":
            codes = [
                self.choice(sheet, row, column, part.strip())
                for part in ENUM_LIST_SPLIT.split(str(raw))
                if part.strip()
            ]
            return None not in codes, codes
        raise ValueError(kind)

    def choice(self, sheet: Sheet, row: int, column: Column, text: str) -> str | None:
        choices = column.choices or {}
        code = _lookup(choices).get(text)
        if code is not None:
            return code
        allowed = "、".join(choices.values())
        self.error(
            sheet,
            row,
            column,
            _("%(value)s is not one of: %(allowed)s") % {"value": text, "allowed": allowed},
        )
        return None

    def rows(self, book: xlsx_stream.Workbook, sheet: Sheet) -> list[tuple[int, dict]] | None:
        """The records of one sheet as ``(row number, {key: value})``; ``None`` when the sheet
        is absent (an error if it is required) or its header row is wrong."""
        if sheet.name not in book.sheetnames:
            if sheet.required:
                self.error(
                    None,
                    None,
                    None,
                    _("The workbook has no sheet %(sheet)s (its sheets: %(found)s).")
                    % {"sheet": sheet.name, "found": "、".join(book.sheetnames) or "—"},
                )
            return None
        lines = book.rows(sheet.name)
        first = next(lines, None)
        if first is None or first[0] != 1:
            self.error(sheet, 1, None, _("the first row must hold the column headers"))
            return None
        columns = self.header(sheet, tuple(first[1]))
        if columns is None:
            return None
        records = []
        for number, line in lines:
            if not any(v is not None and str(v).strip() for v in line):
                continue
            record: dict[str, Any] = {}
            for position, column in columns.items():
                raw = line[position] if position < len(line) else None
                present, value = self.value(sheet, number, column, raw)
                if present:
                    record[column.key] = value
            records.append((number, record))
            if len(self.errors) >= MAX_ERRORS:
                break
        return records

    def header(self, sheet: Sheet, header: tuple) -> dict[int, Column] | None:
        """Header check: every required column present, no unknown or repeated one. Headers
        are the Chinese names (or the element keys of the JSON format)."""
        by_name = {c.header: c for c in sheet.columns} | {c.key: c for c in sheet.columns}
        found: dict[int, Column] = {}
        ok = True
        for position, cell in enumerate(header):
            title = str(cell).strip() if cell is not None else ""
            if not title:
                continue
            column = by_name.get(title)
            if column is None:
                self.error(sheet, 1, None, _("unknown column %(header)s") % {"header": title})
                ok = False
            elif column in found.values():
                self.error(sheet, 1, None, _("column %(header)s appears twice") % {"header": title})
                ok = False
            else:
                found[position] = column
        for column in sheet.columns:
            if column.required and column not in found.values():
                self.error(
                    sheet, 1, None, _("missing column %(header)s") % {"header": column.header}
                )
                ok = False
        return found if ok else None


_LOOKUPS: dict[int, dict[str, str]] = {}


def _lookup(choices: dict[str, str]) -> dict[str, str]:
    """Label or code → code of an enumeration (built once per enumeration)."""
    found = _LOOKUPS.get(id(choices))
    if found is None:
        found = _LOOKUPS.setdefault(
            id(choices), {**{v: k for k, v in choices.items()}, **{k: k for k in choices}}
        )
    return found


def _plain(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _ordered(records: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Child rows of one record in the order of their 序号 (file order without it)."""
    return sorted(records, key=lambda r: (r[1].get("seq") is None, r[1].get("seq") or 0, r[0]))


def _material(record: dict) -> dict:
    material = {k: v for k, v in record.items() if k not in ("code", "seq", "event_code")}
    # condition and basis are always present in the workbook's materials (empty: "")
    material.setdefault("condition", "")
    material.setdefault("basis", "")
    return material


def _item(record: dict) -> dict:
    item = {
        k: v
        for k, v in record.items()
        if k not in ("legal_limit_unit", "promised_limit_unit", "result_type", "result_name")
    }
    for field in ("legal_limit", "promised_limit"):
        item[field] = {"value": record.get(field), "unit": record.get(f"{field}_unit")}
    item["result"] = {
        k: record[f"result_{k}"] for k in ("type", "name") if record.get(f"result_{k}")
    }
    for field in ("themes", "operations", "synonyms"):
        item.setdefault(field, [])
    return item


def read_workbook(source: str | IO[bytes]) -> tuple[dict[str, Any], Locations]:
    """The ``yiwang.catalog/1`` document of a workbook, with where each record came from.
    Raises ``InvalidInput`` (``catalog.invalid_workbook``, located errors) when the file is no
    workbook, a sheet or column is missing or unknown, or a cell cannot be read; the rules of
    the format are checked afterwards by the importer."""
    not_a_workbook = _refusal(
        [_located(None, None, None, _("The file is not an Excel workbook (.xlsx)."))]
    )
    reader = _Reader()
    try:
        with xlsx_stream.Workbook(source) as book:
            tables = {sheet.key: reader.rows(book, sheet) for sheet in SHEETS}
    except xlsx_stream.NotAWorkbook:
        raise not_a_workbook from None
    if reader.errors:
        raise _refusal(reader.errors)
    return _assemble(reader, tables)


def _assemble(reader: _Reader, tables: dict) -> tuple[dict[str, Any], Locations]:
    where = Locations()
    data: dict[str, Any] = {"format": FORMAT}
    if tables["departments"]:
        data["departments"] = []
        for row, record in tables["departments"]:
            where.departments.append(row)
            data["departments"].append({"code": record["code"], "name": record["name"]})
    items: list[dict] = []
    index_of: dict[str, int] = {}
    for row, record in tables["items"]:
        where.items.append(row)
        where.item_codes.append(record.get("code", ""))
        where.item_names.append(record.get("name", ""))
        index_of.setdefault(record.get("code", ""), len(items))
        items.append(_item(record))
    for key, sheet in CHILDREN:
        per_item: dict[int, list[tuple[int, dict]]] = defaultdict(list)
        for row, record in tables[key] or []:
            index = index_of.get(record.get("code"))
            if index is None:
                reader.error(
                    sheet,
                    row,
                    sheet.column("code"),
                    _("item code %(code)s is not on the sheet %(sheet)s")
                    % {"code": record.get("code"), "sheet": ITEMS.name},
                )
                continue
            per_item[index].append((row, record))
        for index, item in enumerate(items):
            entries = []
            for position, (row, record) in enumerate(_ordered(per_item.get(index, []))):
                where.children[key][(index, position)] = row
                if key == "materials":
                    entries.append(_material(record))
                else:
                    entries.append({k: v for k, v in record.items() if k not in ("code", "seq")})
            item[key] = entries
    data["items"] = items
    if tables["life_events"] is not None:
        data["life_events"] = _events(reader, tables, where)
    if reader.errors:
        raise _refusal(reader.errors)
    return data, where


def _events(reader: _Reader, tables: dict, where: Locations) -> list[dict]:
    events: list[dict] = []
    index_of: dict[str, int] = {}
    for row, record in tables["life_events"]:
        where.events.append(row)
        index_of.setdefault(record.get("code", ""), len(events))
        event = {
            "code": record.get("code", ""),
            "name": record.get("name", ""),
            "audience": record.get("audience"),
            "description": record.get("description", ""),
            "items": [],
        }
        if "bundle_name" in record:
            bundle: dict[str, Any] = {
                "name": record["bundle_name"],
                "items": [],
                "shared_materials": [],
                "lead_department": record.get("bundle_lead_department", ""),
            }
            if "bundle_promised_limit" in record or "bundle_promised_limit_unit" in record:
                bundle["promised_limit"] = {
                    "value": record.get("bundle_promised_limit"),
                    "unit": record.get("bundle_promised_limit_unit"),
                }
            if "bundle_visits" in record:
                bundle["visits"] = record["bundle_visits"]
            event["bundle"] = bundle
        events.append(event)
    positions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row, record in tables["life_event_items"] or []:
        index = index_of.get(record.get("event_code"))
        column = EVENT_ITEMS.column("event_code")
        if index is None:
            reader.error(
                EVENT_ITEMS,
                row,
                column,
                _("life event code %(code)s is not on the sheet %(sheet)s")
                % {"code": record.get("event_code"), "sheet": EVENTS.name},
            )
            continue
        code = record.get("code", "")
        where.event_items.setdefault((index, code), row)
        events[index]["items"].append(code)
        if "bundle_position" in record:
            if "bundle" not in events[index]:
                reader.error(
                    EVENT_ITEMS,
                    row,
                    EVENT_ITEMS.column("bundle_position"),
                    _("the life event has no bundle (一件事名称 is empty)"),
                )
                continue
            positions[index].append((record["bundle_position"], code))
    for index, entries in positions.items():
        events[index]["bundle"]["items"] = [code for _pos, code in sorted(entries)]
    per_event: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for row, record in tables["bundle_materials"] or []:
        index = index_of.get(record.get("event_code"))
        if index is None or "bundle" not in events[index]:
            reader.error(
                BUNDLE_MATERIALS,
                row,
                BUNDLE_MATERIALS.column("event_code"),
                _("life event %(code)s has no bundle") % {"code": record.get("event_code")},
            )
            continue
        per_event[index].append((row, record))
    for index, rows in per_event.items():
        for position, (row, record) in enumerate(_ordered(rows)):
            where.bundle_materials[(index, position)] = row
            events[index]["bundle"]["shared_materials"].append(_material(record))
    return events


def catalogue_import_workbook(*, actor, source: str | IO[bytes]) -> dict[str, int]:
    """:func:`catalogue_import` of a workbook: read, then the same validation and all-or-nothing
    import as a JSON document; every refusal names the sheet, row and column."""
    from yiwang.catalog import permissions as perms
    from yiwang.catalog.services import catalogue_import

    if actor is not None:
        require_perm(actor, perms.MANAGE_BASIC)
    data, where = read_workbook(source)
    try:
        return catalogue_import(actor=actor, data=data)
    except InvalidInput as exc:
        raise where.relocate(exc) from None


# --- writing -------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5FAE")
OPTIONAL_FILL = PatternFill("solid", fgColor="6C8EBF")
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.type == "bool":
        return YES if value else NO
    if column.type in ("enum",) and column.choices:
        return column.choices.get(value, value)
    if column.type == "enums":
        return "\n".join(str((column.choices or {}).get(v, v)) for v in value)
    if column.type == "list":
        return "\n".join(str(v) for v in value) if value else None
    return value


class _Writer:
    def __init__(self) -> None:
        self.book = Workbook(write_only=True)

    def sheet(self, spec: Sheet, records) -> None:
        ws = self.book.create_sheet(spec.name)
        for position, column in enumerate(spec.columns, start=1):
            ws.column_dimensions[get_column_letter(position)].width = column.width
        ws.freeze_panes = "B2" if spec is ITEMS else "A2"
        header = []
        for column in spec.columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL if column.required else OPTIONAL_FILL
            header.append(cell)
        ws.append(header)
        for position, column in enumerate(spec.columns, start=1):
            if column.type in ("enum", "bool"):
                labels = [YES, NO] if column.type == "bool" else list(column.choices.values())
                check = DataValidation(
                    type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True
                )
                letter = get_column_letter(position)
                check.add(f"{letter}2:{letter}1048576")
                ws.data_validations.append(check)
        for record in records:
            ws.append([self.cell(ws, c, _cell_value(c, record.get(c.key))) for c in spec.columns])

    @staticmethod
    def cell(ws, column: Column, value: Any) -> Any:
        if isinstance(value, str) and (value.startswith("=") or "\n" in value):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text that looks like a formula stays text
            if "\n" in value:
                cell.alignment = WRAP
            return cell
        return value

    def readme(self, data: dict) -> None:
        ws = self.book.create_sheet(README)
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 100
        rows = [
            ("政务服务事项基本目录", f"格式 {FORMAT}（说明：docs/modules/catalog-format.md）"),
            ("事项数", len(data.get("items", []))),
            ("", ""),
            ("工作表", "内容（第一行为表头，深色表头为必填列；每行一条记录，按事项编码关联）"),
            (ITEMS.name, "每个事项一行；多个值的单元格每行一个值（单元格内换行）"),
            (MATERIALS.name, "每份申请材料一行，按序号排列"),
            (STEPS.name, "每个办理环节一行；各环节时限之和不超过承诺办结时限"),
            (FEES.name, "每个收费项目一行；没有行即不收费"),
            (FAQ.name, "每个事项1至3个常见问题"),
            (DEPARTMENTS.name, "可选：部门编码（3位）与名称；填写后核对事项编码第3至5位"),
            (EVENTS.name, "可选：主题（人生事件）及其“一件事”"),
            (EVENT_ITEMS.name, "可选：主题包含的事项；一件事内顺序有值即纳入一件事"),
            (BUNDLE_MATERIALS.name, "可选：一件事一次提交的共享材料"),
            ("", ""),
            ("取值", "允许的值"),
        ]
        for title, choices in (
            ("事项类型", KINDS),
            ("实施层级", LEVELS),
            ("服务对象", AUDIENCES),
            ("业务办理项", OPERATIONS),
            ("时限单位", UNITS),
            ("办件类型", HANDLING),
            ("通办范围", TONGBAN),
            ("审批结果类型", RESULT_TYPES),
            ("材料类型", MATERIAL_KINDS),
            ("材料形式", MATERIAL_FORMS),
            ("来源", SOURCES),
        ):
            rows.append((title, "、".join(choices.values())))
        rows.append(("是/否", f"{YES}、{NO}"))
        rows.append(
            ("网上办理深度", "1 仅信息公开；2 在线预约或下载；3 在线申请和预审；4 全程网办")
        )
        for row in rows:
            ws.append(list(row))

    def save(self, target) -> None:
        self.book.save(target)


def _item_records(items: list[dict]):
    for item in items:
        record = dict(item)
        for field in ("legal_limit", "promised_limit"):
            limit = item.get(field) or {}
            record[field] = limit.get("value")
            record[f"{field}_unit"] = limit.get("unit")
        result = item.get("result") or {}
        record["result_type"] = result.get("type")
        record["result_name"] = result.get("name")
        yield record


def _child_records(items: list[dict], key: str):
    for item in items:
        for seq, entry in enumerate(item.get(key) or [], start=1):
            yield {"code": item.get("code"), "seq": seq, **entry}


def _event_records(events: list[dict]):
    for event in events:
        record = {k: event.get(k) for k in ("code", "name", "audience", "description")}
        bundle = event.get("bundle")
        if bundle:
            record["bundle_name"] = bundle.get("name")
            record["bundle_lead_department"] = bundle.get("lead_department")
            limit = bundle.get("promised_limit") or {}
            record["bundle_promised_limit"] = limit.get("value")
            record["bundle_promised_limit_unit"] = limit.get("unit")
            record["bundle_visits"] = bundle.get("visits")
        yield record


def _event_item_records(events: list[dict]):
    for event in events:
        bundle = (event.get("bundle") or {}).get("items") or []
        for code in event.get("items") or []:
            position = bundle.index(code) + 1 if code in bundle else None
            yield {"event_code": event.get("code"), "code": code, "bundle_position": position}


def _bundle_material_records(events: list[dict]):
    for event in events:
        shared = (event.get("bundle") or {}).get("shared_materials") or []
        for seq, material in enumerate(shared, start=1):
            yield {"event_code": event.get("code"), "seq": seq, **material}


def write_workbook(data: dict[str, Any], target: str | IO[bytes]) -> None:
    """Write a ``yiwang.catalog/1`` document as a workbook (streamed, write-only mode) to a
    path or a binary file. A path that cannot be written fails before anything is built."""
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as stream:
            write_workbook(data, stream)
        return
    items = data.get("items") or []
    events = data.get("life_events") or []
    writer = _Writer()
    writer.readme(data)
    writer.sheet(ITEMS, _item_records(items))
    for key, sheet in CHILDREN:
        writer.sheet(sheet, _child_records(items, key))
    if data.get("departments"):
        writer.sheet(DEPARTMENTS, data["departments"])
    if events:
        writer.sheet(EVENTS, _event_records(events))
        writer.sheet(EVENT_ITEMS, _event_item_records(events))
        writer.sheet(BUNDLE_MATERIALS, _bundle_material_records(events))
    writer.save(target)


def catalogue_export_workbook(target: str | IO[bytes]) -> int:
    """The active basic catalogue (with its life events and bundles) as a workbook; returns
    the number of items written."""
    from yiwang.catalog.services.basic import catalogue_export

    data = catalogue_export()
    write_workbook(data, target)
    return len(data["items"])
