"""Officers' pages of what follows a qualifying enterprise: the 免申即享 grants of an item
(filters, totals, pay one by one or selected in bulk with a payment reference, revoke) and the
快申快享 application queue (due dates, overdue in red, approve / reject, mark paid).

Reading needs ``policy.view`` (leaders read the city's); the actions ``policy.manage`` on the
item — the services decide and refuse (their message is shown).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy import selectors_desk as desk_selectors
from yiwang.policy.choices import ApplicationStatus, GrantStatus
from yiwang.policy.services import applications as apps
from yiwang.policy.services import grants as grant_services
from yiwang.policy.views.common import PAGE_SIZE, staff_page
from yiwang.portal.facade import BootstrapForm


class GrantFilterForm(BootstrapForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Disbursement status"),
        required=False,
        choices=[("", gettext_lazy("any status")), *GrantStatus.choices],
    )
    district = forms.TypedChoiceField(
        label=gettext_lazy("District"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", gettext_lazy("every district")), *districts]


class ApplicationFilterForm(BootstrapForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("waiting for the department")), *ApplicationStatus.choices],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)


def _back(request, fallback: str):
    """Back to the list the form was posted from (its filters and page), else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _may_manage(actor, item_id: int) -> bool:
    return (
        has_perm(actor, perms.MANAGE)
        and selectors.items_visible(actor=actor, perm=perms.MANAGE).filter(pk=item_id).exists()
    )


# --- 免申即享 grants ------------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def item_grants(request, pk: int):
    actor = request.user
    item = selectors.item_get(actor=actor, item_id=pk)
    filters = GrantFilterForm(request.GET or None, districts=desk_selectors.grant_districts(item))
    status = district = None
    if request.GET and filters.is_valid():
        status = filters.cleaned_data["status"] or None
        district = filters.cleaned_data["district"]
    qs = desk_selectors.grants_of(item, status=status, district_id=district)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/grants_item.html",
        {
            "item": item,
            "document": item.document,
            "filters": filters,
            "page": page,
            "totals": desk_selectors.grant_totals(
                desk_selectors.grants_of(item, district_id=district)
            ),
            "may_manage": _may_manage(actor, item.pk),
            "query": query.urlencode(),
            "Status": GrantStatus,
        },
    )


@staff_page(perms.MANAGE)
@require_POST
def grant_pay(request, pk: int):
    revision = request.POST.get("revision")
    try:
        grant = grant_services.grant_pay(
            actor=request.user,
            grant_id=pk,
            payment_reference=request.POST.get("payment_reference", ""),
            revision=int(revision) if revision and revision.isdigit() else None,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, reverse("policy:documents"))
    messages.success(request, _("The grant is marked paid."))
    return _back(request, reverse("policy:item_grants", args=[grant.item_id]))


@staff_page(perms.MANAGE)
@require_POST
def grants_pay(request, pk: int):
    fallback = reverse("policy:item_grants", args=[pk])
    ids = [v for v in request.POST.getlist("grant_ids") if v.isdigit()]
    try:
        paid = grant_services.grants_pay(
            actor=request.user,
            item_id=pk,
            grant_ids=[int(v) for v in ids],
            payment_reference=request.POST.get("payment_reference", ""),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, fallback)
    n = len(paid)
    messages.success(
        request,
        ngettext("%(n)d grant is marked paid.", "%(n)d grants are marked paid.", n) % {"n": n},
    )
    return _back(request, fallback)


@staff_page(perms.MANAGE)
@require_POST
def grant_revoke(request, pk: int):
    try:
        grant = grant_services.grant_revoke(
            actor=request.user, grant_id=pk, reason=request.POST.get("reason", "")
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, reverse("policy:documents"))
    messages.success(request, _("The grant is revoked."))
    return _back(request, reverse("policy:item_grants", args=[grant.item_id]))


# --- 快申快享 applications ------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def applications(request):
    actor = request.user
    filters = ApplicationFilterForm(request.GET or None)
    status, overdue = None, False
    if request.GET and filters.is_valid():
        status = filters.cleaned_data["status"] or None
        overdue = filters.cleaned_data["overdue"]
    now = timezone.now()
    qs = desk_selectors.applications_queue(actor=actor, status=status, overdue=overdue, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue_count = desk_selectors.applications_queue(actor=actor, overdue=True, now=now).count()
    manageable = set(
        selectors.items_visible(actor=actor, perm=perms.MANAGE)
        .filter(pk__in={a.item_id for a in page.object_list})
        .values_list("pk", flat=True)
    ) if has_perm(actor, perms.MANAGE) else set()  # fmt: skip
    rows = [
        {
            "a": a,
            "overdue": desk_selectors.is_overdue(a, now),
            "may_manage": a.item_id in manageable,
        }
        for a in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/applications_queue.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "overdue_count": overdue_count,
            "query": query.urlencode(),
            "Status": ApplicationStatus,
        },
    )


@staff_page(perms.MANAGE)
@require_POST
def application_decide(request, pk: int):
    decision = request.POST.get("decision")
    revision = request.POST.get("revision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to reject."))
        return _back(request, reverse("policy:applications"))
    try:
        apps.application_decide(
            actor=request.user,
            application_id=pk,
            approve=decision == "approve",
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            revision=int(revision) if revision and revision.isdigit() else None,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, reverse("policy:applications"))
    if decision == "approve":
        messages.success(request, _("The application is approved."))
    else:
        messages.success(request, _("The application is rejected."))
    return _back(request, reverse("policy:applications"))


@staff_page(perms.MANAGE)
@require_POST
def application_pay(request, pk: int):
    revision = request.POST.get("revision")
    try:
        apps.application_pay(
            actor=request.user,
            application_id=pk,
            revision=int(revision) if revision and revision.isdigit() else None,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, reverse("policy:applications"))
    messages.success(request, _("The application is marked paid."))
    return _back(request, reverse("policy:applications"))
