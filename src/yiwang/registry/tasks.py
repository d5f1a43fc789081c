"""Background work of the enterprise registry (Huey): one import job per task, and the sweep
that re-queues jobs a lost task left undone (thin tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yiwang.core.context import bind


@db_task(retries=0)
def registry_import_task(job_id: int) -> None:
    """Run one import job (a job already running or finished is left alone)."""
    from yiwang.registry.services.imports import import_job_run

    with bind(channel="task"):
        import_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
def registry_import_sweep_task() -> None:
    from yiwang.registry.services.imports import import_jobs_resume

    with bind(channel="task"):
        import_jobs_resume(actor=None)
