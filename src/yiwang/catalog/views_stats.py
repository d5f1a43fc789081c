"""Staff page of the catalogue statistics (/catalog/stats/): headline figures, ECharts charts fed
by ``json_script`` data and the department and district tables. Thin: the numbers come from
:mod:`yiwang.catalog.stats` (the same as ``GET /api/v1/catalog/stats``)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.catalog import permissions as perms
from yiwang.catalog import stats
from yiwang.catalog.views import staff_page

KPIS = (
    ("items", False),
    ("application_items", False),
    ("online_rate", True),
    ("full_online_rate", True),
    ("zero_visit_rate", True),
    ("limit_compression", True),
    ("immediate_rate", True),
)


def _pct(value):
    return None if value is None else round(value * 100, 1)


def kpi_labels() -> dict[str, str]:
    return {
        "items": _("Published items"),
        "application_items": _("Application-based items"),
        "online_rate": _("Online-handling rate"),
        "full_online_rate": _("Fully online (depth 4)"),
        "zero_visit_rate": _("Zero-visit rate"),
        "limit_compression": _("Limit compression"),
        "immediate_rate": _("Share handled on the spot"),
    }


def _table(rows: list[dict]) -> list[dict]:
    return [
        {
            **r,
            "kind_counts": list(r["kinds"].values()),
            "online_pct": _pct(r["online_rate"]),
            "full_online_pct": _pct(r["full_online_rate"]),
            "zero_visit_pct": _pct(r["zero_visit_rate"]),
            "compression_pct": _pct(r["limit_compression"]),
            "immediate_pct": _pct(r["immediate_rate"]),
        }
        for r in rows
    ]


def _chart_data(figures: dict) -> dict:
    kinds = stats.kind_labels()
    total = figures["total"]
    departments = figures["by_department"][:20]  # the largest; the table lists them all
    districts = figures["by_district"]
    return {
        "labels": {
            "kinds": _("Items by kind"),
            "depth": _("Online depth"),
            "district": _("By district"),
            "department": _("By department (20 largest)"),
            "online": _("Online-handling rate"),
            "zero_visit": _("Zero-visit rate"),
            "compression": _("Limit compression"),
            "immediate": _("Share handled on the spot"),
            "items": _("Published items"),
        },
        "kinds": [{"name": kinds[k], "value": v} for k, v in total["kinds"].items() if v],
        "depth": [
            {"name": str(label), "value": total["depths"][str(depth)]}
            for depth, label in (
                (1, _("1 information only")),
                (2, _("2 booking and forms online")),
                (3, _("3 online application")),
                (4, _("4 fully online")),
            )
        ],
        "district": _bars(districts),
        "department": _bars(departments),
    }


def _bars(rows: list[dict]) -> dict:
    return {
        "names": [r["label"] for r in rows],
        "items": [r["items"] for r in rows],
        "online": [_pct(r["online_rate"]) for r in rows],
        "zero_visit": [_pct(r["zero_visit_rate"]) for r in rows],
        "compression": [_pct(r["limit_compression"]) for r in rows],
        "immediate": [_pct(r["immediate_rate"]) for r in rows],
    }


@require_GET
@staff_page(perms.VIEW)
def stats_page(request):
    """事项统计: staff with ``catalog.view`` (their scope, as in the consistency report)."""
    figures = stats.catalogue_stats(actor=request.user)
    labels = kpi_labels()
    total = figures["total"]
    kpis = [
        {
            "name": name,
            "label": labels[name],
            "value": _pct(total[name]) if percent else total[name],
            "percent": percent,
        }
        for name, percent in KPIS
    ]
    context = {
        "kpis": kpis,
        "total": total,
        "kind_labels": list(stats.kind_labels().values()),
        "tables": [
            {
                "title": _("By district"),
                "first": _("District"),
                "rows": _table(figures["by_district"]),
                "testid": "stats-districts",
            },
            {
                "title": _("By competent department"),
                "first": _("Competent department"),
                "rows": _table(figures["by_department"]),
                "testid": "stats-departments",
            },
        ],
        "chart_data": _chart_data(figures),
    }
    return render(request, "catalog/stats.html", context)
