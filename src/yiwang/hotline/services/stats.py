"""Daily statistics roll-up (日统计): recompute the :class:`DailyStat` rows of whole receipt
days from the work orders, replacing the rows of those days in one transaction, and rebuild the
:class:`MonthlyStat` rows (月统计) of their months from the daily rows in the same transaction.

A row is a cohort: the orders *received* on one local day, so a day is recomputed whenever one
of its orders changes (``updated_at`` after the last run). Idempotent: running it twice over the
same days writes the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.hotline import stats
from yiwang.hotline.models import DailyStat, MonthlyStat

ROLLUP_KEYS = ["d", "city_id", "lane", "category", "channel", "district_id", "lead_unit_id"]
MONTH_KEYS = ["m", "city_id", "lane", "category", "channel", "district_id", "lead_unit_id"]
ROLLUP_LOCK = 0x59_57_53_54  # pg advisory lock: one roll-up at a time replaces rows
INSERT_BATCH = 2000


def _last_run(city_id: int | None) -> dt.datetime | None:
    qs = DailyStat.objects.all()
    if city_id is not None:
        qs = qs.filter(city_id=city_id)
    return qs.aggregate(last=Max("computed_at"))["last"]


def stats_rollup(
    *, actor=None, city_id: int | None = None, days: Iterable[dt.date] | None = None
) -> int:
    """Recompute the DailyStat rows of ``days`` (local receipt days) and return how many rows
    were written.

    Without ``days``: the receipt days of the orders changed since the last run (every day with
    orders on the first run), plus yesterday and today. ``city_id`` limits the work to one city.
    """
    started = timezone.now()
    if days is None:
        today = stats.local_today()
        wanted = stats.dirty_days(city_id=city_id, since=_last_run(city_id))
        wanted |= {today, today - dt.timedelta(days=1)}
    else:
        wanted = set(days)
    if not wanted:
        return 0
    first, last = min(wanted), max(wanted)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        old = DailyStat.objects.filter(day__in=wanted)
        if city_id is not None:
            old = old.filter(city_id=city_id)
        old.delete()
        orders = stats.orders_received(first, last).annotate(
            d=TruncDate("received_at", tzinfo=stats.LOCAL_TZ)
        )
        if city_id is not None:
            orders = orders.filter(city_id=city_id)
        if len(wanted) < (last - first).days + 1:
            orders = orders.filter(d__in=wanted)
        groups = stats.order_counters(orders, ROLLUP_KEYS)
        rows = [
            DailyStat(
                day=key[0],
                city_id=key[1],
                lane=key[2],
                category=key[3],
                channel=key[4],
                district_id=key[5],
                lead_unit_id=key[6],
                # The run's start time marks the rows: orders changed during the run stay
                # dirty. Set on insert (not updated afterwards: no dead copy of every row).
                computed_at=started,
                **counters,
            )
            for key, counters in groups.items()
        ]
        DailyStat.objects.bulk_create(rows, batch_size=INSERT_BATCH)
        months = _rebuild_months(
            {day.replace(day=1) for day in wanted}, city_id=city_id, started=started
        )
        stats.rollup_changed()  # this process at once, every process after commit
        transaction.on_commit(stats.rollup_changed)
        audit_record(
            actor=actor,
            action="hotline.stats.rollup",
            object_type="hotline.dailystat",
            object_id=str(city_id or ""),
            changes={
                "days": len(wanted),
                "first": first.isoformat(),
                "last": last.isoformat(),
                "rows": len(rows),
                "month_rows": months,
            },
        )
    return len(rows)


def _rebuild_months(months: set[dt.date], *, city_id: int | None, started: dt.datetime) -> int:
    """Replace the MonthlyStat rows of ``months`` (firsts of months) by the sums of their
    DailyStat rows; one GROUP BY in the database. Returns the number of rows written."""
    old = MonthlyStat.objects.filter(month__in=months)
    days = Q()
    for month in months:
        days |= Q(day__gte=month, day__lt=stats.next_month(month))
    daily = DailyStat.objects.filter(days)
    if city_id is not None:
        old = old.filter(city_id=city_id)
        daily = daily.filter(city_id=city_id)
    old.delete()
    sums = (
        daily.annotate(m=TruncMonth("day"))
        .order_by()
        .values(*MONTH_KEYS)
        .annotate(**{name: Sum(name) for name in stats.COUNTERS})
    )
    rows = [
        MonthlyStat(
            month=row["m"],
            computed_at=started,
            **{key: row[key] for key in MONTH_KEYS[1:]},
            **{name: row[name] or 0 for name in stats.COUNTERS},
        )
        for row in sums
    ]
    MonthlyStat.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    return len(rows)


def stats_rollup_recent(*, actor=None, days: int = 7) -> int:
    """Nightly full recompute of the last ``days`` local days (today included)."""
    today = stats.local_today()
    return stats_rollup(actor=actor, days=[today - dt.timedelta(days=i) for i in range(days)])
