"""Backfill ``WorkOrder.sla_check_at`` for orders written before the field was maintained
(hand-written data migration).

Every workflow write keeps the field current (``support.apply_change``); rows older than that
have NULL and would never be read by the SLA sweep, which selects ``sla_check_at <= now`` only.
The computation is the live ``next_check_at`` (same worktime arithmetic); reversing is a no-op.
"""

from django.db import migrations
from django.db.models import Q

BATCH = 2000


def backfill(apps, schema_editor):
    from yiwang.hotline.choices import Status
    from yiwang.hotline.services.sla import REPLY_CLOCK_STATUSES, next_check_at

    WorkOrder = apps.get_model("hotline", "WorkOrder")
    qs = (
        WorkOrder.objects.filter(sla_check_at__isnull=True)
        .filter(Q(status__in=REPLY_CLOCK_STATUSES) | Q(status=Status.CLOSED))
        .select_related("sla_policy")
        .order_by("id")
    )
    pending = []
    for order in qs.iterator(chunk_size=BATCH):
        value = next_check_at(order, order.sla_policy)
        if value is not None:
            order.sla_check_at = value
            pending.append(order)
        if len(pending) >= BATCH:
            WorkOrder.objects.bulk_update(pending, ["sla_check_at"])
            pending = []
    if pending:
        WorkOrder.objects.bulk_update(pending, ["sla_check_at"])


class Migration(migrations.Migration):
    dependencies = [("hotline", "0004_knowledge_fts")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
