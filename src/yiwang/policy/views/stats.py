"""Officers' and leaders' page of the 政企直通 statistics (/policy/stats/): a period form,
headline figures, ECharts charts fed by ``json_script`` data and, under them, the tables by
department, industry and district. Thin: the numbers come from :mod:`yiwang.policy.stats` (the
same as ``GET /api/v1/policy/stats``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.policy import permissions as perms
from yiwang.policy import stats
from yiwang.policy.views.common import staff_page
from yiwang.portal.facade import BootstrapForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
IN_CHART = 15  # departments and industries drawn (the tables list them all)


class StatsPeriodForm(BootstrapForm):
    """The period of the statistics page (the rules are ``stats.period_clean``'s)."""

    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE)


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _kpi(name: str, label: str, value, unit: str = "") -> dict:
    return {"name": name, "label": label, "value": value, "unit": unit}


def _kpi_groups(total: dict) -> list[dict]:
    """Rows of headline figures: publishing and push, consultation, grants and applications."""
    pub, push, q = total["publishing"], total["push"], total["questions"]
    g, a = total["grants"], total["applications"]
    hours, wan = _("h"), _("10k yuan")
    return [
        {
            "name": "push",
            "kpis": [
                _kpi("documents", _("Policy documents listed"), pub["documents"]),
                _kpi(
                    "listing_rate",
                    _("7-working-day listing rate"),
                    _pct(pub["listing_rate"]),
                    "%",
                ),
                _kpi("items", _("Policy items published"), pub["items"]),
                _kpi("pushes", _("Pushes made"), push["pushes"]),
                _kpi("reached", _("Enterprises reached"), push["reached"]),
                _kpi("delivery_rate", _("Delivery rate"), _pct(push["delivery_rate"]), "%"),
                _kpi("read_rate", _("Read rate"), _pct(push["read_rate"]), "%"),
            ],
        },
        {
            "name": "questions",
            "kpis": [
                _kpi("asked", _("Questions asked"), q["asked"]),
                _kpi("answered", _("Questions answered"), q["answered"]),
                _kpi("answer_on_time_rate", _("On-time answer rate"), _pct(q["on_time_rate"]), "%"),
                _kpi("open_overdue", _("Open and overdue"), q["open_overdue"]),
                _kpi("mean_answer_hours", _("Mean answer time"), q["mean_answer_hours"], hours),
                _kpi(
                    "p90_answer_hours",
                    _("90th-percentile answer time"),
                    q["p90_answer_hours"],
                    hours,
                ),
            ],
        },
        {
            "name": "benefits",
            "kpis": [
                _kpi("grants", _("免申即享 grants approved"), g["approved"]),
                _kpi("grant_amount", _("免申即享 amount approved"), g["amount_approved"], wan),
                _kpi("grant_paid", _("免申即享 amount paid"), g["amount_paid"], wan),
                _kpi("applications", _("快申快享 applications"), a["submitted"]),
                _kpi("applications_approved", _("快申快享 approved"), a["approved"]),
                _kpi(
                    "honoured_rate",
                    _("快申快享 honoured-on-time rate"),
                    _pct(a["honoured_on_time_rate"]),
                    "%",
                ),
            ],
        },
    ]


def _table(rows: list[dict]) -> list[dict]:
    """The rows with their rates as percentages (one decimal)."""
    out = []
    for r in rows:
        row = {
            **r,
            "delivery_pct": _pct(r["push"]["delivery_rate"]),
            "read_pct": _pct(r["push"]["read_rate"]),
            "answer_on_time_pct": _pct(r["questions"]["on_time_rate"]),
            "honoured_pct": _pct(r["applications"]["honoured_on_time_rate"]),
        }
        if "publishing" in r:
            row["listing_pct"] = _pct(r["publishing"]["listing_rate"])
        out.append(row)
    return out


def _chart_data(figures: dict) -> dict:
    districts = figures["by_district"]
    industries = [r for r in figures["by_industry"] if r["push"]["pushes"]][:IN_CHART]
    granting = [
        r
        for r in figures["by_department"]
        if r["grants"]["approved"] or r["applications"]["approved"]
    ][:IN_CHART]
    return {
        "labels": {
            "trend": _("Pushes made and read per day"),
            "district": _("Push by district"),
            "industry": _("Enterprises reached by industry"),
            "department": _("Benefits approved by department (10k yuan)"),
            "pushes": _("Pushes made"),
            "reads": _("Pushes read"),
            "reached": _("Enterprises reached"),
            "delivery_rate": _("Delivery rate"),
            "read_rate": _("Read rate"),
            "grants": _("免申即享 amount approved"),
            "applications": _("快申快享 amount approved"),
        },
        "trend": figures["trend"],
        "district": {
            "names": [d["label"] for d in districts],
            "pushes": [d["push"]["pushes"] for d in districts],
            "reached": [d["push"]["reached"] for d in districts],
            "delivery_rate": [_pct(d["push"]["delivery_rate"]) for d in districts],
            "read_rate": [_pct(d["push"]["read_rate"]) for d in districts],
        },
        # a horizontal chart draws its first category at the bottom: reversed to read downwards
        "industry": {
            "names": [r["label"] for r in industries][::-1],
            "values": [r["push"]["reached"] for r in industries][::-1],
        },
        "department": {
            "names": [r["label"] for r in granting][::-1],
            "grants": [float(r["grants"]["amount_approved"]) for r in granting][::-1],
            "applications": [float(r["applications"]["amount_approved"]) for r in granting][::-1],
        },
    }


def _empty(total: dict) -> bool:
    pub = total["publishing"]
    return not (
        pub["documents"]
        or pub["items"]
        or total["push"]["pushes"]
        or total["questions"]["asked"]
        or total["grants"]["approved"]
        or total["grants"]["revoked"]
        or total["applications"]["submitted"]
    )


@require_GET
@staff_page(perms.VIEW)
def stats_page(request):
    """政企直通统计: officers see their organisation subtree, leaders and the platform
    administrator the city. A bad period is 422 with its error on the field, over the figures
    of the default period."""
    form = StatsPeriodForm(request.GET or None)
    start = end = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 422
    try:
        try:
            figures = stats.policy_stats(actor=request.user, start=start, end=end)
        except InvalidInput as exc:
            form.add_service_error(exc)
            status = 422
            figures = stats.policy_stats(actor=request.user)
    except Forbidden:
        raise PermissionDenied from None
    context = {
        "form": form,
        "figures": figures,
        "empty": _empty(figures["total"]),
        "kpi_groups": _kpi_groups(figures["total"]),
        "tables": [
            {
                "name": "departments",
                "title": _("By issuing department"),
                "head": _("Issuing department"),
                "rows": _table(figures["by_department"]),
                "publishing": True,
            },
            {
                "name": "industries",
                "title": _("By industry"),
                "head": _("Industry (GB/T 4754 section)"),
                "rows": _table(figures["by_industry"]),
                "publishing": False,
            },
            {
                "name": "districts",
                "title": _("By district"),
                "head": _("District"),
                "rows": _table(figures["by_district"]),
                "publishing": False,
            },
        ],
        "chart_data": _chart_data(figures),
    }
    return render(request, "policy/stats.html", context, status=status)
