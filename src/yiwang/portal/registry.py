"""What other modules plug into the web shell: workbench navigation, task providers, links.

Modules register from their ``AppConfig.ready()`` through :mod:`yiwang.portal.facade`::

    register_nav(_("Hotline"), "hotline:order_list", "hotline.view_order", order=20)
    register_task_provider(hotline_tasks_for)        # fn(user) -> iterable of TaskItem
    register_programme_link("hotline", "hotline:public_submit")

Registration is idempotent (re-registering the same URL name or function replaces/keeps one
entry), so a module reloaded by the test runner does not show up twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from yiwang.core.permissions import has_perm

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavEntry:
    """One entry of the workbench navigation, shown to users holding ``perm``."""

    label: str
    url_name: str
    perm: str | None = None
    order: int = 100
    description: str = ""


@dataclass(frozen=True)
class NavLink:
    """A navigation entry resolved for one user."""

    label: str
    url: str
    url_name: str
    description: str = ""


@dataclass(frozen=True)
class TaskItem:
    """A piece of work waiting for a user (a work order to sign, an application to review)."""

    title: str
    url: str
    module: str = ""
    due_at: dt.datetime | None = None
    overdue: bool = False


TaskProvider = Callable[[object], Iterable[TaskItem]]

_NAV: dict[str, NavEntry] = {}
_TASK_PROVIDERS: list[TaskProvider] = []
_PROGRAMME_LINKS: dict[str, str] = {}


def register_nav(
    label: str, url_name: str, perm: str | None = None, *, order: int = 100, description: str = ""
) -> NavEntry:
    """Add (or replace) the workbench entry for ``url_name``, visible with ``perm``.

    ``perm=None`` means every workbench user; ``label`` should be a lazy translation.
    """
    entry = NavEntry(
        label=label, url_name=url_name, perm=perm, order=order, description=description
    )
    _NAV[url_name] = entry
    return entry


def unregister_nav(url_name: str) -> None:
    _NAV.pop(url_name, None)


def nav_entries() -> list[NavEntry]:
    return sorted(_NAV.values(), key=lambda e: (e.order, str(e.label)))


def nav_for(user) -> list[NavLink]:
    """The entries ``user`` may open, in display order (entries whose URL is gone are skipped)."""
    links = []
    for entry in nav_entries():
        if entry.perm is not None and not has_perm(user, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            logger.warning("workbench entry %s points to an unknown URL name", entry.url_name)
            continue
        links.append(
            NavLink(
                label=str(entry.label),
                url=url,
                url_name=entry.url_name,
                description=str(entry.description),
            )
        )
    return links


def register_task_provider(fn: TaskProvider) -> TaskProvider:
    """Add ``fn(user) -> iterable of TaskItem`` to the workbench "my tasks" panel.

    Usable as a decorator. A provider must answer quickly (it runs on every workbench view)
    and return only what the user may see.
    """
    if fn not in _TASK_PROVIDERS:
        _TASK_PROVIDERS.append(fn)
    return fn


def unregister_task_provider(fn: TaskProvider) -> None:
    if fn in _TASK_PROVIDERS:
        _TASK_PROVIDERS.remove(fn)


def tasks_for(user, *, limit: int = 20) -> list[TaskItem]:
    """Tasks of every provider, overdue first, then by due time; a failing provider is logged
    and skipped so one broken module cannot take the workbench down."""
    items: list[TaskItem] = []
    for provider in list(_TASK_PROVIDERS):
        try:
            items.extend(provider(user))
        except Exception:
            logger.exception("task provider %r failed", provider)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda t: (not t.overdue, t.due_at or far))
    return items[:limit]


def register_programme_link(programme: str, url_name: str) -> None:
    """Make the public home page's card of ``programme`` link to ``url_name``.

    Until a module registers its public page the card is shown without a link.
    """
    _PROGRAMME_LINKS[programme] = url_name


def programme_url(programme: str) -> str | None:
    url_name = _PROGRAMME_LINKS.get(programme)
    if not url_name:
        return None
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None
