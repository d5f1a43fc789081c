"""Import of one year from CSV: all rows or nothing, precise errors per line."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worktime.helpers import sh
from yiwang.core.errors import InvalidInput
from yiwang.core.models import AuditLog
from yiwang.worktime import csv_import, facade, services
from yiwang.worktime.choices import DayKind, YearSource
from yiwang.worktime.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

# A plausible 2027 Spring Festival (Chinese New Year is Saturday 2027-02-06).
GOOD_2027 = """date,kind,note
# 2027 春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,workday,春节调休
2027-02-20,班,"春节调休, 第二天"
"""


def test_import_a_year(national, calendar_admin):
    before = facade.add_working_days(sh(2027, 2, 5, 10), 1)
    assert before.deadline == sh(2027, 2, 8, 17, 30) and before.warnings

    summary = services.calendar_year_import(
        actor=calendar_admin, calendar=national, text=GOOD_2027, source_name="2027.csv"
    )

    assert (summary.year, summary.holidays, summary.workdays) == (2027, 8, 2)
    after = facade.add_working_days(sh(2027, 2, 5, 10), 1)
    assert after.deadline == sh(2027, 2, 14, 17, 30)  # make-up Sunday
    assert after.warnings == ()
    record = CalendarYear.objects.get(calendar=national, year=2027)
    assert (record.source, record.note) == (YearSource.IMPORT, "2027.csv")
    assert CalendarDay.objects.get(calendar=national, date=dt.date(2027, 2, 20)).note == (
        "春节调休, 第二天"
    )
    entry = AuditLog.objects.get(action="worktime.year.import")
    assert entry.actor == calendar_admin
    assert entry.changes["year"] == 2027 and len(entry.changes["added"]) == 10


def test_reimport_replaces_the_year(national, calendar_admin):
    text = "date,kind,note\n2026-10-01,holiday,国庆节\n2026-03-02,holiday,新增\n"
    summary = services.calendar_year_import(actor=calendar_admin, calendar=national, text=text)
    assert summary.year == 2026
    assert summary.added == ("2026-03-02",)
    assert "2026-10-10" in summary.removed  # make-up Saturday gone
    assert CalendarDay.objects.filter(calendar=national, date__year=2026).count() == 2
    assert facade.is_working_day(dt.date(2026, 10, 2)) is True
    assert facade.is_working_day(dt.date(2026, 3, 2)) is False
    assert CalendarDay.objects.filter(calendar=national, date__year=2025).exists()


def test_a_bad_row_imports_nothing_and_names_the_line(national, calendar_admin):
    before = CalendarDay.objects.filter(calendar=national, date__year=2026).count()
    text = (
        "date,kind,note\n"
        "2026-10-01,holiday,国庆节\n"
        "2026-02-30,holiday,no such day\n"  # line 3
        "2026-10-02,rest,\n"  # line 4
        "2026-10-01,holiday,again\n"  # line 5
        "2026-10-05,workday,Monday\n"  # line 6
        "2025-12-31,holiday,wrong year\n"  # line 7
        "26-10-08,holiday,\n"  # line 8
    )
    with pytest.raises(InvalidInput) as exc:
        services.calendar_year_import(actor=calendar_admin, calendar=national, text=text)
    errors = exc.value.errors
    assert [(e["line"], e["column"], e["code"]) for e in errors] == [
        (3, "date", "worktime.csv_bad_date"),
        (4, "kind", "worktime.csv_bad_kind"),
        (5, "date", "worktime.csv_duplicate_date"),
        (6, "kind", "worktime.csv_workday_not_weekend"),
        (7, "date", "worktime.csv_wrong_year"),
        (8, "date", "worktime.csv_bad_date"),
    ]
    assert errors[0]["message"].startswith("line 3:")
    assert "line 2" in errors[2]["message"]  # the first occurrence is named
    assert CalendarDay.objects.filter(calendar=national, date__year=2026).count() == before
    assert not AuditLog.objects.filter(action="worktime.year.import").exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "worktime.csv_empty"),
        ("day,type\n2027-01-01,holiday\n", "worktime.csv_header"),
        ("date,kind\n", "worktime.csv_year_required"),
        ("date,kind\n2027-01-01,holiday,extra\n", "worktime.csv_extra_columns"),
        ("date,kind,note\n2027-01-01,holiday," + "x" * 101 + "\n", "worktime.csv_note_too_long"),
        ("date,kind\n1850-01-01,holiday\n", "worktime.year_out_of_range"),
    ],
)
def test_file_level_errors(text, code):
    with pytest.raises(InvalidInput) as exc:
        csv_import.parse_year_csv(text)
    assert exc.value.errors[0]["code"] == code


def test_explicit_year_allows_an_empty_year_and_checks_rows():
    assert csv_import.parse_year_csv("date,kind,note\n", year=2030) == (2030, [])
    with pytest.raises(InvalidInput) as exc:
        csv_import.parse_year_csv("date,kind\n2031-01-01,holiday\n", year=2030)
    assert exc.value.errors[0]["code"] == "worktime.csv_wrong_year"


def test_encodings():
    text = "date,kind,note\n2027-01-01,holiday,元旦\n"
    assert csv_import.decode(("\ufeff" + text).encode("utf-8")) == text
    assert csv_import.decode(text.encode("gb18030")) == text
    _year, rows = csv_import.parse_year_csv(text)
    assert rows[0].kind == DayKind.HOLIDAY and rows[0].note == "元旦"
