"""How a file reads on the page: the profile as labelled rows with the source of each value,
qualifications with their state today, and the history timeline in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.registry import selectors
from yiwang.registry.choices import (
    CreditRating,
    OperatingStatus,
    QualificationKind,
    Scale,
    Source,
)
from yiwang.registry.industries import industry_get
from yiwang.registry.models import Enterprise
from yiwang.registry.services.profiles import Places


@dataclass(frozen=True)
class ProfileRow:
    name: str
    label: str
    value: str
    source: str  # the label of the value's source ("" when not recorded)
    mono: bool = False


def _label(name: str) -> str:
    if name == "qualifications":
        return _("Qualifications")
    if name == "tags":
        return _("Tags")
    if name == "created":
        return _("File opened")
    try:
        return str(Enterprise._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _source_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(Source(code).label)
    except ValueError:
        return code


def industry_text(code: str) -> str:
    try:
        return f"{code} {industry_get(code).name}"
    except ValidationError:
        return code


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def enterprise_view(enterprise: Enterprise) -> dict[str, Any]:
    """The context of the file page: ``enterprise``, ``profile`` rows, ``qualifications``
    (with ``valid_now``), ``tags``."""
    sources = enterprise.field_sources or {}
    scale = str(Scale(enterprise.scale).label) if enterprise.scale else ""
    if enterprise.scale and not enterprise.scale_stated:
        scale = _("%(scale)s (derived)") % {"scale": scale}
    rows: list[tuple[str, str, bool]] = [
        ("name", enterprise.name, False),
        ("legal_representative", enterprise.legal_representative, False),
        ("address", enterprise.address, False),
        ("district", enterprise.district.name if enterprise.district_id else "", False),
        ("street", enterprise.street.name if enterprise.street_id else "", False),
        ("park", enterprise.park, False),
        ("industry", industry_text(enterprise.industry), False),
        ("scale", scale, False),
        ("founded_on", enterprise.founded_on.isoformat() if enterprise.founded_on else "", False),
        ("registered_capital", _money(enterprise.registered_capital), True),
        ("employees", "" if enterprise.employees is None else str(enterprise.employees), True),
        ("revenue", _money(enterprise.revenue), True),
        ("total_assets", _money(enterprise.total_assets), True),
        ("tax_paid", _money(enterprise.tax_paid), True),
        ("rd_spend", _money(enterprise.rd_spend), True),
        ("credit_rating", str(CreditRating(enterprise.credit_rating).label)
         if enterprise.credit_rating else "", False),
        ("invention_patents", str(enterprise.invention_patents), True),
        ("utility_patents", str(enterprise.utility_patents), True),
        ("software_copyrights", str(enterprise.software_copyrights), True),
        ("trademarks", str(enterprise.trademarks), True),
        ("status", str(OperatingStatus(enterprise.status).label), False),
    ]  # fmt: skip
    today = timezone.localdate()
    qualifications = [
        {
            "q": q,
            "label": str(QualificationKind(q.kind).label),
            "valid_now": q.valid_from <= today <= q.valid_to,
            "source": _source_label(q.source),
        }
        for q in selectors.enterprise_qualifications(enterprise)
    ]
    return {
        "enterprise": enterprise,
        "industry": industry_text(enterprise.industry),
        "status_label": str(OperatingStatus(enterprise.status).label),
        "profile": [
            ProfileRow(name, _label(name), value, _source_label(sources.get(name)), mono)
            for name, value, mono in rows
        ],
        "qualifications": qualifications,
        "qualifications_source": _source_label(sources.get("qualifications")),
        "tags": selectors.enterprise_tags(enterprise),
        "tags_source": _source_label(sources.get("tags")),
    }


def _qualification_text(text: str) -> str:
    """``high_tech:2024-01-01..2026-12-31`` (as the history stores it) in words."""
    kind, _sep, period = text.partition(":")
    try:
        label = str(QualificationKind(kind).label)
    except ValueError:
        return text
    return f"{label} {period.replace('..', '~')}"


def _value_text(name: str, value: Any, places: Places) -> str:
    if value is None or value == "":
        return "—"
    if name in ("district", "street") and isinstance(value, int):
        return places.names.get(value, str(value))
    if name == "industry":
        return industry_text(str(value))
    if name == "scale":
        try:
            return str(Scale(value).label)
        except ValueError:
            return str(value)
    if name == "status":
        try:
            return str(OperatingStatus(value).label)
        except ValueError:
            return str(value)
    if name == "qualifications" and isinstance(value, list):
        return "；".join(_qualification_text(str(v)) for v in value) or "—"
    if isinstance(value, list):
        return "；".join(str(v) for v in value) or "—"
    return str(value)


def history_rows(enterprise: Enterprise, *, show_jobs: bool) -> list[dict[str, Any]]:
    """The timeline, newest first: when, what, from → to, the source (and the import)."""
    places = Places.of(enterprise.city_id)
    rows = []
    for change in selectors.enterprise_history(enterprise):
        rows.append(
            {
                "at": change.at,
                "field": change.field,
                "label": _label(change.field),
                "old": None if change.old is None else _value_text(change.field, change.old,
                                                                   places),
                "new": _value_text(change.field, change.new, places),
                "source": _source_label(change.source),
                "job_id": change.job_id if show_jobs else None,
                "job_name": change.job.file_name if show_jobs and change.job_id else "",
            }
        )  # fmt: skip
    return rows
