"""好差评 statistics computed from the ratings: 好评率 / 差评率 and counts per level, by channel,
department, district and item, over a period of service dates (Asia/Shanghai).

* 好评 = 非常满意 + 满意 + 基本满意 (default ratings included); 差评 = 不满意 + 非常不满意.
* 好评率 = 好评 / rated services; 差评率 = 差评 / rated services (percent, two decimals).
* A rating excluded by an upheld appeal counts nowhere (only in ``excluded``).
* The period is the day the service was delivered (``served_at``), both ends included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.errors import InvalidInput
from yiwang.ratings.choices import NEGATIVE_LEVELS, Channel, Level, Source
from yiwang.ratings.models import Rating

MAX_ITEMS = 50
MAX_PERIOD_DAYS = 366 * 3


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        first = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return first, after


def default_period(today: dt.date | None = None, days: int = 30) -> Period:
    today = today or timezone.localdate()
    return Period(today - dt.timedelta(days=days - 1), today)


def period_clean(start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for (default: the last 30 days); 422 when it is reversed or longer
    than three years."""
    default = default_period()
    period = Period(
        start or (end - dt.timedelta(days=29) if end else default.start),
        end or (max(start, default.end) if start else default.end),
    )
    if period.end < period.start:
        message = _("The end of the period is before its start.")
        raise InvalidInput(
            "ratings.invalid_period",
            message,
            errors=[{"field": "end", "code": "ratings.invalid_period", "message": message}],
        )
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        message = _("A period is at most three years.")
        raise InvalidInput(
            "ratings.invalid_period",
            message,
            errors=[{"field": "start", "code": "ratings.invalid_period", "message": message}],
        )
    return period


def _aggregates() -> dict:
    counts = {f"n_{code}": Count("id", filter=Q(level=code)) for code in Level.values}
    counts["n_default"] = Count("id", filter=Q(source=Source.DEFAULT))
    counts["total"] = Count("id")
    return counts


def _rate(part: int, total: int) -> float | None:
    return round(100 * part / total, 2) if total else None


def _figures(row: dict) -> dict:
    total = row.get("total") or 0
    levels = {code: row.get(f"n_{code}") or 0 for code in Level.values}
    bad = sum(levels[c] for c in NEGATIVE_LEVELS)
    good = total - bad
    return {
        "total": total,
        "good": good,
        "bad": bad,
        "good_rate": _rate(good, total),
        "bad_rate": _rate(bad, total),
        "defaults": row.get("n_default") or 0,
        "levels": levels,
    }


def ratings_in(
    period: Period,
    *,
    channel: str | None = None,
    district_id: int | None = None,
    organisation_id: int | None = None,
    item_code: str | None = None,
) -> QuerySet:
    """Ratings counted in the statistics (not excluded) of services delivered in ``period``."""
    first, after = period.bounds()
    qs = Rating.objects.filter(
        excluded=False, event__served_at__gte=first, event__served_at__lt=after
    )
    if channel:
        qs = qs.filter(event__channel=channel)
    if district_id:
        qs = qs.filter(event__district_id=district_id)
    if organisation_id:
        org = core.organisation_by_id(organisation_id)
        qs = qs.filter(event__organisation__path__startswith=org.path) if org else qs.none()
    if item_code:
        qs = qs.filter(event__item_code=item_code)
    return qs


def _grouped(qs: QuerySet, key: str, name: str) -> list[dict]:
    rows = qs.values(key, name).annotate(**_aggregates()).order_by("-total", key)
    return [{"key": r[key], "name": r[name], **_figures(r)} for r in rows]


def rating_stats(
    *,
    period: Period,
    channel: str | None = None,
    district_id: int | None = None,
    organisation_id: int | None = None,
    item_code: str | None = None,
) -> dict:
    """Every figure of the public statistics for one period and filter."""
    qs = ratings_in(
        period,
        channel=channel,
        district_id=district_id,
        organisation_id=organisation_id,
        item_code=item_code,
    )
    overall = _figures(qs.aggregate(**_aggregates()))
    first, after = period.bounds()
    excluded = Rating.objects.filter(
        excluded=True, event__served_at__gte=first, event__served_at__lt=after
    ).count()
    channel_labels = dict(Channel.choices)
    by_channel = [
        {**row, "name": str(channel_labels.get(row["key"], row["key"]))}
        for row in _grouped(qs, "event__channel", "event__channel")
    ]
    by_district = _grouped(qs, "event__district_id", "event__district__name")
    for row in by_district:
        if row["key"] is None:
            row["name"] = _("City level")
    by_item = _grouped(qs, "event__item_code", "event__item_name")[:MAX_ITEMS]
    return {
        "start": period.start,
        "end": period.end,
        **overall,
        "excluded": excluded,
        "by_channel": by_channel,
        "by_department": _grouped(qs, "event__organisation_id", "event__organisation__name"),
        "by_district": by_district,
        "by_item": by_item,
    }
