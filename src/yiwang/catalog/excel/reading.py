"""Reading a catalogue workbook: cells → the ``yiwang.catalog/1`` document, then the same
validator and :func:`catalogue_import` as a JSON file (all or nothing).

Cells are read with :mod:`yiwang.core.xlsx_stream` (expat, about seven times faster
than openpyxl's read-only mode here). A cell that cannot be read (an unknown label, text in a
number column) is refused here; the rules of the format are checked by the importer, whose
problems :class:`~yiwang.catalog.excel.locations.Locations` puts back on sheet, row and column.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import IO, Any

from django.utils.translation import gettext as _

from yiwang.catalog.data_check import FORMAT
from yiwang.catalog.excel.locations import MAX_ERRORS, Locations, located, refusal
from yiwang.catalog.excel.schema import (
    BUNDLE_MATERIALS,
    CHILDREN,
    DEPARTMENTS,
    ENUM_LIST_SPLIT,
    EVENT_ITEMS,
    EVENTS,
    FALSE_WORDS,
    ITEMS,
    LIST_SPLIT,
    SHEETS,
    TRUE_WORDS,
    Column,
    Sheet,
)
from yiwang.core import xlsx_stream
from yiwang.core.errors import InvalidInput
from yiwang.core.permissions import require_perm


class _Reader:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def error(self, sheet: Sheet | None, row: int | None, column: Column | None, problem: str):
        self.errors.append(located(sheet, row, column, problem))

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
    not_a_workbook = refusal(
        [located(None, None, None, _("The file is not an Excel workbook (.xlsx)."))]
    )
    reader = _Reader()
    try:
        with xlsx_stream.Workbook(source) as book:
            tables = {sheet.key: reader.rows(book, sheet) for sheet in SHEETS}
    except xlsx_stream.NotAWorkbook:
        raise not_a_workbook from None
    if reader.errors:
        raise refusal(reader.errors)
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
        raise refusal(reader.errors)
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
