"""Shared pieces of the hotline's pages: access decorators, SLA display (colours and
countdowns), list rows with identity masking, action-input parsing and error messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core import pii
from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, DomainError, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline.choices import (
    Category,
    Clock,
    SlaLevel,
    Status,
)
from yiwang.hotline.models import WorkOrder
from yiwang.hotline.services.sla import order_clocks, order_sla_levels

S = Status
PAGE_SIZE = 30
BOARD_LIST_SIZE = 20
# Upper bound of rows whose SLA ratio the board computes in Python (nearest deadlines first).
BOARD_CANDIDATES = 2000

LEVEL_CSS = {
    SlaLevel.NORMAL: ("text-bg-success", ""),
    SlaLevel.YELLOW: ("text-bg-warning", "table-warning"),
    SlaLevel.RED: ("text-bg-danger", "table-danger"),
    SlaLevel.OVERDUE: ("text-bg-dark", "table-danger yw-overdue"),
}
LEVEL_RANK = {SlaLevel.NORMAL: 0, SlaLevel.YELLOW: 1, SlaLevel.RED: 2, SlaLevel.OVERDUE: 3}

# Inbox tabs: 待签收 / 办理中 / 待审核 / 已办结.
INBOX_TABS = {
    "sign": (gettext_lazy("To sign for"), [S.DISPATCHED], "sign_deadline"),
    "doing": (
        gettext_lazy("In progress"),
        [S.SIGNED, S.IN_PROGRESS, S.PAUSED, S.RETURN_REQUESTED],
        "reply_deadline",
    ),
    "review": (gettext_lazy("Awaiting review"), [S.REPLIED], "reply_deadline"),
    "done": (gettext_lazy("Closed"), [S.CLOSED, S.CALLED_BACK], "-closed_at"),
}
REPLY_CLOCK = [S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.RETURN_REQUESTED]


# --- access ------------------------------------------------------------------------------------


def _is_public(user) -> bool:
    return user.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE)


def staff_page(perm: str):
    """A staff page needing ``perm``; signed-in users without it get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if _is_public(request.user) or not has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def public_page(view):
    """A page of citizens and enterprise users (staff get 403: they use the workbench)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not _is_public(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _get_order(actor, pk: int) -> WorkOrder:
    try:
        return selectors.work_order_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404 from None


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _city_id(user) -> int | None:
    return selectors.city_root_id(user)


# --- SLA display -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    clock: str
    label: str
    deadline: dt.datetime
    level: str
    level_label: str
    badge: str
    row: str
    countdown: str


def countdown_text(deadline: dt.datetime | None, now: dt.datetime) -> str:
    """ "1d 3h 20m left" / "overdue by 2h 5m" (calendar time; workbench.js keeps it live)."""
    if deadline is None:
        return ""
    seconds = int((deadline - now).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    span = _("%(d)dd %(h)dh %(m)dm") % {"d": days, "h": hours, "m": minutes}
    if overdue:
        return _("overdue by %(span)s") % {"span": span}
    return _("%(span)s left") % {"span": span}


def countdown_formats() -> dict[str, str]:
    """The countdown texts with ``{d}``/``{h}``/``{m}``/``{span}`` slots for workbench.js."""
    return {
        "span": _("%(d)dd %(h)dh %(m)dm")
        .replace("%(d)d", "{d}")
        .replace("%(h)d", "{h}")
        .replace("%(m)d", "{m}"),
        "left": _("%(span)s left").replace("%(span)s", "{span}"),
        "over": _("overdue by %(span)s").replace("%(span)s", "{span}"),
    }


def clock_views(order: WorkOrder, now: dt.datetime) -> list[ClockView]:
    levels = order_sla_levels(order, now)
    views = []
    for clock, _start, deadline, _paused in order_clocks(order):
        level = levels.get(clock, SlaLevel.NORMAL)
        badge, row = LEVEL_CSS[level]
        views.append(
            ClockView(
                clock=clock,
                label=str(Clock(clock).label),
                deadline=deadline,
                level=level,
                level_label=str(SlaLevel(level).label),
                badge=badge,
                row=row,
                countdown=countdown_text(deadline, now),
            )
        )
    return views


@dataclass
class Row:
    """One order in a list, with its worst running clock."""

    order: WorkOrder
    requester: str
    phone: str
    clock: ClockView | None

    @property
    def status_label(self) -> str:
        return str(Status(self.order.status).label)

    @property
    def category_label(self) -> str:
        return str(Category(self.order.category).label)


def sees_identity(actor, order: WorkOrder) -> bool:
    """保密: units never see a confidential requester's identity; the centre and owner do."""
    if not order.confidential or _is_public(actor):
        return True
    return has_perm(actor, perms.VIEW_CITY)


def _row(actor, order: WorkOrder, now: dt.datetime) -> Row:
    identity = sees_identity(actor, order)
    clocks = clock_views(order, now)
    worst = max(clocks, key=lambda c: LEVEL_RANK[c.level]) if clocks else None
    return Row(
        order=order,
        requester=order.requester_name if identity else "***",
        phone=pii.mask_phone(order.contact_phone) if identity else "***",
        clock=worst,
    )


# --- input and errors ----------------------------------------------------------------------


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        message = _("Enter a whole number.")
        raise InvalidInput(
            "invalid", message, errors=[{"field": field, "code": "invalid", "message": message}]
        ) from None


def _flag(value) -> bool:
    return value in ("1", "true", "on", "yes")


def report_error(request, exc: DomainError) -> None:
    """A service's refusal as a message on the next page."""
    if isinstance(exc, Conflict) and exc.code == "hotline.concurrent_change":
        messages.warning(
            request,
            _(
                "Someone else changed this order in the meantime; it has been reloaded. Check it "
                "and try again."
            ),
        )
    elif exc.errors:
        shown = set()
        for err in exc.errors:
            text = str(err.get("message") or "")
            if not text or text == err.get("field"):  # a bare field name says nothing
                text = exc.message
            if text not in shown:
                shown.add(text)
                messages.error(request, text)
    else:
        messages.error(request, exc.message)
