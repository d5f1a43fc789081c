"""One engine per calendar per process, rebuilt when the calendar's version changes.

Services invalidate the local engine immediately (and again on commit). Other processes notice
a change through :func:`yiwang.worktime.selectors.calendar_versions` — one small query at most
every :data:`VERSION_CHECK_SECONDS`, made by the next computation after a daemon "ticker" thread
raised :attr:`_State.due`. The hot path therefore costs a dict lookup and an attribute read, no
clock call (the facade inlines exactly that: ``STATE.engines.get(code)`` and ``STATE.due``).
"""

from __future__ import annotations

import os
import threading
import time

from django.utils.translation import gettext

from yiwang.worktime import selectors
from yiwang.worktime.engine import CalendarEngine, invalid

VERSION_CHECK_SECONDS = 2.0


class _State:
    __slots__ = ("due", "engines", "lock", "ticker_pid")

    def __init__(self) -> None:
        self.engines: dict[str, CalendarEngine] = {}  # mutated in place, never rebound
        self.lock = threading.Lock()
        self.due = True  # compare versions with the database before the next computation
        self.ticker_pid: int | None = None  # process whose ticker thread is running


STATE = _State()


def _tick(pid: int) -> None:
    while STATE.ticker_pid == pid:
        time.sleep(VERSION_CHECK_SECONDS)
        STATE.due = True


def _ensure_ticker() -> None:
    pid = os.getpid()
    if STATE.ticker_pid != pid:
        STATE.ticker_pid = pid
        threading.Thread(
            target=_tick, args=(pid,), name="worktime-version-ticker", daemon=True
        ).start()


def _after_fork_in_child() -> None:
    # Threads do not survive fork: the child checks at once and starts its own ticker.
    STATE.ticker_pid = None
    STATE.due = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def get_engine(code: str) -> CalendarEngine:
    """The engine of calendar ``code``; unknown codes raise ``InvalidInput`` on ``calendar``."""
    if STATE.due:
        _check_versions()
    engine = STATE.engines.get(code)
    if engine is None:
        engine = _build(code)
    return engine


def _check_versions() -> None:
    _ensure_ticker()
    STATE.due = False  # before the query: a tick during it is not lost
    versions = selectors.calendar_versions()
    for code, engine in list(STATE.engines.items()):
        if versions.get(code) != engine.version:
            STATE.engines.pop(code, None)


def _build(code: str) -> CalendarEngine:
    with STATE.lock:
        engine = STATE.engines.get(code)
        if engine is not None:
            return engine
        data = selectors.calendar_data(code=code)
        if data is None:
            raise invalid(
                "calendar",
                "worktime.unknown_calendar",
                gettext("Unknown calendar %(code)s.") % {"code": code},
            )
        engine = CalendarEngine(data)
        STATE.engines[code] = engine
        return engine


def invalidate(code: str | None = None) -> None:
    """Drop the engine of ``code`` (all engines if ``None``); the next use rebuilds it."""
    if code is None:
        STATE.engines.clear()
        STATE.due = True
    else:
        STATE.engines.pop(code, None)


def expire_version_check() -> None:
    """Make the next computation compare versions with the database (tests, admin tools)."""
    STATE.due = True
