"""Enterprise requests (企业诉求) on the enterprise service desk: raise a request, which becomes
an enterprise-lane 12345 work order through the hotline facade, and follow its progress (the
list with each request's status and latest step; a request's steps, timeline and reply).

Every user of an enterprise sees the enterprise's requests; another enterprise's is 404. The
hotline validates the input (its per-field errors land on the form)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.hotline import facade as hotline
from yiwang.policy import selectors
from yiwang.policy.views.common import PAGE_SIZE, enterprise_page
from yiwang.policy.views.desk_common import desk_context
from yiwang.portal.facade import BootstrapForm


class RequestForm(BootstrapForm):
    """Field names are the hotline's, so its per-field errors land next to the inputs."""

    category = forms.ChoiceField(label=gettext_lazy("Category"))
    title = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=200)
    content = forms.CharField(
        label=gettext_lazy("Your request"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("The handling unit calls back on this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    idem = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = hotline.request_categories()


def _seat(request):
    uscc = request.POST.get("uscc") or request.GET.get("uscc")
    try:
        return selectors.enterprise_seat_get(actor=request.user, uscc=uscc)
    except InvalidInput:  # a malformed credit code names no enterprise of the user's
        raise Http404 from None


def _query(seat, seats) -> str:
    return f"?uscc={seat.uscc}" if len(seats) > 1 else ""


@enterprise_page
@require_http_methods(["GET", "POST"])
def desk_requests(request):
    user = request.user
    seat = _seat(request)
    seats = selectors.enterprise_seats(user)
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created, _new = hotline.enterprise_request_submit(
                    actor=user,
                    uscc=seat.uscc,
                    enterprise_name=seat.name,
                    category=data["category"],
                    title=data["title"],
                    content=data["content"],
                    contact_phone=data["contact_phone"],
                    idempotency_key=data["idem"] or None,
                )
            except NotFound:
                raise
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your request is registered as 12345 work order %(number)s on the "
                        "enterprise lane."
                    )
                    % {"number": created.number},
                )
                return redirect(
                    reverse("policy:desk_request", args=[created.number]) + _query(seat, seats)
                )
    else:
        form = RequestForm(
            initial={"category": "help", "contact_phone": user.mobile, "idem": uuid.uuid4().hex}
        )
    try:
        wanted = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        wanted = 1
    rows, total = hotline.enterprise_requests(
        actor=user, usccs=[seat.uscc], limit=PAGE_SIZE, offset=(wanted - 1) * PAGE_SIZE
    )
    # the hotline pages the orders; a Paginator over the count gives the pager its numbers
    page = Paginator(range(total), PAGE_SIZE).get_page(wanted)
    if page.number != wanted:  # past the last page: show the last one
        rows, total = hotline.enterprise_requests(
            actor=user, usccs=[seat.uscc], limit=PAGE_SIZE, offset=(page.number - 1) * PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/desk_requests.html",
        desk_context(
            request,
            seat,
            "requests",
            form=form,
            rows=rows,
            page=page,
            query=query.urlencode(),
            open_form=request.method == "POST" or not total,
        ),
    )


def _steps(ref) -> list[dict]:
    """The stepper of the hotline's tracking page: done, current and to-do steps."""
    if ref.step is None:
        return []
    last = len(ref.steps) - 1
    states = []
    for i, label in enumerate(ref.steps):
        if i < ref.step or i == ref.step == last:
            state = "done"
        elif i == ref.step:
            state = "current"
        else:
            state = "todo"
        states.append({"label": label, "state": state})
    return states


@enterprise_page
@require_GET
def desk_request(request, number: str):
    seat = _seat(request)
    ref = hotline.enterprise_request_detail(actor=request.user, uscc=seat.uscc, number=number)
    return render(
        request,
        "policy/desk_requests_detail.html",
        desk_context(
            request,
            seat,
            "requests",
            req=ref,
            steps=_steps(ref),
            # a request without a subject is titled with its first words: no need to repeat
            show_title=not ref.content.startswith(ref.title),
        ),
    )
