"""Background work of the policy app (Huey), thin tasks calling ``policy.services.push``:

* ``policy_push_job_task`` — one push job's fan-out (match, dedup, write, queue the batches);
* ``policy_push_send_task`` — one throttled send batch of a job;
* every minute: scheduled jobs that are due and jobs a lost task left undone
  (``policy_push_sweep_task``), and ``sent`` pushes brought up to date with their messages'
  delivery (``policy_push_delivery_sync_task``);
* daily at 07:30 Asia/Shanghai (23:30 UTC): the re-match of every published item
  (``policy_push_rematch_task``).
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yiwang.core.context import bind


@db_task(retries=0)
def policy_push_job_task(job_id: int) -> None:
    """Run one push job (a job already running or finished is left alone; the sweep
    re-queues a job whose task was lost)."""
    from yiwang.policy.services.push import push_job_run

    with bind(channel="task"):
        push_job_run(job_id=int(job_id))


@db_task(retries=2, retry_delay=30)
def policy_push_send_task(job_id: int, first_id: int, last_id: int) -> None:
    """Send one batch of a job's pending pushes (sent pushes are never sent again)."""
    from yiwang.policy.services.push import push_batch_send

    with bind(channel="task"):
        push_batch_send(job_id=int(job_id), first_id=int(first_id), last_id=int(last_id))


@db_periodic_task(crontab(minute="*"))
def policy_push_sweep_task() -> None:
    from yiwang.policy.services.push import push_jobs_due, push_jobs_resume

    with bind(channel="task"):
        push_jobs_due()
        push_jobs_resume()


@db_periodic_task(crontab(minute="*"))
def policy_push_delivery_sync_task() -> None:
    from yiwang.policy.services.push import push_delivery_sync

    with bind(channel="task"):
        push_delivery_sync()


@db_periodic_task(crontab(hour="23", minute="30"))
def policy_push_rematch_task() -> None:
    """07:30 Asia/Shanghai: push every published item to the enterprises that newly qualify."""
    from yiwang.policy.services.push import push_rematch_all

    with bind(channel="task"):
        push_rematch_all()
