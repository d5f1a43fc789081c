"""Unit inbox, centre supervision board and the workbench task provider."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline.choices import (
    SlaLevel,
)
from yiwang.hotline.models import SlaPolicy
from yiwang.hotline.services.workflow import MAX_EXTENSION_DAYS, MAX_EXTENSIONS
from yiwang.hotline.views_workbench.common import (
    BOARD_CANDIDATES,
    BOARD_LIST_SIZE,
    INBOX_TABS,
    PAGE_SIZE,
    REPLY_CLOCK,
    Row,
    S,
    _is_public,
    _row,
    countdown_formats,
    staff_page,
)
from yiwang.worktime import facade as worktime

# --- unit inbox --------------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def inbox(request):
    """待签收 / 办理中 / 待审核 / 已办结 of the user's units, nearest deadline first."""
    actor = request.user
    tab = request.GET.get("tab", "sign")
    if tab not in INBOX_TABS:
        tab = "sign"
    _label, statuses, ordering = INBOX_TABS[tab]
    scoped = selectors.work_order_list(actor=actor)
    counts = scoped.aggregate(
        **{key: Count("pk", filter=Q(status__in=st)) for key, (_l, st, _o) in INBOX_TABS.items()}
    )
    qs = scoped.filter(status__in=statuses).select_related("sla_policy")
    if ordering.startswith("-"):
        qs = qs.order_by(ordering, "-pk")
    else:
        qs = qs.order_by(f"{ordering}", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "tab": tab,
        "tabs": [
            {"key": key, "label": lbl, "count": counts[key]}
            for key, (lbl, _s, _o) in INBOX_TABS.items()
        ],
        "page": page,
        "rows": [_row(actor, o, now) for o in page.object_list],
        "refresh_url": request.get_full_path(),
        "countdown_formats": countdown_formats(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "hotline/_inbox_rows.html", context)
    return render(request, "hotline/inbox.html", context)


# --- centre supervision board ------------------------------------------------------------------


def _yellow_horizon(now: dt.datetime) -> dt.datetime:
    """A deadline later than this cannot be yellow yet: the remaining office time exceeds
    (1 − lowest yellow ratio) × the longest possible allowance (longest handling limit plus
    every extension)."""
    policies = SlaPolicy.objects.filter(active=True)
    longest = max([p.handle_days for p in policies] or [8]) + MAX_EXTENSIONS * MAX_EXTENSION_DAYS
    lowest = min([p.yellow_ratio for p in policies] or [0.75])
    days = int(longest * (1 - float(lowest))) + 1
    return worktime.add_working_days(now, days).deadline


def _board_warnings(actor, now: dt.datetime) -> dict[str, list[Row]]:
    scoped = selectors.work_order_list(actor=actor).select_related("sla_policy")
    horizon = _yellow_horizon(now)
    running = (
        Q(status=S.DISPATCHED, sign_deadline__lte=horizon)
        | Q(status__in=REPLY_CLOCK, reply_deadline__lte=horizon)
        | Q(status=S.CLOSED, callback_deadline__lte=horizon)
    )
    found: dict[str, list[Row]] = {SlaLevel.OVERDUE: [], SlaLevel.RED: [], SlaLevel.YELLOW: []}
    candidates = scoped.filter(running).order_by("reply_deadline", "pk")[:BOARD_CANDIDATES]
    for order in candidates:
        row = _row(actor, order, now)
        if row.clock is not None and row.clock.level in found:
            found[row.clock.level].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r.clock.deadline)
    return found


@staff_page(perms.SUPERVISE)
@require_GET
def board(request):
    """督办 board of the centre: warnings and every queue waiting for the centre."""
    actor = request.user
    now = timezone.now()
    warnings = _board_warnings(actor, now)
    scoped = selectors.work_order_list(actor=actor).select_related("sla_policy")
    queues = [
        ("received", _("Received, awaiting dispatch"), Q(status=S.RECEIVED), "received_at"),
        ("returns", _("Returns awaiting review"), Q(status=S.RETURN_REQUESTED), "received_at"),
        (
            "extensions",
            _("Extensions awaiting approval"),
            Q(extension_pending_days__isnull=False, status__in=[S.SIGNED, S.IN_PROGRESS, S.PAUSED]),
            "reply_deadline",
        ),
        ("replies", _("Replies awaiting review"), Q(status=S.REPLIED), "replied_at"),
        ("callbacks", _("Closed, awaiting callback"), Q(status=S.CLOSED), "callback_deadline"),
    ]
    counts = scoped.aggregate(**{key: Count("pk", filter=q) for key, _l, q, _o in queues})
    sections = [
        {
            "key": level,
            "label": SlaLevel(level).label,
            "count": len(rows),
            "rows": rows[:BOARD_LIST_SIZE],
            "urge": level in (SlaLevel.OVERDUE, SlaLevel.RED),
        }
        for level, rows in warnings.items()
    ]
    for key, label, q, ordering in queues:
        rows = scoped.filter(q).order_by(ordering, "pk")[:BOARD_LIST_SIZE]
        sections.append(
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "rows": [_row(actor, o, now) for o in rows],
                "urge": False,
            }
        )
    return render(
        request,
        "hotline/board.html",
        {
            "sections": sections,
            "urge_note": _("Please handle this order promptly."),
            "countdown_formats": countdown_formats(),
        },
    )


# --- workbench task provider -------------------------------------------------------------------


def hotline_tasks_for(user) -> list:
    """ "N orders to sign" etc. for the workbench home (one aggregate query per role kind)."""
    from yiwang.portal.facade import TaskItem

    if not getattr(user, "is_authenticated", False) or _is_public(user):
        return []
    if not has_perm(user, perms.VIEW):
        return []
    now = timezone.now()
    scoped = selectors.work_order_list(actor=user)
    items = []
    module = _("12345")
    inbox_url = reverse("hotline:inbox")
    board_url = reverse("hotline:board")
    wanted = []
    if has_perm(user, perms.HANDLE):
        wanted += [
            (
                "sign",
                Q(status=S.DISPATCHED),
                "sign_deadline",
                f"{inbox_url}?tab=sign",
                lambda n: ngettext("%(n)d order to sign for", "%(n)d orders to sign for", n),
            ),
            (
                "doing",
                Q(status__in=[S.SIGNED, S.IN_PROGRESS]),
                "reply_deadline",
                f"{inbox_url}?tab=doing",
                lambda n: ngettext("%(n)d order in progress", "%(n)d orders in progress", n),
            ),
        ]
    if has_perm(user, perms.DISPATCH):
        wanted += [
            (
                "received",
                Q(status=S.RECEIVED),
                "received_at",
                board_url,
                lambda n: ngettext(
                    "%(n)d order awaiting dispatch", "%(n)d orders awaiting dispatch", n
                ),
            ),
            (
                "returns",
                Q(status=S.RETURN_REQUESTED),
                "reply_deadline",
                board_url,
                lambda n: ngettext(
                    "%(n)d return awaiting review", "%(n)d returns awaiting review", n
                ),
            ),
        ]
    if has_perm(user, perms.REVIEW):
        wanted += [
            (
                "replies",
                Q(status=S.REPLIED),
                "reply_deadline",
                board_url,
                lambda n: ngettext(
                    "%(n)d reply awaiting review", "%(n)d replies awaiting review", n
                ),
            ),
        ]
    if has_perm(user, perms.CALLBACK):
        wanted += [
            (
                "callbacks",
                Q(status=S.CLOSED),
                "callback_deadline",
                board_url,
                lambda n: ngettext(
                    "%(n)d order awaiting callback", "%(n)d orders awaiting callback", n
                ),
            ),
        ]
    if not wanted:
        return []
    spec = {}
    for key, q, due, *_rest in wanted:
        spec[f"{key}_n"] = Count("pk", filter=q)
        spec[f"{key}_due"] = Min(due, filter=q)
    agg = scoped.order_by().aggregate(**spec)
    for key, _q, due_field, url, title in wanted:
        n = agg[f"{key}_n"]
        if not n:
            continue
        due = agg[f"{key}_due"] if due_field != "received_at" else None
        items.append(
            TaskItem(
                title=title(n) % {"n": n},
                url=url,
                module=module,
                due_at=due,
                overdue=bool(due and due < now),
            )
        )
    return items
