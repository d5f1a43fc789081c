"""Indicators of the 12345 hotline (接通后的工单指标): counters of a cohort of orders and the
rates derived from them, over the daily roll-up (:class:`DailyStat`) for past days and live
from :class:`WorkOrder` for today. Formulas: docs/modules/hotline-stats.md.

One definition of every counter (:func:`counter_aggregates`) serves the roll-up and the live
path, and one definition of every rate (:func:`indicators`) serves every read-out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline.choices import Action, Category, Channel, Lane, Rating, Status
from yiwang.hotline.models import DailyStat, MonthlyStat, WorkOrder, WorkOrderEvent
from yiwang.hotline.selectors import city_root_id
from yiwang.worktime import facade as worktime

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Office time of one standard working day (08:30–12:00, 14:00–17:30): working minutes → days.
WORKDAY_MINUTES = 420
MAX_RANGE_DAYS = 400
CACHE_SECONDS = 300
ROLLUP_VERSION_KEY = "hotline:stats:rollup-version"
BREAKDOWNS = ("category", "channel", "district", "unit", "lane", "day", "week", "month")
SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED)

COUNTERS = (
    "received",
    "refused",
    "dispatched",
    "signed",
    "signed_on_time",
    "closed",
    "closed_on_time",
    "handle_seconds",
    "handle_work_minutes",
    "direct_answered",
    "returned",
    "reopened",
    "repeated",
    "called_back",
    "satisfied",
    "solved",
)
# Counters summed by SQL; handle_work_minutes needs the working-time calendar (Python).
SQL_COUNTERS = tuple(c for c in COUNTERS if c != "handle_work_minutes")

# Weights of the unit ranking's composite score (renormalised over the rates that exist).
SCORE_WEIGHTS = {
    "close_on_time_rate": 0.30,
    "satisfaction_rate": 0.30,
    "sign_on_time_rate": 0.20,
    "resolution_rate": 0.20,
}
RETURN_PENALTY = 0.10  # points of the score lost per unit of return rate (× 100)


# --- the counters -------------------------------------------------------------------------


def counter_aggregates() -> dict:
    """SQL aggregates of every counter over a ``WorkOrder`` queryset (one GROUP BY pass)."""
    closed = Q(closed_at__isnull=False)
    called_back = closed & Q(called_back_at__isnull=False)
    close_event = WorkOrderEvent.objects.filter(order_id=OuterRef("pk"), action=Action.CLOSE)
    return_event = WorkOrderEvent.objects.filter(order_id=OuterRef("pk"), action=Action.RETURN)
    return {
        "received": Count("id"),
        "refused": Count("id", filter=Q(status=Status.REFUSED)),
        "dispatched": Count("id", filter=Q(dispatched_at__isnull=False)),
        "signed": Count("id", filter=Q(signed_at__isnull=False)),
        "signed_on_time": Count(
            "id",
            filter=Q(signed_at__isnull=False)
            & (Q(sign_deadline__isnull=True) | Q(signed_at__lte=F("sign_deadline"))),
        ),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count(
            "id",
            filter=closed
            & (Q(reply_deadline__isnull=True) | Q(closed_at__lte=F("reply_deadline"))),
        ),
        "handle_seconds": Sum(
            ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField()),
            filter=closed,
        ),
        "direct_answered": Count(
            "id",
            filter=closed
            & (
                Q(Exists(close_event))
                | Q(knowledge_article__isnull=False, dispatched_at__isnull=True)
            ),
        ),
        "returned": Count("id", filter=Q(Exists(return_event))),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "repeated": Count("id", filter=Q(repeat=True)),
        "called_back": Count("id", filter=called_back),
        "satisfied": Count("id", filter=called_back & Q(rating__in=SATISFIED_RATINGS)),
        "solved": Count("id", filter=called_back & Q(solved=True)),
    }


def _clean_counters(row: dict) -> dict:
    out = {}
    for name in SQL_COUNTERS:
        value = row.get(name) or 0
        if isinstance(value, dt.timedelta):
            value = int(value.total_seconds())
        out[name] = int(value)
    out["handle_work_minutes"] = int(row.get("handle_work_minutes") or 0)
    return out


def order_counters(qs: QuerySet, keys: list[str]) -> dict[tuple, dict]:
    """Counters of the orders of ``qs`` grouped by ``keys`` (fields or annotations of ``qs``),
    including the working minutes from receipt to closing summed per group."""
    groups: dict[tuple, dict] = {}
    if keys:
        rows = qs.order_by().values(*keys).annotate(**counter_aggregates())
    else:  # values() without fields would group by every column
        rows = [qs.aggregate(**counter_aggregates())]
    for row in rows:
        if row["received"]:
            groups[tuple(row[k] for k in keys)] = _clean_counters(row)
    closed = (
        qs.filter(closed_at__isnull=False)
        .order_by()
        .values_list(*keys, "received_at", "closed_at")
        .iterator(chunk_size=10000)
    )
    between = worktime.working_minutes_between
    n = len(keys)
    for row in closed:
        received_at, closed_at = row[n], row[n + 1]
        if closed_at > received_at:
            groups[row[:n]]["handle_work_minutes"] += between(received_at, closed_at).minutes
    return groups


# --- the rates ----------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float, digits: int = 4) -> float | None:
    """``numerator / denominator``; ``None`` when the denominator is zero (no data is not 0 %)."""
    if not denominator:
        return None
    return round(numerator / denominator, digits)


def indicators(c: dict) -> dict:
    """The published indicators of one set of counters (rates in 0–1, ``None`` without data)."""
    closed = c["closed"]
    out = {name: c[name] for name in COUNTERS}
    out.update(
        close_rate=_ratio(closed, c["received"]),
        avg_handle_days=_ratio(c["handle_seconds"], closed * 86400, 2),
        avg_handle_work_days=_ratio(c["handle_work_minutes"], closed * WORKDAY_MINUTES, 2),
        sign_on_time_rate=_ratio(c["signed_on_time"], c["signed"]),
        close_on_time_rate=_ratio(c["closed_on_time"], closed),
        callback_rate=_ratio(c["called_back"], closed),
        satisfaction_rate=_ratio(c["satisfied"], c["called_back"]),
        resolution_rate=_ratio(c["solved"], c["called_back"]),
        return_rate=_ratio(c["returned"], c["dispatched"]),
        repeat_rate=_ratio(c["repeated"], c["received"]),
        direct_answer_rate=_ratio(c["direct_answered"], c["received"]),
    )
    out["score"] = composite_score(out)
    return out


def composite_score(rates: dict) -> float | None:
    """Unit ranking score 0–100: weighted mean of the on-time, satisfaction and resolution
    rates (weights renormalised over the rates that exist) minus a return-rate penalty."""
    total = weight = 0.0
    for name, w in SCORE_WEIGHTS.items():
        if rates.get(name) is not None:
            total += w * rates[name]
            weight += w
    if not weight:
        return None
    score = 100 * total / weight - 100 * RETURN_PENALTY * (rates.get("return_rate") or 0)
    return round(max(score, 0.0), 2)


def _zero() -> dict:
    return dict.fromkeys(COUNTERS, 0)


def _add(into: dict, other: dict) -> dict:
    for name in COUNTERS:
        into[name] += other[name]
    return into


RATES = frozenset(
    {
        "close_rate",
        "sign_on_time_rate",
        "close_on_time_rate",
        "callback_rate",
        "satisfaction_rate",
        "resolution_rate",
        "return_rate",
        "repeat_rate",
        "direct_answer_rate",
    }
)


def indicator_labels() -> dict[str, str]:
    """Display names of the published indicators, in the order of the read-outs."""
    return {
        "received": _("Received"),
        "closed": _("Closed"),
        "close_rate": _("Closing rate"),
        "avg_handle_days": _("Average handling time (days)"),
        "avg_handle_work_days": _("Average handling time (working days)"),
        "sign_on_time_rate": _("On-time sign-for rate"),
        "close_on_time_rate": _("On-time closing rate"),
        "callback_rate": _("Callback rate"),
        "satisfaction_rate": _("Satisfaction rate"),
        "resolution_rate": _("Resolution rate"),
        "return_rate": _("Return rate"),
        "repeat_rate": _("Repeat-request rate"),
        "direct_answer_rate": _("Direct-answer rate"),
        "score": _("Composite score"),
        "refused": _("Not accepted"),
        "dispatched": _("Dispatched"),
        "signed": _("Signed for"),
        "signed_on_time": _("Signed for on time"),
        "closed_on_time": _("Closed on time"),
        "direct_answered": _("Answered directly"),
        "returned": _("Returned"),
        "reopened": _("Reopened"),
        "repeated": _("Repeat requests"),
        "called_back": _("Called back"),
        "satisfied": _("Satisfied"),
        "solved": _("Solved"),
    }


def breakdown_labels() -> dict[str, str]:
    return {
        "category": _("Category"),
        "channel": _("Channel"),
        "district": _("District"),
        "unit": _("Unit ranking"),
        "lane": _("Lane"),
        "day": _("Day"),
        "week": _("Week"),
        "month": _("Month"),
    }


# --- scope and validation -----------------------------------------------------------------


def stats_scope(actor) -> dict:
    """The filters that confine ``actor`` to the statistics it may read.

    Centre operators (``hotline.view_city``) read their whole city; leaders read the orders led
    by units of their organisation subtree; superusers read everything.
    """
    if not has_perm(actor, perms.STATS):
        raise Forbidden("hotline.permission_denied", _("You may not read hotline statistics."))
    if getattr(actor, "is_superuser", False):
        return {}
    root = city_root_id(actor)
    if root is None:  # staff outside the organisation tree read nothing, not everything
        raise Forbidden("hotline.permission_denied", _("You may not read hotline statistics."))
    if has_perm(actor, perms.VIEW_CITY):
        return {"city_id": root}
    return {"city_id": root, "unit_path": actor.organisation.path}


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def validate_range(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise _invalid("start", "hotline.stats_bad_range", _("The start date is after the end."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise _invalid(
            "end",
            "hotline.stats_range_too_long",
            _("A statistics range covers at most %(days)s days.") % {"days": MAX_RANGE_DAYS},
        )


def validate_filters(filters: dict) -> None:
    """Unknown lane, category or channel values are input errors (422), not empty results."""
    for name, choices in (("lane", Lane), ("category", Category), ("channel", Channel)):
        value = filters.get(name)
        if value not in (None, "") and value not in choices.values:
            raise _invalid(
                name,
                "hotline.stats_bad_filter",
                _("Unknown %(name)s: %(value)s.") % {"name": name, "value": value[:40]},
            )


def local_today() -> dt.date:
    return timezone.now().astimezone(LOCAL_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, LOCAL_TZ)


def orders_received(first: dt.date, last: dt.date) -> QuerySet:
    """Orders received on the local days ``first``–``last``. Every status is listed so that the
    ``(status, received_at)`` index serves the time range (no index has ``received_at`` first)."""
    return WorkOrder.objects.filter(
        status__in=Status.values,
        received_at__gte=day_start(first),
        received_at__lt=day_start(last + dt.timedelta(days=1)),
    )


def _filtered(qs: QuerySet, filters: dict) -> QuerySet:
    lookups = {
        "city_id": "city_id",
        "lane": "lane",
        "category": "category",
        "channel": "channel",
        "district_id": "district_id",
        "unit_id": "lead_unit_id",
        "unit_path": "lead_unit__path__startswith",
    }
    for name, lookup in lookups.items():
        value = filters.get(name)
        if value not in (None, ""):
            qs = qs.filter(**{lookup: value})
    return qs


# --- read-outs ----------------------------------------------------------------------------

# Grouping of each breakdown: (DailyStat values, WorkOrder values); time keys are annotated.
_DIMENSIONS = {
    "category": ["category"],
    "channel": ["channel"],
    "lane": ["lane"],
    "district": ["district_id", "district__name"],
    "unit": ["lead_unit_id", "lead_unit__name"],
    "day": ["k"],
    "week": ["k"],
    "month": ["k"],
    None: [],
}


def _time_key(by: str | None, day: dt.date) -> dt.date | None:
    if by == "day":
        return day
    if by == "week":
        return day - dt.timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return None


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after the one of ``month``."""
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


Span = tuple[dt.date, dt.date]


def month_plan(first: dt.date, last: dt.date) -> tuple[list[dt.date], list[Span], list[Span]]:
    """How to sum the roll-up over the days ``first``–``last`` reading the fewest rows:
    ``(months, added, subtracted)`` — the months read whole from :class:`MonthlyStat` and the
    day spans whose :class:`DailyStat` rows are added to them or subtracted from them.

    A month the range covers for more than half its days is read whole, minus the days outside
    the range (exact: a month row is the sum of its days' rows, and integer sums subtract);
    a month covered for half its days or less is read day by day. So at most about half a
    month of daily rows is read at either end of a range, whatever its length."""
    months: list[dt.date] = []
    added: list[Span] = []
    subtracted: list[Span] = []
    month = first.replace(day=1)
    while month <= last:
        month_last = next_month(month) - dt.timedelta(days=1)
        lo, hi = max(first, month), min(last, month_last)
        covered, length = (hi - lo).days + 1, month_last.day
        if 2 * covered <= length:
            added.append((lo, hi))
        else:
            months.append(month)
            if lo > month:
                subtracted.append((month, lo - dt.timedelta(days=1)))
            if hi < month_last:
                subtracted.append((hi + dt.timedelta(days=1), month_last))
        month = next_month(month)
    return months, added, subtracted


def _rollup_parts(first: dt.date, last: dt.date, filters: dict) -> list[tuple[int, QuerySet]]:
    """``(sign, rows)`` whose signed sum is the roll-up of ``first``–``last`` under ``filters``
    (see :func:`month_plan`)."""
    months, added, subtracted = month_plan(first, last)
    parts = []
    if months:
        parts.append((1, _filtered(MonthlyStat.objects.filter(month__in=months), filters)))
    for sign, spans in ((1, added), (-1, subtracted)):
        if spans:
            days = Q()
            for lo, hi in spans:
                days |= Q(day__gte=lo, day__lte=hi)
            parts.append((sign, _filtered(DailyStat.objects.filter(days), filters)))
    return parts


def _add_row(into: dict, row: dict, sign: int = 1) -> None:
    for name in COUNTERS:
        into[name] += sign * int(row[name] or 0)


def _present(groups: dict[tuple, dict]) -> dict[tuple, dict]:
    """The groups with orders: every roll-up row has ``received`` ≥ 1, so a group whose rows
    were all subtracted again (days outside the range) sums to 0 received and is dropped."""
    return {key: counters for key, counters in groups.items() if counters["received"]}


def _collect(by: str | None, start: dt.date, end: dt.date, filters: dict) -> dict[tuple, dict]:
    """Counters per key of ``by`` (``None``: one total) over the cohort received in
    ``start``–``end``: the roll-up for past days (daily rows for the time breakdowns, whole
    months plus or minus days for the others), live orders for today."""
    keys = _DIMENSIONS[by]
    today = local_today()
    groups: dict[tuple, dict] = {}
    last_rolled = min(end, today - dt.timedelta(days=1))
    if start <= last_rolled:
        if by in ("day", "week", "month"):
            qs = _filtered(DailyStat.objects.filter(day__gte=start, day__lte=last_rolled), filters)
            trunc = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}
            parts = [(1, qs.annotate(k=trunc[by]))]
        else:
            parts = _rollup_parts(start, last_rolled, filters)
        sums = {name: Sum(name) for name in COUNTERS}
        for sign, qs in parts:
            rows = qs.order_by().values(*keys).annotate(**sums) if keys else [qs.aggregate(**sums)]
            for row in rows:
                key = tuple(_as_date(row[k]) for k in keys)
                _add_row(groups.setdefault(key, _zero()), row, sign)
        groups = _present(groups)
    if start <= today <= end:
        live = _filtered(orders_received(today, today), filters)
        order_keys = [] if by in ("day", "week", "month") else keys
        for key, counters in order_counters(live, order_keys).items():
            if by in ("day", "week", "month"):
                key = (_time_key(by, today),)
            _add(groups.setdefault(key, _zero()), counters)
    return groups


def _as_date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def summary(
    *,
    city_id: int | None,
    start: dt.date,
    end: dt.date,
    lane: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    district_id: int | None = None,
    unit_id: int | None = None,
    unit_path: str | None = None,
) -> dict:
    """Counters and indicators of the orders received from ``start`` to ``end`` (local days)."""
    validate_range(start, end)
    filters = {
        "city_id": city_id,
        "lane": lane,
        "category": category,
        "channel": channel,
        "district_id": district_id,
        "unit_id": unit_id,
        "unit_path": unit_path,
    }
    validate_filters(filters)
    totals = _collect(None, start, end, filters).get((), _zero())
    return {"start": start, "end": end, **indicators(totals)}


def _labels(by: str) -> dict:
    if by == "category":
        return dict(Category.choices)
    if by == "channel":
        return dict(Channel.choices)
    if by == "lane":
        return dict(Lane.choices)
    return {}


def breakdown(
    *,
    by: str,
    city_id: int | None,
    start: dt.date,
    end: dt.date,
    lane: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    district_id: int | None = None,
    unit_id: int | None = None,
    unit_path: str | None = None,
) -> list[dict]:
    """Indicators per value of ``by`` (one of :data:`BREAKDOWNS`). Time breakdowns run in date
    order; ``unit`` is the ranking (by composite score, best first, with ``rank``); the others
    run by orders received, most first."""
    if by not in BREAKDOWNS:
        raise _invalid(
            "by",
            "hotline.stats_bad_breakdown",
            _("Unknown breakdown; use one of: %(names)s.") % {"names": ", ".join(BREAKDOWNS)},
        )
    validate_range(start, end)
    filters = {
        "city_id": city_id,
        "lane": lane,
        "category": category,
        "channel": channel,
        "district_id": district_id,
        "unit_id": unit_id,
        "unit_path": unit_path,
    }
    validate_filters(filters)
    return _rows(by, _collect(by, start, end, filters))


def _rows(by: str, groups: dict[tuple, dict]) -> list[dict]:
    """Breakdown rows (label, counters, indicators) of ``groups`` in display order."""
    labels = _labels(by)
    rows = []
    for key, counters in groups.items():
        value = key[0]
        if by in ("district", "unit"):
            label = key[1] or (
                _("No district") if by == "district" else _("Centre (not dispatched)")
            )
        elif by == "week":
            year, week, _day = value.isocalendar()
            label = f"{year}-W{week:02d}"
        elif by == "month":
            label = value.strftime("%Y-%m")
        elif by == "day":
            label = value.isoformat()
        else:
            label = str(labels.get(value, value))
        if isinstance(value, dt.date):
            value = value.isoformat()
        rows.append({"key": value, "label": label, **indicators(counters)})
    if by in ("day", "week", "month"):
        rows.sort(key=lambda r: r["key"])
    elif by == "unit":
        rows = [r for r in rows if r["key"] is not None]
        rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["received"]))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
    else:
        rows.sort(key=lambda r: (-r["received"], str(r["key"])))
    return rows


# --- the whole page at once -----------------------------------------------------------------

# Dimensions of the page's read-out; week, month and the total are folded from the days.
_SETS = ("day", "category", "channel", "lane", "district", "unit")
_SET_COLUMNS = {
    "day": "day",
    "category": "category",
    "channel": "channel",
    "lane": "lane",
    "district": "district_id",
    "unit": "lead_unit_id",
}


def _grouping_sets(qs: QuerySet, names: tuple[str, ...]) -> dict[str, dict[tuple, dict]]:
    """Counters of the roll-up rows ``qs`` per value of each dimension of ``names``.

    PostgreSQL answers with one scan (``GROUP BY GROUPING SETS``); other databases with one
    GROUP BY per dimension. Both sum the same columns of the same filtered rows."""
    qs = qs.order_by()
    columns = [_SET_COLUMNS[name] for name in names]
    sums = {name: Sum(name) for name in COUNTERS}
    out: dict[str, dict] = {name: {} for name in names}
    if connection.vendor == "postgresql" and len(columns) > 1:
        sql, params = qs.values(*columns).annotate(**sums).query.sql_with_params()
        head, _sep, _group_by = sql.rpartition(" GROUP BY ")
        table = connection.ops.quote_name(qs.model._meta.db_table)
        cols = [f"{table}.{connection.ops.quote_name(c)}" for c in columns]
        head = head.replace("SELECT ", f"SELECT GROUPING({', '.join(cols)}) AS g, ", 1)
        sets = ", ".join(f"({c})" for c in cols)
        width = len(columns)
        with connection.cursor() as cursor:
            cursor.execute(f"{head} GROUP BY GROUPING SETS ({sets})", params)
            for row in cursor.fetchall():
                grouping, keys, values = row[0], row[1 : 1 + width], row[1 + width :]
                index = next(i for i in range(width) if not grouping >> (width - 1 - i) & 1)
                counters = dict(zip(COUNTERS, values, strict=True))
                out[names[index]][(keys[index],)] = counters
    else:
        for name, column in zip(names, columns, strict=True):
            for row in qs.values(column).annotate(**sums):
                out[name][(row[column],)] = row
    return out


def _rolled_up_sets(first: dt.date, last: dt.date, filters: dict) -> dict[str, dict]:
    """Counters of the roll-up over ``first``–``last`` per value of each of :data:`_SETS`.

    The days: one GROUP BY over the daily rows of the range. The other dimensions: one
    grouping-sets pass over each part of :func:`month_plan` (the whole months' MonthlyStat rows,
    the daily rows added or subtracted at the ends), summed with their signs here."""
    sums = {name: Sum(name) for name in COUNTERS}
    daily = _filtered(DailyStat.objects.filter(day__gte=first, day__lte=last), filters)
    days: dict[tuple, dict] = {}
    for row in daily.order_by().values("day").annotate(**sums):
        _add_row(days.setdefault((row["day"],), _zero()), row)
    out: dict[str, dict] = {"day": _present(days)}
    dimensions = _SETS[1:]
    groups: dict[str, dict] = {name: {} for name in dimensions}
    for sign, qs in _rollup_parts(first, last, filters):
        for name, rows in _grouping_sets(qs, dimensions).items():
            for key, row in rows.items():
                _add_row(groups[name].setdefault(key, _zero()), row, sign)
    out.update({name: _present(groups[name]) for name in dimensions})
    return out


def rollup_changed() -> None:
    """Called by the roll-up: cached read-outs of the roll-up made before are not used again."""
    cache.set(ROLLUP_VERSION_KEY, uuid.uuid4().hex, None)


def _cached_sets(first: dt.date, last: dt.date, filters: dict) -> dict[str, dict]:
    """:func:`_rolled_up_sets`, cached for :data:`CACHE_SECONDS` under the roll-up version.

    Past days change only when the roll-up runs, which bumps the version; the time limit bounds
    staleness where the cache is per process (local memory) and misses another process's bump.
    """
    version = cache.get(ROLLUP_VERSION_KEY) or "0"
    digest = hashlib.sha256(repr((version, first, last, sorted(filters.items()))).encode())
    key = f"hotline:stats:sets:{digest.hexdigest()}"
    sets = cache.get(key)
    if sets is None:
        sets = _rolled_up_sets(first, last, filters)
        cache.set(key, sets, CACHE_SECONDS)
    return sets


def _organisation_names(ids: set[int]) -> dict[int, str]:
    # The organisation model is reached through the foreign key, as the lookups above do.
    model = DailyStat._meta.get_field("lead_unit").related_model
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def overview(
    *,
    city_id: int | None,
    start: dt.date,
    end: dt.date,
    lane: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    district_id: int | None = None,
    unit_id: int | None = None,
    unit_path: str | None = None,
    cached: bool = True,
) -> dict:
    """:func:`summary` and every :func:`breakdown` in one go (the statistics page, the Excel
    export): one pass over the roll-up (cached until the next roll-up) and one over today's
    orders, same formulas."""
    validate_range(start, end)
    filters = {
        "city_id": city_id,
        "lane": lane,
        "category": category,
        "channel": channel,
        "district_id": district_id,
        "unit_id": unit_id,
        "unit_path": unit_path,
    }
    validate_filters(filters)
    today = local_today()
    last_rolled = min(end, today - dt.timedelta(days=1))
    sets: dict[str, dict] = {name: {} for name in _SETS}
    if start <= last_rolled:
        read = _cached_sets if cached else _rolled_up_sets
        sets = read(start, last_rolled, filters)
    if start <= today <= end:
        live = _filtered(orders_received(today, today), filters)
        keys = ["category", "channel", "lane", "district_id", "lead_unit_id"]
        for key, counters in order_counters(live, keys).items():
            parts = {"day": today, **dict(zip(_SETS[1:], key, strict=True))}
            for name in _SETS:
                _add(sets[name].setdefault((parts[name],), _zero()), counters)
    folded: dict[str, dict] = {"week": {}, "month": {}}
    total = _zero()
    for (day,), counters in sets["day"].items():
        _add(total, counters)
        for by in ("week", "month"):
            _add(folded[by].setdefault((_time_key(by, day),), _zero()), counters)
    ids = {k for (k,) in sets["district"]} | {k for (k,) in sets["unit"]}
    names = _organisation_names(ids - {None})
    for by in ("district", "unit"):
        sets[by] = {(k, names.get(k)): c for (k,), c in sets[by].items()}
    out = {"summary": {"start": start, "end": end, **indicators(total)}}
    for by in BREAKDOWNS:
        out[by] = _rows(by, folded[by] if by in folded else sets[by])
    return out


def dirty_days(*, city_id: int | None = None, since: dt.datetime | None) -> set[dt.date]:
    """Local receipt days of the orders changed at or after ``since`` (all days if ``None``)."""
    qs = WorkOrder.objects.all()
    if city_id is not None:
        qs = qs.filter(city_id=city_id)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    days = qs.annotate(d=TruncDate("received_at", tzinfo=LOCAL_TZ)).order_by().values_list("d")
    return {d for (d,) in days.distinct()}
