"""Background work of the hotline (Huey): the SLA sweep every five minutes (thin task)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.context import bind


@db_periodic_task(crontab(minute="*/5"))
def hotline_sla_sweep_task() -> None:
    from yiwang.hotline.services import sla_sweep

    with bind(channel="task"):
        sla_sweep(actor=None)
