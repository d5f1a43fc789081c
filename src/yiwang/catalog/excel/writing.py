"""Writing a catalogue workbook: the ``yiwang.catalog/1`` document as an .xlsx file a clerk
can read and fill in, streamed with openpyxl's write-only mode (header colours mark required
columns, drop-down lists the enumerations, a 说明 sheet explains the format)."""

from __future__ import annotations

import os
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yiwang.catalog.data_check import FORMAT
from yiwang.catalog.excel.schema import (
    AUDIENCES,
    BUNDLE_MATERIALS,
    CHILDREN,
    DEPARTMENTS,
    EVENT_ITEMS,
    EVENTS,
    FAQ,
    FEES,
    HANDLING,
    ITEMS,
    KINDS,
    LEVELS,
    MATERIAL_FORMS,
    MATERIAL_KINDS,
    MATERIALS,
    NO,
    OPERATIONS,
    README,
    RESULT_TYPES,
    SOURCES,
    STEPS,
    TONGBAN,
    UNITS,
    YES,
    Column,
    Sheet,
)

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
