"""Staff page of the 一网通办 statistics (/cases/stats/): a period form, headline figures,
ECharts charts fed by ``json_script`` data and the department and district tables. Thin: the
numbers come from :mod:`yiwang.cases.stats` (the same as ``GET /api/v1/cases/stats``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.cases import permissions as perms
from yiwang.cases import stats
from yiwang.cases.forms import StatsPeriodForm
from yiwang.cases.views.common import staff_page
from yiwang.core.errors import Forbidden, InvalidInput

DEPARTMENTS_IN_CHART = 15


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _kpi(name: str, label: str, value, percent: bool = False) -> dict:
    return {"name": name, "label": label, "value": value, "percent": percent}


def _kpi_groups(total: dict) -> list[dict]:
    """Two rows of headline figures: the applications and ratings, then the catalogue."""
    cat = total["catalogue"]
    cases = [
        _kpi("received", _("Applications received"), total["received"]),
        _kpi("completed", _("Applications completed"), total["completed"]),
        _kpi("on_time_rate", _("On-time completion rate"), _pct(total["on_time_rate"]), True),
        _kpi("overdue_open", _("Overdue and still open"), total["overdue_open"]),
        _kpi("good_rate", _("Good-rating rate"), _pct(total["good_rate"]), True),
        _kpi("bad_rate", _("Negative-rating rate"), _pct(total["bad_rate"]), True),
    ]
    catalogue = [
        _kpi("items", _("Published items"), cat["items"]),
        _kpi("application_items", _("Application-based items"), cat["application_items"]),
        _kpi("online_rate", _("Online-handling rate"), _pct(cat["online_rate"]), True),
        _kpi("zero_visit_rate", _("Zero-visit rate"), _pct(cat["zero_visit_rate"]), True),
        _kpi("limit_compression", _("Limit compression"), _pct(cat["limit_compression"]), True),
    ]
    return [{"name": "cases", "kpis": cases}, {"name": "catalogue", "kpis": catalogue}]


def _table(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        row = {
            **r,
            "on_time_pct": _pct(r["on_time_rate"]),
            "good_pct": _pct(r["good_rate"]),
            "bad_pct": _pct(r["bad_rate"]),
        }
        cat = r.get("catalogue")
        if cat is not None:
            row["online_pct"] = _pct(cat["online_rate"])
            row["zero_visit_pct"] = _pct(cat["zero_visit_rate"])
            row["compression_pct"] = _pct(cat["limit_compression"])
        out.append(row)
    return out


def _chart_data(figures: dict) -> dict:
    districts = figures["by_district"]
    rated = [d for d in figures["by_department"] if d["rated"]][:DEPARTMENTS_IN_CHART]
    return {
        "labels": {
            "district": _("Applications and on-time completion by district"),
            "department": _("Good-rating rate by department (%)"),
            "trend": _("Applications received and completed per day"),
            "received": _("Applications received"),
            "completed": _("Applications completed"),
            "on_time": _("On-time completion rate"),
            "good_rate": _("Good-rating rate"),
        },
        "district": {
            "names": [d["label"] for d in districts],
            "received": [d["received"] for d in districts],
            "completed": [d["completed"] for d in districts],
            "on_time": [_pct(d["on_time_rate"]) for d in districts],
        },
        # the highest first in the table order; reversed so a horizontal chart shows it on top
        "department": {
            "names": [d["label"] for d in rated][::-1],
            "values": [_pct(d["good_rate"]) for d in rated][::-1],
        },
        "trend": figures["trend"],
    }


@require_GET
@staff_page(perms.STATS)
def stats_page(request):
    """一网通办统计: leaders, the platform administrator and reviewers see the city, case
    handlers their own organisation subtree; a bad period shows its error over the default."""
    form = StatsPeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        try:
            figures = stats.service_stats(actor=request.user, start=start, end=end)
        except InvalidInput as exc:
            form.add_service_error(exc)
            figures = stats.service_stats(actor=request.user)
    except Forbidden:
        raise PermissionDenied from None
    context = {
        "form": form,
        "figures": figures,
        "kpi_groups": _kpi_groups(figures["total"]),
        "districts": _table(figures["by_district"]),
        "departments": _table(figures["by_department"]),
        "chart_data": _chart_data(figures),
    }
    return render(request, "cases/stats.html", context)
