"""一网通办 statistics (issue 4, "Statistics"): the volumes of applications (received, accepted,
refused, approved, denied, completed, overdue), the on-time completion rate and the 好差评 of
the online service over a period, by handling department and by district (and city level),
joined per district with the catalogue's indicators (published items, 网办率, 零跑动率, limit
compression).

Formulas: docs/modules/cases-stats.md. One grouped query counts the cases per (handling
organisation, district); department, district and total figures are sums of its rows. The
ratings and the catalogue figures come from their apps' facades, joined by organisation id and
district id. The number of queries does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import permissions as perms
from yiwang.cases.choices import RUNNING, CaseStatus, Decision
from yiwang.cases.models import Case
from yiwang.catalog import facade as catalog
from yiwang.core.choices import AccountKind
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.ratings import facade as ratings

CITY_LEVEL = "city"  # the key of cases handled by municipal bodies (no district)
RATE_DIGITS = 4
#: The 好差评 channel of applications: cases record their service events as online services.
RATING_CHANNEL = ratings.Channel.ONLINE
DONE = (CaseStatus.COMPLETED, CaseStatus.DELIVERED)
VOLUMES = (
    "received",
    "accepted",
    "refused",
    "approved",
    "denied",
    "completed",
    "on_time",
    "overdue_open",
)
#: The catalogue indicators carried into the district rows and the total.
CATALOGUE_FIELDS = (
    "items",
    "application_items",
    "public_service_items",
    "online_rate",
    "zero_visit_rate",
    "limit_compression",
)


def case_counters(now: dt.datetime) -> dict[str, Any]:
    """The conditional counts of the volumes (shared with ``facade.case_counts``).

    ``on_time``: decided (准予 or 不予) no later than the deadline; ``overdue_open``: the clock
    still runs (accepted or under review) and the deadline has passed at ``now``."""
    return {
        "received": Count("id"),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False)),
        "refused": Count("id", filter=Q(status=CaseStatus.REFUSED)),
        "approved": Count("id", filter=Q(decision=Decision.APPROVE)),
        "denied": Count("id", filter=Q(decision=Decision.DENY)),
        "completed": Count("id", filter=Q(status__in=DONE)),
        "on_time": Count("id", filter=Q(decided_at__isnull=False, decided_at__lte=F("deadline"))),
        "overdue_open": Count(
            "id",
            filter=Q(decided_at__isnull=True, deadline__lt=now, status__in=list(RUNNING)),
        ),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


# --- scope and period --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The organisation subtree counted: ``prefix`` of organisation paths and its root
    (``None``: every organisation, for a superuser without one)."""

    prefix: str
    root_id: int | None
    city: bool


def _denied() -> Forbidden:
    return Forbidden(
        "cases.permission_denied", _("You may not read the statistics of applications.")
    )


def stats_scope(actor) -> Scope:
    """Leaders, platform administrators and service reviewers (``cases.stats`` without handling
    cases) count their whole city; a department's case handlers their own organisation
    subtree. ``Forbidden`` without ``cases.stats`` (applicants, other staff)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise _denied()
    if getattr(actor, "kind", None) in (AccountKind.CITIZEN, AccountKind.ENTERPRISE):
        raise _denied()
    if not has_perm(actor, perms.STATS):
        raise _denied()
    superuser = getattr(actor, "is_superuser", False)
    org = getattr(actor, "organisation", None)
    if org is None:
        if superuser:
            return Scope(prefix="/", root_id=None, city=True)
        raise _denied()
    if has_perm(actor, perms.HANDLE) and not superuser:
        return Scope(prefix=org.path, root_id=org.pk, city=False)
    city = int(org.path.strip("/").split("/")[0])
    return Scope(prefix=f"/{city}/", root_id=city, city=True)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> list[dt.date]:
        n = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(n)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """``[first instant, instant after)`` in the site's time zone (Asia/Shanghai)."""
        tz = timezone.get_current_timezone()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return first, after


def period_clean(start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for, by the rules of the 好差评 statistics: default the last 30 days;
    ``InvalidInput`` (422, ``cases.invalid_period`` on ``end`` or ``start``) when reversed or
    longer than three years."""
    try:
        first, last = ratings.stats_period_clean(start, end)
    except InvalidInput as exc:
        code = "cases.invalid_period"
        errors = [{**e, "code": code} for e in exc.errors]
        raise InvalidInput(code, exc.message, errors=errors) from None
    return Period(first, last)


# --- figures -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """The counters of one group and the indicators on them."""

    key: str
    label: str
    volumes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VOLUMES, 0))
    rated: int = 0
    good: int = 0
    bad: int = 0
    catalogue: dict[str, Any] | None = None

    def add(self, row: dict[str, Any]) -> None:
        for name in VOLUMES:
            self.volumes[name] += row[name]

    def add_ratings(self, row: dict[str, Any]) -> None:
        self.rated += row["total"]
        self.good += row["good"]
        self.bad += row["bad"]

    @property
    def active(self) -> bool:
        return bool(self.volumes["received"] or self.rated or (self.catalogue or {}).get("items"))

    def as_dict(self) -> dict[str, Any]:
        """Counts and rates (fractions 0–1, 4 decimals; null when the denominator is 0)."""
        v = self.volumes
        decided = v["approved"] + v["denied"]
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            **v,
            "decided": decided,
            "on_time_rate": _rate(v["on_time"], decided),
            "completion_rate": _rate(v["completed"], v["accepted"]),
            "rated": self.rated,
            "good": self.good,
            "bad": self.bad,
            "good_rate": _rate(self.good, self.rated),
            "bad_rate": _rate(self.bad, self.rated),
        }
        if self.catalogue is not None:
            out["catalogue"] = self.catalogue
        return out


def _catalogue_part(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {name: (0 if name.endswith("items") else None) for name in CATALOGUE_FIELDS}
    return {name: row[name] for name in CATALOGUE_FIELDS}


def _case_rows(scope: Scope, period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """One row per (handling organisation, district) of the handled cases (sub-cases count, a
    bundle's parent does not) submitted in the period, with every counter (one query)."""
    first, after = period.bounds()
    return list(
        Case.objects.filter(
            item__isnull=False,
            submitted_at__gte=first,
            submitted_at__lt=after,
            organisation__path__startswith=scope.prefix,
        )
        .values("organisation_id", "organisation__name", "district_id")
        .order_by()
        .annotate(**case_counters(now))
    )


def _trend(scope: Scope, period: Period) -> dict[str, list]:
    """Per day of the period: cases received that day and cases completed (办结) that day."""
    first, after = period.bounds()
    tz = timezone.get_current_timezone()
    handled = Case.objects.filter(
        item__isnull=False, organisation__path__startswith=scope.prefix
    ).order_by()
    received = dict(
        handled.filter(submitted_at__gte=first, submitted_at__lt=after)
        .annotate(day=TruncDate("submitted_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    completed = dict(
        handled.filter(completed_at__gte=first, completed_at__lt=after)
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = period.days
    return {
        "days": [d.isoformat() for d in days],
        "received": [received.get(d, 0) for d in days],
        "completed": [completed.get(d, 0) for d in days],
    }


def _districts(ids: set[int]) -> list[tuple[int, str]]:
    """The districts (and functional areas) among ``ids`` in the city's order (one query)."""
    if not ids:
        return []
    org_model = Case._meta.get_field("district").related_model
    return list(
        org_model.objects.filter(pk__in=ids).order_by("sort_order", "pk").values_list("pk", "name")
    )


def service_stats(
    *,
    actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The 一网通办 statistics of the actor's scope for the period ``start``–``end`` (dates,
    both included; default the last 30 days): ``{"start", "end", "scope", "total",
    "by_department", "by_district", "trend"}``; ``now`` (default: the current time) decides
    what is overdue. Raises ``Forbidden`` / ``InvalidInput``."""
    scope = stats_scope(actor)
    period = period_clean(start, end)
    now = now or timezone.now()
    rows = _case_rows(scope, period, now)
    rating = ratings.rating_stats(
        start=period.start,
        end=period.end,
        channel=RATING_CHANNEL,
        organisation_id=scope.root_id,
    )
    cat = catalog.catalogue_figures(org_prefix=scope.prefix)

    total = Figures("total", _("All applications"))
    total.catalogue = _catalogue_part(cat["total"])
    total.rated, total.good, total.bad = rating["total"], rating["good"], rating["bad"]

    departments: dict[int, Figures] = {}
    district_rows: dict[str, Figures] = {}

    def district(key: str) -> Figures:
        return district_rows.setdefault(key, Figures(key, ""))

    for row in rows:
        total.add(row)
        org = row["organisation_id"]
        departments.setdefault(org, Figures(str(org), row["organisation__name"])).add(row)
        d = row["district_id"]
        district(CITY_LEVEL if d is None else str(d)).add(row)
    for row in rating["by_department"]:
        org = row["key"]
        departments.setdefault(org, Figures(str(org), row["name"] or "")).add_ratings(row)
    for row in rating["by_district"]:
        district(CITY_LEVEL if row["key"] is None else str(row["key"])).add_ratings(row)
    catalogue_by_district = {r["key"]: r for r in cat["by_district"]}
    for key in catalogue_by_district:
        district(key)

    ordered = [(CITY_LEVEL, _("City level"))]
    ids = {int(k) for k in district_rows if k != CITY_LEVEL}
    ordered += [(str(pk), name) for pk, name in _districts(ids)]
    by_district = []
    for key, label in ordered:
        figures = district_rows.get(key)
        if figures is None:
            continue
        figures.label = label
        figures.catalogue = _catalogue_part(catalogue_by_district.get(key))
        if figures.active:
            by_district.append(figures.as_dict())

    by_department = sorted(
        departments.values(), key=lambda f: (-f.volumes["received"], -f.rated, f.label)
    )
    return {
        "start": period.start,
        "end": period.end,
        "scope": "city" if scope.city else "organisation",
        "total": total.as_dict(),
        "by_department": [f.as_dict() for f in by_department],
        "by_district": by_district,
        "trend": _trend(scope, period),
    }
