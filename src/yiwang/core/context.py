"""Per-request (or per-task) context: request id, source IP and acting user for audit records."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    channel: str = ""  # web | api | cli | task


_EMPTY = RequestContext()  # frozen, so sharing it as the default is safe
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "yiwang_request_context",
    default=_EMPTY,
)


def current() -> RequestContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bind(**values):
    """Bind context values (e.g. ``channel="cli"``) for the duration of a block."""
    base = _current.get()
    if not base.request_id and "request_id" not in values:
        values["request_id"] = new_request_id()
    token = _current.set(replace(base, **values))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
