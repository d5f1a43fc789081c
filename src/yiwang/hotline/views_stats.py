"""Staff statistics page of the hotline (/hotline/stats/): filters, KPI cards, ECharts charts
fed by ``json_script`` data, the unit ranking and the Excel export link. Thin: the numbers
come from :mod:`yiwang.hotline.stats`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yiwang.core.errors import DomainError
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import stats
from yiwang.hotline.choices import Category, Lane

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
SELECT = forms.Select(attrs={"class": "form-select"})
EXPORT_URL = "/api/v1/hotline/stats/export.xlsx"
KPIS = (
    "received",
    "closed",
    "avg_handle_days",
    "avg_handle_work_days",
    "sign_on_time_rate",
    "close_on_time_rate",
    "callback_rate",
    "satisfaction_rate",
    "resolution_rate",
    "return_rate",
    "repeat_rate",
    "direct_answer_rate",
)


class StatsFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_WIDGET)
    lane = forms.ChoiceField(label=gettext_lazy("Lane"), required=False, widget=SELECT)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False, widget=SELECT)
    district = forms.IntegerField(
        label=gettext_lazy("District"), required=False, min_value=1, widget=SELECT
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["lane"].choices = everything + list(Lane.choices)
        self.fields["category"].choices = everything + list(Category.choices)
        self.set_districts([])

    def set_districts(self, districts) -> None:
        """Offer the districts that have orders (known only after the first query)."""
        choices = [("", _("All"))] + [(str(k), v) for k, v in districts]
        self.fields["district"].widget.choices = choices

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        end = end or stats.local_today()
        start = start or end - dt.timedelta(days=29)
        try:
            stats.validate_range(start, end)
        except DomainError as exc:
            field = exc.errors[0]["field"] if exc.errors else None
            self.add_error(field if field in self.fields else None, exc.message)
        data["start"], data["end"] = start, end
        return data


def _pct(value):
    return None if value is None else round(value * 100, 2)


def _every_day(rows: list[dict], start: dt.date, end: dt.date) -> list[dict]:
    """The day breakdown with a zero row for each day without orders (a continuous trend)."""
    by_day = {r["key"]: r for r in rows}
    out, day = [], start
    while day <= end:
        key = day.isoformat()
        out.append(by_day.get(key, {"key": key, "received": 0, "closed": 0}))
        day += dt.timedelta(days=1)
    return out


def _chart_data(days, categories, channels, districts, labels) -> dict:
    return {
        "labels": {
            "received": str(labels["received"]),
            "closed": str(labels["closed"]),
            "trend": _("Daily received and closed"),
            "category": _("By category"),
            "channel": _("By channel"),
            "district": _("By district"),
        },
        "trend": {
            "days": [r["key"] for r in days],
            "received": [r["received"] for r in days],
            "closed": [r["closed"] for r in days],
        },
        "category": [{"name": r["label"], "value": r["received"]} for r in categories],
        "channel": {
            "names": [r["label"] for r in channels],
            "values": [r["received"] for r in channels],
        },
        "district": {
            "names": [r["label"] for r in districts],
            "values": [r["received"] for r in districts],
        },
    }


@login_required
@require_GET
def stats_page(request):
    """统计分析: staff with ``hotline.stats`` only (anyone else: page not found)."""
    if not has_perm(request.user, perms.STATS):
        raise Http404
    scope = stats.stats_scope(request.user)
    end = stats.local_today()
    defaults = {"start": end - dt.timedelta(days=29), "end": end}
    form = StatsFilterForm(request.GET or None, initial=defaults)
    # first visit or bad filters (shown with their errors): the last 30 days
    data = form.cleaned_data if request.GET and form.is_valid() else defaults
    base = {
        "city_id": scope.get("city_id"),
        "unit_path": scope.get("unit_path"),
        "start": data["start"],
        "end": data["end"],
        "lane": data.get("lane") or None,
        "category": data.get("category") or None,
    }
    filters = {**base, "district_id": data.get("district")}
    page = stats.overview(**filters)
    districts = page["district"]
    if filters["district_id"]:  # offer every district, not only the chosen one
        districts = stats.breakdown(by="district", **base)
    form.set_districts([(r["key"], r["label"]) for r in districts if r["key"] is not None])
    totals, days, units = page["summary"], page["day"], page["unit"]
    categories, channels = page["category"], page["channel"]
    labels = stats.indicator_labels()
    kpis = [
        {
            "name": name,
            "label": labels[name],
            "value": _pct(totals[name]) if name in stats.RATES else totals[name],
            "percent": name in stats.RATES,
        }
        for name in KPIS
    ]
    query = {
        k: v
        for k, v in {
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "lane": base["lane"],
            "category": base["category"],
            "district_id": filters["district_id"],
        }.items()
        if v
    }
    ranking = [
        {
            **r,
            "close_on_time_pct": _pct(r["close_on_time_rate"]),
            "satisfaction_pct": _pct(r["satisfaction_rate"]),
        }
        for r in units
    ]
    context = {
        "form": form,
        "start": data["start"],
        "end": data["end"],
        "kpis": kpis,
        "ranking": ranking,
        "chart_data": _chart_data(
            _every_day(days, data["start"], data["end"]),
            categories,
            channels,
            page["district"],
            labels,
        ),
        "export_url": EXPORT_URL,
        "export_query": urlencode(query),
    }
    return render(request, "hotline/stats.html", context)
