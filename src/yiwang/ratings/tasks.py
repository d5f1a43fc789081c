"""Background work of 好差评 (Huey): the default-rating sweep (thin task)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.context import bind


@db_periodic_task(crontab(minute="*/15"))
def ratings_default_sweep_task() -> None:
    """基本满意 for the services whose rating window closed without a rating."""
    from yiwang.ratings.services import rating_default_sweep

    with bind(channel="task"):
        rating_default_sweep(actor=None)
