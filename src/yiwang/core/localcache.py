"""Per-process copies of small, rarely changing reference data, kept honest by the shared cache.

Hot paths (intake, suggestions) read the same few rows on every request: the dispatch
catalogue, the SLA policies, a city's districts and streets. :class:`ProcessCache` keeps the
loaded value in the process, tagged with a random token that it also stores in the shared cache
(Redis in production). A read is one shared-cache ``get``: while the shared cache still holds
the token the process loaded under, the local value is current. Whoever changes the data calls
:meth:`ProcessCache.forget`, which deletes the token at once and again after the surrounding
transaction commits (so a reader between the two cannot re-tag data that is about to change):
the next read in every process loads afresh. Tokens also expire after ``timeout`` seconds, a
bound on staleness should a writer bypass the services (a data migration, the shell).

With the per-process ``locmem`` cache of development there is one process, so the same rules
hold; tests clear the cache between tests, which drops every token.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


class ProcessCache(Generic[T]):
    """``get(key, loader)`` returns ``loader()``'s value, loaded at most once per token."""

    def __init__(self, name: str, *, timeout: int = 60, max_entries: int = 256) -> None:
        self.name = name
        self.timeout = timeout
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._local: dict[Hashable, tuple[str, T]] = {}

    def shared_key(self, key: Hashable) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return ":".join(["localcache", self.name, *(str(p) for p in parts)])

    def get(self, key: Hashable, loader: Callable[[], T]) -> T:
        shared = self.shared_key(key)
        token = cache.get(shared)
        local = self._local.get(key)
        if token is not None and local is not None and local[0] == token:
            return local[1]
        value = loader()
        if token is None:
            token = uuid.uuid4().hex
            if not cache.add(shared, token, timeout=self.timeout):
                token = cache.get(shared) or token
        with self._lock:
            if len(self._local) >= self.max_entries and key not in self._local:
                self._local.clear()
            self._local[key] = (token, value)
        return value

    def forget(self, key: Hashable) -> None:
        """Every process reloads ``key`` on its next read (now and after commit)."""
        shared = self.shared_key(key)
        cache.delete(shared)
        with self._lock:
            self._local.pop(key, None)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: cache.delete(shared), robust=True)
