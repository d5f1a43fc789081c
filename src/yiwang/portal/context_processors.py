"""Template context of the web shell: city name, navigation, unread messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from yiwang.portal import registry, selectors


def _lazy(fn: Callable[[], Any]) -> Callable[[], Any]:
    """A callable the template engine calls on first use only; pages that never show a value
    (an admin page, an error page) never pay for its queries."""
    return cache(fn)


def shell(request) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)

    def unread() -> int:
        if not signed_in:
            return 0
        from yiwang.notify import facade as notify

        return notify.inbox_unread_count(user)

    def is_staff_user() -> bool:
        return selectors.is_workbench_user(user)

    def nav() -> list[registry.NavLink]:
        return registry.nav_for(user) if selectors.is_workbench_user(user) else []

    return {
        "city_name": _lazy(selectors.city_name),
        "shell_nav": _lazy(nav),
        "inbox_unread": _lazy(unread),
        "is_workbench_user": _lazy(is_staff_user),
    }
