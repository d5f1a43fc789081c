"""政企直通 statistics (issue 5, "Statistics"): over a period, the documents and items published
and the on-time listing rate, the precise push (pushes, enterprises reached, 送达率, 阅读率),
consultation (questions, answers on time, open overdue, answer times in working hours), 免申即享
grants and 快申快享 applications with their amounts — by issuing department, by industry (GB/T
4754 section) and by district, plus a daily trend of pushes and reads.

Formulas: docs/modules/policy-stats.md. Every figure is a conditional aggregate in the database,
one grouped query per source and dimension; the totals are sums of the district rows (every
enterprise lies in exactly one district, so even distinct enterprises add up). Only the answer
times leave the database: working hours come from ``worktime``. The number of queries does not
grow with the data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import ApplicationStatus, GrantStatus, PushStatus, QuestionStatus
from yiwang.policy.models import (
    Grant,
    PolicyDocument,
    PolicyItem,
    Push,
    Question,
    QuickApplication,
)
from yiwang.registry import facade as registry
from yiwang.worktime import facade as worktime

DEFAULT_DAYS = 30
MAX_PERIOD_DAYS = 366  # both ends included
RATE_DIGITS = 4
HOUR_DIGITS = 2
NONE = "none"  # the key of rows without an enterprise, or whose enterprise lacks the field
CENT = Decimal("0.01")
GRANTED = (GrantStatus.APPROVED, GrantStatus.PAID)
HONOURED = (ApplicationStatus.APPROVED, ApplicationStatus.PAID)
REACHED = (PushStatus.DELIVERED, PushStatus.READ)


# --- scope and period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The organisation subtree counted (``prefix`` of issuing organisations' paths)."""

    prefix: str
    city: bool


def _denied() -> Forbidden:
    return Forbidden(
        "policy.permission_denied", _("You may not read the statistics of enterprise policies.")
    )


def stats_scope(actor) -> Scope:
    """Officers count the items issued in their organisation subtree; leaders and the platform
    administrator (``policy.citywide``) their city; a superuser without an organisation
    everything. ``Forbidden`` without ``policy.view`` (enterprise users, other staff)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise _denied()
    if getattr(actor, "kind", None) not in (AccountKind.STAFF, AccountKind.SYSTEM):
        raise _denied()
    if getattr(actor, "is_superuser", False) and getattr(actor, "organisation", None) is None:
        return Scope(prefix="/", city=True)
    prefix = selectors.scope_prefix(actor, perms.VIEW)
    if prefix is None:
        raise _denied()
    return Scope(prefix=prefix, city=prefix == "/" or has_perm(actor, perms.CITYWIDE))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """``[first instant, instant after)`` in the site's time zone (Asia/Shanghai)."""
        tz = timezone.get_current_timezone()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return first, after


def _invalid_period(field: str, message: str) -> InvalidInput:
    code = "policy.invalid_period"
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def period_clean(start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for, both ends included: by default the last 30 days up to today;
    ``end`` alone → the 30 days up to it; ``start`` alone → up to today (or ``start`` if later).
    ``InvalidInput`` (422 ``policy.invalid_period``): on ``end`` when it is before ``start``,
    on ``start`` when the period is longer than 366 days."""
    today = timezone.localdate()
    if start is None and end is None:
        end = today
    if start is None:
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end is None:
        end = max(start, today)
    if end < start:
        raise _invalid_period("end", _("The end of the period is before its start."))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise _invalid_period("start", _("A period is at most 366 days."))
    return Period(start, end)


# --- counters -------------------------------------------------------------------------------------


def push_counters() -> dict[str, Any]:
    return {
        "pushes": Count("id"),
        "cancelled": Count("id", filter=Q(status=PushStatus.CANCELLED)),
        "delivered": Count("id", filter=Q(status=PushStatus.DELIVERED)),
        "read": Count("id", filter=Q(status=PushStatus.READ)),
        "reached": Count("enterprise", distinct=True, filter=Q(status__in=REACHED)),
    }


def question_counters(now: dt.datetime) -> dict[str, Any]:
    answered = Q(status=QuestionStatus.ANSWERED)
    return {
        "asked": Count("id"),
        "answered": Count("id", filter=answered),
        "answered_on_time": Count("id", filter=answered & Q(answered_at__lte=F("due_at"))),
        "open_overdue": Count("id", filter=Q(status=QuestionStatus.OPEN, due_at__lt=now)),
    }


def grant_counters() -> dict[str, Any]:
    granted, paid = Q(status__in=GRANTED), Q(status=GrantStatus.PAID)
    return {
        "approved": Count("id", filter=granted),
        "paid": Count("id", filter=paid),
        "revoked": Count("id", filter=Q(status=GrantStatus.REVOKED)),
        "amount_approved": Sum("amount", filter=granted),
        "amount_paid": Sum("amount", filter=paid),
    }


def application_counters(now: dt.datetime) -> dict[str, Any]:
    honoured, paid = Q(status__in=HONOURED), Q(status=ApplicationStatus.PAID)
    return {
        "submitted": Count("id"),
        "approved": Count("id", filter=honoured),
        "rejected": Count("id", filter=Q(status=ApplicationStatus.REJECTED)),
        "paid": Count("id", filter=paid),
        "honoured_on_time": Count("id", filter=honoured & Q(decided_at__lte=F("due_at"))),
        "overdue_open": Count("id", filter=Q(status=ApplicationStatus.SUBMITTED, due_at__lt=now)),
        "amount_approved": Sum("amount", filter=honoured),
        "amount_paid": Sum("amount", filter=paid),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(CENT)


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, HOUR_DIGITS)


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value at least 90 % of the values do
    not exceed (``sorted[ceil(0.9 n) − 1]``); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


# --- one group's figures --------------------------------------------------------------------------

TOPICS = ("push", "questions", "grants", "applications")
ZERO = {
    "push": dict.fromkeys(push_counters(), 0),
    "questions": dict.fromkeys(("asked", "answered", "answered_on_time", "open_overdue"), 0),
    "grants": dict.fromkeys(grant_counters(), 0),
    "applications": dict.fromkeys(
        (
            "submitted",
            "approved",
            "rejected",
            "paid",
            "honoured_on_time",
            "overdue_open",
            "amount_approved",
            "amount_paid",
        ),
        0,
    ),
}
PUBLISHING = ("documents", "documents_timed", "documents_on_time", "items", "exempt_items")


class Group:
    """The counters of one department, industry, district or the total."""

    def __init__(self, key: str, label: str = "", publishing: bool = False) -> None:
        self.key = key
        self.label = label
        self.counts = {name: dict(zero) for name, zero in ZERO.items()}
        self.publishing = dict.fromkeys(PUBLISHING, 0) if publishing else None
        self.hours: list[float] = []

    def add(self, topic: str, row: dict[str, Any]) -> None:
        target = self.publishing if topic == "publishing" else self.counts[topic]
        assert target is not None
        for name in target:
            if name in row:
                target[name] += row[name] or 0

    @property
    def active(self) -> bool:
        if self.publishing and (self.publishing["documents"] or self.publishing["items"]):
            return True
        return bool(
            self.counts["push"]["pushes"]
            or self.counts["questions"]["asked"]
            or self.counts["grants"]["approved"]
            or self.counts["grants"]["revoked"]
            or self.counts["applications"]["submitted"]
        )

    def as_dict(self) -> dict[str, Any]:
        """Counts, amounts (万元, 2 decimals), rates (fractions 0–1, 4 decimals) and hours
        (2 decimals); a rate or time without a denominator is ``None``."""
        p, q, g, a = (self.counts[name] for name in TOPICS)
        reached_pushes = p["delivered"] + p["read"]
        out: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "push": {
                **p,
                "delivery_rate": _rate(reached_pushes, p["pushes"] - p["cancelled"]),
                "read_rate": _rate(p["read"], reached_pushes),
            },
            "questions": {
                **q,
                "answer_rate": _rate(q["answered"], q["asked"]),
                "on_time_rate": _rate(q["answered_on_time"], q["answered"]),
                "mean_answer_hours": _hours(mean(self.hours)),
                "p90_answer_hours": _hours(p90(self.hours)),
            },
            "grants": {
                **g,
                "amount_approved": _money(g["amount_approved"]),
                "amount_paid": _money(g["amount_paid"]),
            },
            "applications": {
                **a,
                "honoured_on_time_rate": _rate(a["honoured_on_time"], a["approved"]),
                "amount_approved": _money(a["amount_approved"]),
                "amount_paid": _money(a["amount_paid"]),
            },
        }
        if self.publishing is not None:
            pub = self.publishing
            out["publishing"] = {
                "documents": pub["documents"],
                "documents_on_time": pub["documents_on_time"],
                "listing_rate": _rate(pub["documents_on_time"], pub["documents_timed"]),
                "items": pub["items"],
                "exempt_items": pub["exempt_items"],
            }
        return out


# --- queries --------------------------------------------------------------------------------------

DEPARTMENT = "item__document__organisation_id"
SOURCES = (
    # (topic, model, the instant that puts a row in the period)
    ("push", Push, "created_at"),
    ("questions", Question, "asked_at"),
    ("grants", Grant, "approved_at"),
    ("applications", QuickApplication, "submitted_at"),
)
DIMENSIONS = {
    "department": F(DEPARTMENT),
    "industry": Substr("enterprise__industry", 1, 1),  # the GB/T 4754 section letter
    "district": F("enterprise__district_id"),
}


def _in_period(model, when: str, scope: Scope, period: Period) -> QuerySet:
    first, after = period.bounds()
    return model.objects.filter(
        item__document__organisation__path__startswith=scope.prefix,
        **{f"{when}__gte": first, f"{when}__lt": after},
    ).order_by()


def _counters(topic: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "push": push_counters,
        "questions": lambda: question_counters(now),
        "grants": grant_counters,
        "applications": lambda: application_counters(now),
    }[topic]()


def _key(value) -> str:
    return NONE if value in (None, "") else str(value)


def _publishing_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Documents first listed in the period and items (last) published in it, per issuing
    organisation (two queries)."""
    first, after = period.bounds()
    documents = (
        PolicyDocument.objects.filter(
            organisation__path__startswith=scope.prefix, listed_at__gte=first, listed_at__lt=after
        )
        .order_by()
        .values(org=F("organisation_id"))
        .annotate(
            documents=Count("id"),
            documents_timed=Count("id", filter=Q(listed_on_time__isnull=False)),
            documents_on_time=Count("id", filter=Q(listed_on_time=True)),
        )
    )
    items = (
        PolicyItem.objects.filter(
            document__organisation__path__startswith=scope.prefix,
            published_at__gte=first,
            published_at__lt=after,
        )
        .order_by()
        .values(org=F("document__organisation_id"))
        .annotate(items=Count("id"), exempt_items=Count("id", filter=Q(exempt_application=True)))
    )
    return [*documents, *items]


def _answer_hours(scope: Scope, period: Period) -> list[tuple[str, str, str, float]]:
    """(department, section, district, working hours) of each question asked in the period and
    answered (one query; the working hours are computed by ``worktime``)."""
    rows = (
        _in_period(Question, "asked_at", scope, period)
        .filter(status=QuestionStatus.ANSWERED)
        .values_list(
            DEPARTMENT,
            DIMENSIONS["industry"],
            "enterprise__district_id",
            "asked_at",
            "answered_at",
        )
    )
    out = []
    for department, section, district, asked, answered in rows:
        seconds = worktime.working_minutes_between(asked, answered).seconds
        out.append((_key(department), _key(section), _key(district), seconds / 3600))
    return out


def _trend(scope: Scope, period: Period) -> dict[str, list]:
    """Per day of the period: pushes made that day and pushes read that day (two queries)."""
    first, after = period.bounds()
    tz = timezone.get_current_timezone()
    pushes = Push.objects.filter(item__document__organisation__path__startswith=scope.prefix)

    def per_day(when: str) -> dict[dt.date, int]:
        return dict(
            pushes.filter(**{f"{when}__gte": first, f"{when}__lt": after})
            .order_by()
            .annotate(day=TruncDate(when, tzinfo=tz))
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )

    made, read = per_day("created_at"), per_day("read_at")
    days = period.days
    return {
        "days": [d.isoformat() for d in days],
        "pushes": [made.get(d, 0) for d in days],
        "reads": [read.get(d, 0) for d in days],
    }


def _organisations(ids: set[int]) -> list[tuple[int, str]]:
    """(id, name) of the organisations among ``ids`` in the city's order (one query)."""
    if not ids:
        return []
    model = PolicyDocument._meta.get_field("organisation").related_model
    return list(
        model.objects.filter(pk__in=ids).order_by("sort_order", "pk").values_list("pk", "name")
    )


def _industry_label(section: str) -> str:
    if section == NONE:
        return _("Industry not recorded")
    try:
        return registry.industry_get(section).name
    except ValidationError:  # a letter the table does not know is shown as it is
        return section


# --- the read-out ---------------------------------------------------------------------------------


def policy_stats(
    *,
    actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The 政企直通 statistics of the actor's scope for ``start``–``end`` (dates, both included;
    default the last 30 days): ``{"start", "end", "scope", "total", "by_department",
    "by_industry", "by_district", "trend"}``; ``now`` (default: the current time) decides what
    is overdue. Raises ``Forbidden`` / ``InvalidInput``."""
    scope = stats_scope(actor)
    period = period_clean(start, end)
    now = now or timezone.now()

    groups: dict[str, dict[str, Group]] = {name: {} for name in DIMENSIONS}

    def group(dimension: str, key: str) -> Group:
        found = groups[dimension].get(key)
        if found is None:
            found = groups[dimension][key] = Group(key, publishing=dimension == "department")
        return found

    for row in _publishing_rows(scope, period):
        group("department", _key(row["org"])).add("publishing", row)
    for topic, model, when in SOURCES:
        counters = _counters(topic, now)
        base = _in_period(model, when, scope, period)
        for dimension, expression in DIMENSIONS.items():
            for row in base.values(k=expression).annotate(**counters):
                group(dimension, _key(row["k"])).add(topic, row)
    for department, industry, district, hours in _answer_hours(scope, period):
        for dimension, key in (
            ("department", department),
            ("industry", industry),
            ("district", district),
        ):
            group(dimension, key).hours.append(hours)

    # the total: the sum of the district rows (each enterprise lies in one district)
    total = Group("total", _("All policies"), publishing=True)
    for g in groups["district"].values():
        for topic in TOPICS:
            total.add(topic, g.counts[topic])
        total.hours.extend(g.hours)
    for g in groups["department"].values():
        total.add("publishing", g.publishing or {})

    names = dict(
        _organisations(
            {int(k) for dim in ("department", "district") for k in groups[dim] if k != NONE}
        )
    )
    order = {pk: n for n, pk in enumerate(names)}
    for dimension in ("department", "district"):
        for key, g in groups[dimension].items():
            g.label = names.get(int(key), key) if key != NONE else _("District not recorded")
    for key, g in groups["industry"].items():
        g.label = _industry_label(key)

    departments = sorted(
        (g for g in groups["department"].values() if g.active),
        key=lambda g: (
            -g.counts["push"]["pushes"],
            -(g.publishing or {}).get("documents", 0),
            -(g.publishing or {}).get("items", 0),
            g.label,
        ),
    )
    industries = sorted(
        (g for g in groups["industry"].values() if g.active),
        key=lambda g: (g.key == NONE, g.key),
    )
    districts = sorted(
        (g for g in groups["district"].values() if g.active),
        key=lambda g: (g.key == NONE, order.get(int(g.key), 0) if g.key != NONE else 0),
    )
    return {
        "start": period.start,
        "end": period.end,
        "scope": "city" if scope.city else "organisation",
        "total": total.as_dict(),
        "by_department": [g.as_dict() for g in departments],
        "by_industry": [g.as_dict() for g in industries],
        "by_district": [g.as_dict() for g in districts],
        "trend": _trend(scope, period),
    }
