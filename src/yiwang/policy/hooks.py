"""The seam between publishing an item and what follows it (the precise push, 免申即享 grants).

``policy.services`` call :func:`item_published` after the transaction that publishes an item
commits (``transaction.on_commit``), and :func:`item_withdrawn` after one that takes a
published item offline (withdrawal of the item or of its document, or a revision). Both only
call the listeners registered with :func:`listen`, so the publication code does not depend on
the push: the push module registers its function in its ``AppConfig.ready`` (or a task
module imported there), e.g.::

    from yiwang.policy import hooks
    hooks.listen("published", lambda item_id, version: push_enqueue(item_id, version))

A listener gets ids, never objects, runs after the commit (the item is in the database as
published), and should only enqueue work: the database stays the source of truth, and the
daily re-match finds items a lost listener call left unpushed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

EVENTS = ("published", "withdrawn")
_LISTENERS: dict[str, list[Callable[..., None]]] = {event: [] for event in EVENTS}


def listen(event: str, fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn`` for ``event`` ("published": ``fn(item_id, version)``, "withdrawn":
    ``fn(item_id)``); registering twice is a no-op."""
    if event not in _LISTENERS:
        raise ValueError(f"unknown policy event {event!r}; use one of {EVENTS}")
    if fn not in _LISTENERS[event]:
        _LISTENERS[event].append(fn)
    return fn


def unlisten(event: str, fn: Callable[..., None]) -> None:
    if fn in _LISTENERS.get(event, ()):
        _LISTENERS[event].remove(fn)


def _call(event: str, *args) -> None:
    for fn in list(_LISTENERS[event]):
        try:
            fn(*args)
        except Exception:  # one failing listener must not hide the publication from the others
            logger.exception("policy %s listener %r failed for %r", event, fn, args)


def item_published(item_id: int, version: int) -> None:
    _call("published", item_id, version)


def item_withdrawn(item_id: int) -> None:
    _call("withdrawn", item_id)
