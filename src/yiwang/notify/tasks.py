"""Background work of the notification app (Huey): deliver one message; sweep every minute.

Tasks only parse ids and call services. They return None so Huey stores no results.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yiwang.core.context import bind


@db_task()
def message_deliver_task(message_id: int) -> None:
    from yiwang.notify.services import message_deliver

    with bind(channel="task"):
        message_deliver(message_id=int(message_id))


@db_periodic_task(crontab(minute="*"))
def notify_sweep_task() -> None:
    from yiwang.notify.services import message_sweep

    with bind(channel="task"):
        message_sweep()
