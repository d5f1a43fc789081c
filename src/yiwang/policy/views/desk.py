"""The enterprise service desk's own pages: the inbox of pushed policies (opening one marks it
read), 免申即享 grants, 快申快享 applications and the prefilled application of an item.

Every page is about one enterprise of the user (``?uscc=`` when they act for several); another
enterprise's credit code or record is 404, like a missing one.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.errors import DomainError, InvalidInput
from yiwang.policy import selectors
from yiwang.policy import selectors_desk as desk_selectors
from yiwang.policy.choices import ItemStatus
from yiwang.policy.services import applications as apps
from yiwang.policy.services import inbox
from yiwang.policy.views.common import PAGE_SIZE, enterprise_page
from yiwang.policy.views.desk_common import desk_context
from yiwang.portal.facade import BootstrapForm


class ApplyForm(BootstrapForm):
    note = forms.CharField(
        label=_("Note to the department (optional)"),
        required=False,
        max_length=apps.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def seat_of(request, uscc: str | None = None):
    """The enterprise the page is about (a malformed or foreign credit code is 404)."""
    try:
        return selectors.enterprise_seat_get(
            actor=request.user, uscc=uscc if uscc is not None else request.GET.get("uscc")
        )
    except InvalidInput:
        raise Http404 from None


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@enterprise_page
@require_GET
def desk(request):
    seat = seat_of(request)
    qs = desk_selectors.desk_pushes(actor=request.user, seat=seat)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "policy/desk_inbox.html",
        desk_context(
            request,
            seat,
            "inbox",
            page=page,
            unread=desk_selectors.desk_unread_count(actor=request.user, seat=seat),
            unread_only=unread_only,
            query=_query(request),
        ),
    )


@enterprise_page
@require_GET
def desk_push(request, pk: int):
    push, seat = desk_selectors.desk_push_get(actor=request.user, push_id=pk)
    read = inbox.push_mark_read(actor=request.user, push_id=pk)
    push.status, push.read_at = read.status, read.read_at
    item = push.item
    grant, application = desk_selectors.push_follow_up(push)
    return render(
        request,
        "policy/desk_push.html",
        desk_context(
            request,
            seat,
            "inbox",
            push=push,
            item=item,
            document=item.document,
            grant=grant,
            application=application,
            published=item.status == ItemStatus.PUBLISHED,
        ),
    )


@enterprise_page
@require_GET
def desk_grants(request):
    seat = seat_of(request)
    qs = desk_selectors.desk_grants(actor=request.user, seat=seat)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "policy/desk_grants.html",
        desk_context(
            request,
            seat,
            "grants",
            page=page,
            totals=desk_selectors.grant_totals(qs),
            query=_query(request),
        ),
    )


@enterprise_page
@require_GET
def desk_applications(request):
    seat = seat_of(request)
    qs = desk_selectors.desk_applications(actor=request.user, seat=seat)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "policy/desk_applications.html",
        desk_context(request, seat, "applications", page=page, query=_query(request)),
    )


def _apply_page(request, seat, context: dict, refusal: DomainError | None = None, status=200):
    response = render(
        request,
        "policy/desk_apply.html",
        desk_context(request, seat, "applications", refusal=refusal, **context),
    )
    response.status_code = refusal.status if refusal is not None else status
    return response


@enterprise_page
@require_http_methods(["GET", "POST"])
def desk_apply(request, item_id: int):
    actor = request.user
    uscc = request.POST.get("uscc") if request.method == "POST" else request.GET.get("uscc")
    seat = seat_of(request, uscc or "")
    form = ApplyForm(request.POST if request.method == "POST" else None)
    item = selectors.public_item_get(item_id=item_id)  # 404 before anything else
    context = {"item": item, "form": form, "prefill": None}
    try:
        context["prefill"] = desk_selectors.application_prefill(
            actor=actor, item_id=item_id, uscc=seat.uscc
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _apply_page(request, seat, context, exc)
    if request.method == "POST" and form.is_valid():
        try:
            apps.application_submit(
                actor=actor, item_id=item_id, uscc=seat.uscc, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            return _apply_page(request, seat, context, exc)
        messages.success(
            request,
            _("Your application is submitted. The department will answer within 60 working days."),
        )
        return redirect(f"{reverse('policy:desk_applications')}?uscc={seat.uscc}")
    return _apply_page(request, seat, context, status=422 if form.is_bound else 200)
