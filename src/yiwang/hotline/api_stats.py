"""Hotline statistics API at /api/v1/hotline/stats: summary, breakdowns, Excel export."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from openpyxl import Workbook
from pydantic import Field

from yiwang.hotline import stats

router = Router()  # mounted on the hotline router, whose tag it takes


class StatsQueryIn(Schema):
    """The cohort: orders received from ``start`` to ``end`` (local days, at most 400 days;
    default: the last 30 days up to today), optionally narrowed."""

    start: dt.date | None = None
    end: dt.date | None = None
    lane: str | None = Field(None, description="enterprise or general")
    category: str | None = None
    channel: str | None = None
    district_id: int | None = None
    unit_id: int | None = None
    city_id: int | None = Field(None, description="superusers only; others read their city")


class BreakdownQueryIn(StatsQueryIn):
    by: str = Field(description="category, channel, district, unit, lane, day, week or month")


class IndicatorsOut(Schema):
    received: int
    refused: int
    dispatched: int
    signed: int
    signed_on_time: int
    closed: int
    closed_on_time: int
    handle_seconds: int
    handle_work_minutes: int
    direct_answered: int
    returned: int
    reopened: int
    repeated: int
    called_back: int
    satisfied: int
    solved: int
    close_rate: float | None
    avg_handle_days: float | None
    avg_handle_work_days: float | None
    sign_on_time_rate: float | None
    close_on_time_rate: float | None
    callback_rate: float | None
    satisfaction_rate: float | None
    resolution_rate: float | None
    return_rate: float | None
    repeat_rate: float | None
    direct_answer_rate: float | None
    score: float | None


class SummaryOut(IndicatorsOut):
    start: dt.date
    end: dt.date


class BreakdownRowOut(IndicatorsOut):
    key: str | int | None
    label: str
    rank: int | None = None


class BreakdownOut(Schema):
    by: str
    start: dt.date
    end: dt.date
    items: list[BreakdownRowOut]


# --- Excel -------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
RATE_FORMAT = "0.00%"


def safe_cell(value):
    """A cell value that a spreadsheet can never run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _put_row(sheet, values: list, rate_columns: set[int] = frozenset()) -> None:
    sheet.append([safe_cell(v) for v in values])
    row = sheet.max_row
    for column, value in enumerate(values, 1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            cell.data_type = "s"
        elif column in rate_columns:
            cell.number_format = RATE_FORMAT


def stats_workbook(filters: dict) -> bytes:
    """The summary sheet and one sheet per breakdown, headers in the active language. Only
    aggregates and organisation names are written: no requester, phone or order text."""
    import io

    labels = stats.indicator_labels()
    names = list(labels)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Summary"))[:31]
    _put_row(sheet, [str(_("Indicator")), str(_("Value"))])
    _put_row(sheet, [str(_("From")), filters["start"].isoformat()])
    _put_row(sheet, [str(_("To")), filters["end"].isoformat()])
    page = stats.overview(**filters)
    totals = page["summary"]
    for name in names:
        _put_row(sheet, [str(labels[name]), totals[name]], {2} if name in stats.RATES else set())
    sheet.column_dimensions["A"].width = 28
    titles = stats.breakdown_labels()
    for by in stats.BREAKDOWNS:
        sheet = book.create_sheet(str(titles[by])[:31])
        header = [str(titles[by])] + ([str(_("Rank"))] if by == "unit" else [])
        header += [str(labels[n]) for n in names]
        _put_row(sheet, header)
        offset = len(header) - len(names)
        rate_columns = {offset + i + 1 for i, n in enumerate(names) if n in stats.RATES}
        for row in page[by]:
            values = [row["label"]] + ([row["rank"]] if by == "unit" else [])
            _put_row(sheet, values + [row[n] for n in names], rate_columns)
        sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stats_filters(actor, query: StatsQueryIn) -> dict:
    """Keyword arguments of :func:`stats.summary` for ``actor`` (scope applied, defaults set)."""
    scope = stats.stats_scope(actor)
    end = query.end or stats.local_today()
    start = query.start or end - dt.timedelta(days=29)
    filters = {
        "city_id": query.city_id,
        "start": start,
        "end": end,
        "lane": query.lane,
        "category": query.category,
        "channel": query.channel,
        "district_id": query.district_id,
        "unit_id": query.unit_id,
        "unit_path": None,
    }
    filters.update(scope)  # a non-superuser's city and subtree win over the query
    return filters


@router.get(
    "/summary",
    response=SummaryOut,
    operation_id="hotline_stats_summary",
    summary="Hotline indicators of the orders received in a date range (rates null without data)",
)
def stats_summary(request: HttpRequest, query: Query[StatsQueryIn]):
    return stats.summary(**stats_filters(request.user, query))


@router.get(
    "/breakdown",
    response=BreakdownOut,
    operation_id="hotline_stats_breakdown",
    summary="Hotline indicators per category, channel, district, unit (ranking), lane or period",
)
def stats_breakdown(request: HttpRequest, query: Query[BreakdownQueryIn]):
    filters = stats_filters(request.user, query)
    items = stats.breakdown(by=query.by, **filters)
    return {"by": query.by, "start": filters["start"], "end": filters["end"], "items": items}


@router.get(
    "/export.xlsx",
    response={200: None},
    operation_id="hotline_stats_export",
    summary="Excel workbook: the summary and one sheet per breakdown (no personal data)",
)
def stats_export(request: HttpRequest, query: Query[StatsQueryIn]):
    filters = stats_filters(request.user, query)
    content = stats_workbook(filters)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"hotline-stats-{filters['start']:%Y%m%d}-{filters['end']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
