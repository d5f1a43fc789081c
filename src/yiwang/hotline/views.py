"""Public pages of the hotline: tracking an order by its number and the contact phone."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from yiwang.core.errors import NotFound
from yiwang.core.middleware import client_ip
from yiwang.hotline import selectors
from yiwang.hotline.choices import STEP_OF_STATUS, STEPS, Action, Status

TRACK_LIMIT = 20  # attempts per client IP ...
TRACK_WINDOW = 600  # ... per 10 minutes


# 受理 → 派单 → 签收 → 办理 → 答复 → 办结 → 回访
class NoEchoInput(forms.TextInput):
    """A text input that never writes the submitted value back into the page."""

    def format_value(self, value):
        return None


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Order number"),
        max_length=32,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        help_text=_("The phone number you gave when the request was taken."),
        widget=NoEchoInput(
            attrs={"class": "form-control", "autocomplete": "tel", "inputmode": "tel"}
        ),
    )


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


def _take_attempt(request) -> bool:
    """Count one lookup for the client's IP; False once the window's allowance is used up."""
    key = f"hotline:track:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=TRACK_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=TRACK_WINDOW)
        count = 1
    return count <= TRACK_LIMIT


def _steps(status: str) -> list[Step] | None:
    reached = STEP_OF_STATUS.get(status)
    if reached is None:
        return None
    last = len(STEPS) - 1
    return [
        Step(
            str(label),
            "done"
            if i < reached or (i == reached == last)
            else "current"
            if i == reached
            else "todo",
        )
        for i, label in enumerate(STEPS)
    ]


@never_cache
@sensitive_post_parameters("phone")
@require_http_methods(["GET", "POST"])
def track(request):
    """The form, and on submit the order's progress: status, steps, timeline, unit, deadline.

    Nothing personal is shown (no name, phone, address, content or staff), and a wrong number
    and a wrong phone give the same answer so numbers cannot be probed.
    """
    context: dict = {"limited": False, "not_found": False, "order": None}
    submitted = request.method == "POST"
    form = TrackForm(request.POST if submitted else None)
    context["form"] = form
    status = 200
    if submitted:
        if not _take_attempt(request):
            context["limited"] = True
            status = 429
        elif form.is_valid():
            try:
                order = selectors.work_order_track(
                    number=form.cleaned_data["number"], phone=form.cleaned_data["phone"]
                )
            except NotFound:
                context["not_found"] = True
            else:
                context["order"] = {
                    "number": order.number,
                    "status_label": Status(order.status).label,
                    "received_at": order.received_at,
                    "closed_at": order.closed_at,
                    "unit": order.lead_unit.name if order.lead_unit_id else "",
                    "reply_deadline": order.reply_deadline,
                    "steps": _steps(order.status),
                    "timeline": [
                        {"label": Action(e.action).label, "at": e.at}
                        for e in selectors.work_order_events(order=order)
                        if e.action != Action.SLA_WARNING
                    ],
                }
    return render(request, "hotline/track.html", context, status=status)
