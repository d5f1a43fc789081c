"""Background work of policy consultation (Huey): the hourly sweep that tells officers, once
per question, about questions past their answer limit. Imported by ``PolicyConfig.ready`` (Huey
discovers only the app's ``tasks`` module)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.context import bind


@db_periodic_task(crontab(minute="7"))
def policy_questions_overdue_task() -> None:
    from yiwang.policy.services.questions import questions_overdue_notify

    with bind(channel="task"):
        questions_overdue_notify()
