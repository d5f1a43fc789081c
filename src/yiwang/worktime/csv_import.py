"""Parsing and validation of a year of calendar data in CSV (``date,kind,note``).

The whole file is checked before anything is written: every bad row is reported with its line
number, and :func:`parse_year_csv` either returns all rows or raises ``InvalidInput``.
The format is documented in ``docs/modules/worktime.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from yiwang.core.errors import InvalidInput
from yiwang.worktime.choices import DayKind
from yiwang.worktime.models import MAX_YEAR, MIN_YEAR

MAX_ROWS = 366
MAX_ERRORS = 100
MAX_BYTES = 256 * 1024
NOTE_MAX = 100
KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DayRow:
    line: int
    date: dt.date
    kind: str
    note: str


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); GB18030 as saved by Chinese Excel is accepted too."""
    if len(raw) > MAX_BYTES:
        raise _file_error(
            "worktime.csv_too_large",
            gettext("The file is larger than %(size)s KiB.") % {"size": MAX_BYTES // 1024},
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise _file_error(
                "worktime.csv_encoding", gettext("The file is neither UTF-8 nor GB18030 text.")
            ) from None


def _file_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": "file", "code": code, "message": message}])


def parse_year_csv(text: str, *, year: int | None = None) -> tuple[int, list[DayRow]]:
    """Validate a year of ``date,kind,note`` rows; returns (year, rows) or raises InvalidInput.

    ``year`` given: every date must lie in it. Omitted: it is the year of the first valid date,
    and a file without rows needs it.
    """
    text = text.lstrip("\ufeff")
    errors: list[dict] = []

    def error(line: int, column: str, code: str, message: str) -> None:
        full = gettext("line %(line)s: %(message)s") % {"line": line, "message": message}
        errors.append(
            {"field": column, "line": line, "column": column, "code": code, "message": full}
        )

    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            "worktime.year_out_of_range",
            gettext("The year must lie between %(min)s and %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
            errors=[
                {
                    "field": "year",
                    "code": "worktime.year_out_of_range",
                    "message": gettext("The year must lie between %(min)s and %(max)s.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR},
                }
            ],
        )
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[DayRow] = []
    seen: dict[dt.date, int] = {}
    try:
        records = list(reader)
    except csv.Error as exc:
        raise _file_error("worktime.csv_malformed", str(exc)) from None
    for line, record in enumerate(records, start=1):
        cells = [c.strip() for c in record]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header is None:
            header = [c.lower() for c in cells]
            if header not in (["date", "kind"], ["date", "kind", "note"]):
                error(
                    line,
                    "header",
                    "worktime.csv_header",
                    gettext("the first line must be the header date,kind,note (got %(got)s).")
                    % {"got": ",".join(cells)},
                )
                break
            continue
        if len(rows) >= MAX_ROWS:
            error(
                line,
                "file",
                "worktime.csv_too_many_rows",
                gettext("more than %(max)s rows.") % {"max": MAX_ROWS},
            )
            break
        if len(cells) > len(header):
            error(
                line,
                "file",
                "worktime.csv_extra_columns",
                gettext("%(count)s columns, expected at most %(max)s (quote notes with commas).")
                % {"count": len(cells), "max": len(header)},
            )
            continue
        cells += [""] * (len(header) - len(cells))
        raw_date, raw_kind = cells[0], cells[1]
        note = cells[2] if len(cells) > 2 else ""
        day = None
        if not _DATE.match(raw_date):
            error(
                line,
                "date",
                "worktime.csv_bad_date",
                gettext("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": raw_date},
            )
        else:
            try:
                day = dt.date.fromisoformat(raw_date)
            except ValueError:
                error(
                    line,
                    "date",
                    "worktime.csv_bad_date",
                    gettext("%(value)s is not a valid calendar date.") % {"value": raw_date},
                )
        kind = KIND_ALIASES.get(raw_kind.lower())
        if kind is None:
            error(
                line,
                "kind",
                "worktime.csv_bad_kind",
                gettext("kind %(value)r is not one of holiday, workday (or 休, 班).")
                % {"value": raw_kind},
            )
        if len(note) > NOTE_MAX:
            error(
                line,
                "note",
                "worktime.csv_note_too_long",
                gettext("the note is longer than %(max)s characters.") % {"max": NOTE_MAX},
            )
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            error(
                line,
                "date",
                "worktime.year_out_of_range",
                gettext("the year must lie between %(min)s and %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR},
            )
            day = None
        if day is not None:
            if year is None:
                year = day.year
            if day.year != year:
                error(
                    line,
                    "date",
                    "worktime.csv_wrong_year",
                    gettext("%(date)s is not in %(year)s; a file holds exactly one year.")
                    % {"date": raw_date, "year": year},
                )
            elif day in seen:
                error(
                    line,
                    "date",
                    "worktime.csv_duplicate_date",
                    gettext("%(date)s is already given on line %(other)s.")
                    % {"date": raw_date, "other": seen[day]},
                )
            elif kind == DayKind.WORKDAY and day.weekday() < 5:
                error(
                    line,
                    "kind",
                    "worktime.csv_workday_not_weekend",
                    gettext("%(date)s is a weekday: a make-up working day is a Saturday or Sunday.")
                    % {"date": raw_date},
                )
            else:
                seen[day] = line
        if day is not None and kind is not None and not errors:
            rows.append(DayRow(line=line, date=day, kind=kind, note=note))
        if len(errors) >= MAX_ERRORS:
            break
    if header is None and not errors:
        errors.append(
            {
                "field": "header",
                "line": 1,
                "column": "header",
                "code": "worktime.csv_empty",
                "message": gettext("The file is empty: it needs the header date,kind,note."),
            }
        )
    if year is None and not errors:
        errors.append(
            {
                "field": "year",
                "code": "worktime.csv_year_required",
                "message": gettext("The file has no rows: give the year explicitly."),
            }
        )
    if errors:
        summary = "; ".join(e["message"] for e in errors[:5])
        if len(errors) > 5:
            summary += " " + gettext("(and %(count)s more)") % {"count": len(errors) - 5}
        raise InvalidInput(errors[0]["code"], summary, errors=errors)
    assert year is not None
    return year, rows
