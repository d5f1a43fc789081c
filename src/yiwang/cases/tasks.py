"""Background work of applications (Huey): the clock sweep every five minutes (thin task)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.context import bind


@db_periodic_task(crontab(minute="*/5"))
def cases_clock_sweep_task() -> None:
    """Warnings, overdue events, deemed acceptance and lapsed corrections (services.sweep)."""
    from yiwang.cases.services import case_sweep

    with bind(channel="task"):
        case_sweep(actor=None)
