"""Keeping the matching engine in step with the registry, per process.

The database is the source of truth. Each process holds one :class:`Matcher` per city: a
:class:`~yiwang.policy.engine.Snapshot` built from the registry's streamed profiles, the
cursor of the registry's change feed it has applied, and a small **delta** — the fresh
profiles of enterprises changed (or created) since the snapshot was built. Their rows in the
snapshot are marked stale and left out of its answers; the delta profiles are evaluated
directly by the exact evaluator. The snapshot is rebuilt when the delta grows past
``REBUILD_SHARE`` of the registry, when the date changes (relative dates and "holds today"
move), or on demand (the nightly re-match).

Before answering, a matcher asks the change feed for news at most every ``POLL_SECONDS`` (one
indexed query); ``fresh=True`` forces it (a publication, a test).

Per-item results are cached with the snapshot (``item_key`` → bitmap of snapshot rows), so
"every item one enterprise qualifies for" is one membership test per item plus the delta.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable

import numpy as np
from django.utils import timezone
from pyroaring import BitMap

from yiwang.policy import rules
from yiwang.policy.engine import Snapshot
from yiwang.registry import facade as registry

POLL_SECONDS = 1.0
REBUILD_SHARE = 0.02
MIN_REBUILD = 2000


class Matcher:
    def __init__(self, city_id: int) -> None:
        self.city_id = city_id
        self.lock = threading.RLock()
        self.snapshot: Snapshot | None = None
        self.cursor = 0
        self.polled = 0.0
        self.stale = BitMap()
        self.delta: dict[int, dict] = {}
        self.items: dict[object, BitMap] = {}
        self.builds = 0

    # --- freshness --------------------------------------------------------------------------

    def rebuild(self, *, today: dt.date | None = None) -> None:
        with self.lock:
            cursor = registry.change_cursor()
            today = today or timezone.localdate()
            self.snapshot = Snapshot(registry.matchable_profiles(city_id=self.city_id), today=today)
            self.cursor = cursor
            self.stale = BitMap()
            self.delta = {}
            self.items = {}
            self.polled = time.monotonic()
            self.builds += 1

    def refresh(self, *, fresh: bool = False, today: dt.date | None = None) -> Snapshot:
        """The snapshot, brought up to date with the change feed if due (or ``fresh``)."""
        with self.lock:
            today = today or timezone.localdate()
            if self.snapshot is None or self.snapshot.today != today:
                self.rebuild(today=today)
                return self.snapshot
            if not fresh and time.monotonic() - self.polled < POLL_SECONDS:
                return self.snapshot
            self.polled = time.monotonic()
            while True:
                cursor, changed = registry.changed_since(self.cursor)
                if not changed:
                    break
                self.cursor = cursor
                for profile in registry.matchable_profiles(city_id=self.city_id, ids=changed):
                    self.delta[profile["id"]] = profile
                    row = self.snapshot.row_of(profile["id"])
                    if row is not None:
                        self.stale.add(row)
            if len(self.delta) > max(MIN_REBUILD, REBUILD_SHARE * self.snapshot.size):
                self.rebuild(today=today)
            return self.snapshot

    # --- answers ----------------------------------------------------------------------------

    def _base(self, tree: dict, key: object | None) -> BitMap:
        if key is not None and key in self.items:
            return self.items[key]
        rows = self.snapshot.match(tree)
        if key is not None:
            self.items[key] = rows
        return rows

    def match_ids(
        self,
        tree: dict,
        *,
        key: object | None = None,
        fresh: bool = False,
        today: dt.date | None = None,
    ) -> np.ndarray:
        """Sorted ids of the enterprises matching a checked rule. ``key`` (an item id and
        version) caches the snapshot's part of the answer. ``today`` (default: the local date)
        is the reference date of relative dates and "holds" (a new day rebuilds)."""
        with self.lock:
            snapshot = self.refresh(fresh=fresh, today=today)
            rows = self._base(tree, key) - self.stale
            ids = snapshot.ids_of(rows)
            if self.delta:
                extra = [
                    pk
                    for pk, profile in self.delta.items()
                    if rules.matches(tree, profile, today=snapshot.today)
                ]
                ids = np.union1d(ids, np.asarray(extra, dtype=np.int64))
            return ids

    def count(self, tree: dict, *, fresh: bool = False, today: dt.date | None = None) -> int:
        return len(self.match_ids(tree, fresh=fresh, today=today))

    def items_for(
        self,
        enterprise_id: int,
        items: Iterable[tuple[object, dict]],
        *,
        fresh: bool = False,
        today: dt.date | None = None,
    ) -> list[object]:
        """Keys of the items (``(key, tree)`` pairs) the enterprise qualifies for now."""
        with self.lock:
            snapshot = self.refresh(fresh=fresh, today=today)
            profile = self.delta.get(enterprise_id)
            if profile is not None:
                return [k for k, t in items if rules.matches(t, profile, today=snapshot.today)]
            row = snapshot.row_of(enterprise_id)
            if row is None:
                return []
            return [k for k, t in items if row in self._base(t, k)]

    def profile(self, enterprise_id: int) -> dict | None:
        """The enterprise's current matchable profile (from the database)."""
        found = list(registry.matchable_profiles(city_id=self.city_id, ids=[enterprise_id]))
        return found[0] if found else None


_MATCHERS: dict[int, Matcher] = {}
_GUARD = threading.Lock()


def matcher_for(city_id: int) -> Matcher:
    """This process's matcher of a city (built on first use)."""
    with _GUARD:
        matcher = _MATCHERS.get(city_id)
        if matcher is None:
            matcher = _MATCHERS[city_id] = Matcher(city_id)
        return matcher


def matchers_reset() -> None:
    """Forget every matcher (tests; a process that must rebuild from scratch)."""
    with _GUARD:
        _MATCHERS.clear()
