"""Citizen and enterprise pages: a new request, my requests, and rating a closed one."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.choices import AccountKind
from yiwang.core.errors import DomainError
from yiwang.hotline import selectors, services
from yiwang.hotline.choices import (
    Action,
    Channel,
    Rating,
    RequesterKind,
    Status,
)
from yiwang.hotline.forms import PublicRequestForm, RatingForm
from yiwang.hotline.views_workbench.common import (
    PAGE_SIZE,
    S,
    _get_order,
    public_page,
    report_error,
)

# --- citizens and enterprises ------------------------------------------------------------------


def _membership(user):
    return user.enterprise_memberships.select_related("enterprise").order_by("pk").first()


@public_page
@require_http_methods(["GET", "POST"])
def public_new(request):
    """诉求 filed online: a citizen on the web lane, an enterprise user on the enterprise lane
    with the enterprise's USCC (涉企)."""
    user = request.user
    member = _membership(user) if user.kind == AccountKind.ENTERPRISE else None
    initial = {"requester_name": user.display_name, "contact_phone": user.mobile}
    citizen = getattr(user, "citizen", None) if user.kind == AccountKind.CITIZEN else None
    if citizen is not None:
        initial["requester_name"] = citizen.real_name
    form = PublicRequestForm(request.POST or None, initial=initial)
    if user.kind == AccountKind.ENTERPRISE and member is None:
        form.add_error(None, _("Your account is not linked to an enterprise yet."))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = (request.POST.get("idem") or "").strip()[:60]
        lane = {}
        if member is not None:
            lane = {
                "channel": Channel.ENTERPRISE,
                "requester_kind": RequesterKind.ENTERPRISE,
                "enterprise_name": member.enterprise.name,
                "enterprise_uscc": member.enterprise.uscc,
            }
        try:
            order, _created = services.work_order_create(
                actor=user,
                channel=lane.pop("channel", Channel.WEB),
                requester_kind=lane.pop("requester_kind", RequesterKind.CITIZEN),
                category=data["category"],
                title=data.get("title") or "",
                content=data["content"],
                address=data.get("address") or "",
                requester_name=data["requester_name"],
                contact_phone=data["contact_phone"],
                confidential=data.get("confidential") or False,
                idempotency_key=f"web-{user.pk}-{key}" if key else None,
                **lane,
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Your request has been registered as %(number)s. Keep the number to track it.")
                % {"number": order.number},
            )
            return redirect("hotline:mine_detail", pk=order.pk)
    return render(
        request,
        "hotline/public_new.html",
        {
            "form": form,
            "member": member,
            "idem": request.POST.get("idem") or uuid.uuid4().hex,
        },
    )


@public_page
@require_GET
def mine(request):
    """我的诉求: the orders the user filed, newest first."""
    qs = selectors.work_order_list(actor=request.user).order_by("-received_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hotline/mine.html", {"page": page})


@public_page
@require_http_methods(["GET", "POST"])
def mine_detail(request, pk: int):
    """One of the user's orders: progress, the reply, and the rating of a closed order."""
    user = request.user
    order = _get_order(user, pk)
    form = RatingForm(request.POST or None, initial={"version": order.version})
    if request.method == "POST":
        if order.status != S.CLOSED:
            messages.warning(request, _("This request cannot be rated now."))
            return redirect("hotline:mine_detail", pk=order.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.work_order_callback(
                    actor=user,
                    order_id=order.pk,
                    version=data["version"],
                    rating=data["rating"],
                    solved=data["solved"],
                    note=data.get("note") or "",
                )
            except DomainError as exc:
                report_error(request, exc)
                return redirect("hotline:mine_detail", pk=order.pk)
            messages.success(request, _("Thank you for your rating."))
            return redirect("hotline:mine_detail", pk=order.pk)
    events = [
        {"label": Action(e.action).label, "at": e.at}
        for e in selectors.work_order_events(order=order)
        if e.action != Action.SLA_WARNING
    ]
    return render(
        request,
        "hotline/mine_detail.html",
        {
            "order": order,
            "status_label": Status(order.status).label,
            "events": events,
            "form": form,
            "can_rate": order.status == S.CLOSED,
            "rating_label": Rating(order.rating).label if order.rating else "",
        },
    )
