"""Daily statistics roll-up (日统计): recompute the :class:`DailyStat` rows of whole receipt
days from the work orders, replacing the rows of those days in one transaction.

A row is a cohort: the orders *received* on one local day, so a day is recomputed whenever one
of its orders changes (``updated_at`` after the last run). Idempotent: running it twice over the
same days writes the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.hotline import stats
from yiwang.hotline.models import DailyStat

ROLLUP_KEYS = ["d", "city_id", "lane", "category", "channel", "district_id", "lead_unit_id"]
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
                **counters,
            )
            for key, counters in groups.items()
        ]
        DailyStat.objects.bulk_create(rows, batch_size=INSERT_BATCH)
        # The run's start time marks the rows: orders changed during the run stay dirty.
        written = DailyStat.objects.filter(day__in=wanted)
        if city_id is not None:
            written = written.filter(city_id=city_id)
        written.update(computed_at=started)
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
            },
        )
    return len(rows)


def stats_rollup_recent(*, actor=None, days: int = 7) -> int:
    """Nightly full recompute of the last ``days`` local days (today included)."""
    today = stats.local_today()
    return stats_rollup(actor=actor, days=[today - dt.timedelta(days=i) for i in range(days)])
