"""Where a problem is in the workbook: every refusal names its sheet, row and column.

:func:`located` builds one error entry; :class:`Locations` remembers which row each record of
the converted document came from, so the validator's problems on the JSON document
(``items[3] (…).materials[1].kind: …``) are reported on the workbook's cells.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from yiwang.catalog.excel.schema import (
    BUNDLE_COLUMNS,
    BUNDLE_MATERIALS,
    CHILDREN,
    DEPARTMENTS,
    EVENT_ITEMS,
    EVENTS,
    ITEMS,
    PATH_COLUMNS,
    Column,
    Sheet,
)
from yiwang.core.errors import InvalidInput

MAX_ERRORS = 100


def located(sheet: Sheet | None, row: int | None, column: Column | None, problem: str) -> dict:
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
            return located(ITEMS, row, None, problem)
        field, sub_index = steps[0]
        for key, sheet in CHILDREN:
            if field == key and sub_index != "":
                child_row = self.children[key].get((index, int(sub_index)))
                column = sheet.column(steps[1][0]) if len(steps) > 1 else None
                return located(sheet, child_row, column, problem)
        sub = steps[1][0] if len(steps) > 1 else None
        column = ITEMS.column(PATH_COLUMNS.get((field, sub), field))
        if column is None:  # an element without a column of its own (steps, materials …)
            problem = f"{path.lstrip('.')}: {problem}"
        return located(ITEMS, row, column, problem)

    def _event_problem(self, index: int, path: str, problem: str) -> dict:
        steps = STEP.findall(path)
        row = self.events[index] if index < len(self.events) else None
        if not steps:
            return located(EVENTS, row, None, problem)
        field = steps[0][0]
        if field == "items" or (field == "bundle" and len(steps) > 1 and steps[1][0] == "items"):
            code = next(iter(QUOTED.findall(problem)), None)
            where = self.event_items.get((index, code)) if code else None
            if where is not None:
                return located(EVENT_ITEMS, where, EVENT_ITEMS.column("code"), problem)
        if field == "bundle" and len(steps) > 1:
            sub, sub_index = steps[1]
            if sub == "shared_materials" and sub_index != "":
                mrow = self.bundle_materials.get((index, int(sub_index)))
                column = BUNDLE_MATERIALS.column(steps[2][0]) if len(steps) > 2 else None
                return located(BUNDLE_MATERIALS, mrow, column, problem)
            key = BUNDLE_COLUMNS.get(sub, "bundle_name")
            if sub == "promised_limit" and len(steps) > 2 and steps[2][0] == "unit":
                key = "bundle_promised_limit_unit"
            return located(EVENTS, row, EVENTS.column(key), problem)
        return located(EVENTS, row, EVENTS.column(field), problem)

    def locate(self, problem: str) -> dict:
        """A validator problem (a ``check_catalogue`` string) as a located error entry."""
        if match := ITEM_PATH.match(problem):
            return self._item_problem(int(match[1]), match[2], match[3])
        if match := EVENT_PATH.match(problem):
            return self._event_problem(int(match[1]), match[2], match[3])
        if match := DEPT_PATH.match(problem):
            index = int(match[1])
            row = self.departments[index] if index < len(self.departments) else None
            return located(DEPARTMENTS, row, DEPARTMENTS.column(match[2] or ""), match[3])
        sheet_name, _sep, rest = problem.partition(": ")
        quoted = next(iter(QUOTED.findall(rest)), None)
        if sheet_name == "items":
            if quoted is not None and "duplicate code" in rest:
                rows = [r for r, c in zip(self.items, self.item_codes, strict=True) if c == quoted]
                return located(ITEMS, rows[-1] if rows else None, ITEMS.column("code"), rest)
            if quoted is not None and "duplicate name" in rest:
                rows = [r for r, n in zip(self.items, self.item_names, strict=True) if n == quoted]
                return located(ITEMS, rows[-1] if rows else None, ITEMS.column("name"), rest)
            return located(ITEMS, None, None, rest)
        for sheet in (DEPARTMENTS, EVENTS):
            if sheet_name == sheet.key:
                return located(sheet, None, None, rest)
        return located(None, None, None, problem)

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
                errors.append(located(ITEMS, row, column, problem))
            else:
                errors.append(self.locate(message))
        return refusal(errors)


def refusal(errors: list[dict]) -> InvalidInput:
    errors = errors[:MAX_ERRORS]
    return InvalidInput(
        "catalog.invalid_workbook", "; ".join(e["message"] for e in errors[:5]), errors=errors
    )
