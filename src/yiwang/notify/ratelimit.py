"""Per-channel rate limit: a fixed one-minute window counted in the shared Django cache.

With ``YIWANG_CACHE_URL=redis://…`` every worker process shares the counter; with the local
memory cache each process counts alone (fine for the one-process demo). A message over the
limit is deferred to the next window, never dropped.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

WINDOW_SECONDS = 60


def _window(now: dt.datetime) -> int:
    return int(now.timestamp() // WINDOW_SECONDS)


def window_end(now: dt.datetime) -> dt.datetime:
    """Start of the next window: when a deferred message may be tried again."""
    return dt.datetime.fromtimestamp((_window(now) + 1) * WINDOW_SECONDS, tz=dt.UTC)


def rate_limit_take(*, channel: str, limit: int, now: dt.datetime) -> bool:
    """Count one send on ``channel`` in the window of ``now``; False when over ``limit``."""
    if limit <= 0:
        return True
    key = f"yiwang:notify:rate:{channel}:{_window(now)}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit
