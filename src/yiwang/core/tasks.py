"""Periodic work of core (Huey). Thin: each task calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from yiwang.core.audit import audit_purge_expired
from yiwang.core.context import bind
from yiwang.core.search import warm_up


@on_startup(name="core.search_warm_up")
def search_warm_up() -> None:
    """Each worker loads jieba and the pinyin table before its first task (tasks classify and
    index Chinese text); the web process does the same in ``yiwang.wsgi``."""
    warm_up()


@db_periodic_task(crontab(hour="3", minute="17"), name="core.audit_purge_expired")
def audit_purge_expired_daily() -> int:
    """Remove audit records older than YIWANG_AUDIT_RETENTION_DAYS (≥ 180), daily at 03:17."""
    with bind(channel="task"):
        return audit_purge_expired()
