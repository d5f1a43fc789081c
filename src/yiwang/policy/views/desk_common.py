"""The enterprise service desk (企业服务台): the shell every enterprise-side page of the policy
app shares — the tabs (pushed policies, 免申即享 grants, 快申快享 applications, questions,
requests, the calculator) and the enterprise the page is about.

A page renders ``policy/desk_base.html`` with :func:`desk_context`. Tabs whose page is not
installed are left out (each part registers its URL name here, not in the template).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from yiwang.policy import selectors

# (key, label, URL name) in display order
DESK_TABS = [
    ("inbox", _("Policies for you"), "policy:desk"),
    ("grants", _("Granted without application"), "policy:desk_grants"),
    ("applications", _("Quick applications"), "policy:desk_applications"),
    ("questions", _("My questions"), "policy:desk_questions"),
    ("requests", _("My requests"), "policy:desk_requests"),
    ("calculator", _("Policy calculator"), "policy:calculator"),
]


def desk_tabs(active: str, uscc: str = "") -> list[dict]:
    query = f"?uscc={uscc}" if uscc else ""
    tabs = []
    for key, label, name in DESK_TABS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tabs.append({"key": key, "label": label, "url": url + query, "active": key == active})
    return tabs


def desk_context(request, seat, active: str, **extra) -> dict:
    """Context of a desk page about ``seat`` (an ``EnterpriseSeat`` of the user)."""
    seats = selectors.enterprise_seats(request.user)
    return {
        "seat": seat,
        "seats": seats,
        "desk_tabs": desk_tabs(active, seat.uscc if len(seats) > 1 else ""),
        "desk_active": active,
        **extra,
    }
