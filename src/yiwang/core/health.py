"""Health checks of the parts the platform needs: database, task queue, cache, calendar data."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.cache import cache, caches
from django.db import connection

CHECKS: dict[str, Callable[[], dict]] = {}
WARNINGS: list[Callable[[], list[str]]] = []


def check(name: str):
    def register(fn):
        CHECKS[name] = fn
        return fn

    return register


@check("database")
def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


@check("task_queue")
def _task_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    return {"backend": type(HUEY).__name__, "pending": HUEY.pending_count()}


@check("cache")
def _cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)
    return {"backend": type(caches["default"]).__name__}


def run_checks() -> tuple[bool, dict]:
    results: dict = {}
    healthy = True
    for name, fn in CHECKS.items():
        try:
            results[name] = {"ok": True, **fn()}
        except Exception as exc:
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    warnings: list[str] = []
    for provider in WARNINGS:
        try:
            warnings.extend(provider())
        except Exception as exc:
            warnings.append(f"warning provider failed: {exc}")
    return healthy, {"status": "ok" if healthy else "fail", "checks": results, "warnings": warnings}


def register_warning(provider: Callable[[], list[str]]) -> None:
    """Apps add warnings shown on /healthz and the admin banner (e.g. missing calendar year)."""
    if provider not in WARNINGS:
        WARNINGS.append(provider)
