"""Background work of the hotline (Huey): the SLA sweep every five minutes, 跨市联动 delivery
and its retry sweep every minute, email-to-order every minute (thin tasks)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yiwang.core.context import bind


@db_periodic_task(crontab(minute="*/5"))
def hotline_sla_sweep_task() -> None:
    from yiwang.hotline.services import sla_sweep

    with bind(channel="task"):
        sla_sweep(actor=None)


@db_task(retries=0)
def hotline_transfer_send_task(transfer_id: int) -> None:
    """Deliver one 跨市联动 transfer or outcome; failures are retried by the sweep below."""
    from yiwang.hotline.services import transfer_deliver

    with bind(channel="task"):
        transfer_deliver(transfer_id=transfer_id)


@db_periodic_task(crontab(minute="*"))
def hotline_transfer_retry_task() -> None:
    from yiwang.hotline.services import transfer_retry_sweep

    with bind(channel="task"):
        transfer_retry_sweep()


@db_periodic_task(crontab(minute="*/10"))
def hotline_stats_rollup_task() -> None:
    """Daily statistics of the receipt days whose orders changed since the last roll-up."""
    from yiwang.hotline.services import stats_rollup

    with bind(channel="task"):
        stats_rollup(actor=None)


@db_periodic_task(crontab(hour="18", minute="30"))
def hotline_stats_nightly_task() -> None:
    """Full recompute of the last seven days at 02:30 Asia/Shanghai (18:30 UTC)."""
    from yiwang.hotline.services import stats_rollup_recent

    with bind(channel="task"):
        stats_rollup_recent(actor=None, days=7)


@db_periodic_task(crontab(day_of_week="6", hour="19", minute="0"))
def hotline_dispatch_model_retrain_task() -> None:
    """Weekly retraining of each city's dispatch classifier on its closed orders, Sunday 03:00
    Asia/Shanghai (Saturday 19:00 UTC); web processes pick the new file up by its mtime."""
    from yiwang.hotline.suggestions import retrain

    with bind(channel="task"):
        retrain()


@db_periodic_task(crontab(minute="*"))
def hotline_mail_fetch_task() -> None:
    """Email-to-order: the new messages of ``YIWANG_HOTLINE_MAILDIR`` become work orders
    (nothing to do when it is not set; a fetch still running makes this one return)."""
    from yiwang.hotline.mail import mail_fetch, maildir_path

    if maildir_path() is None:
        return
    with bind(channel="email"):
        mail_fetch()
