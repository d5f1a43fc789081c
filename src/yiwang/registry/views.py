"""Pages of the enterprise registry (一企一档), mounted at /registry/.

Staff (``registry.view``): the list with filters and one file — the profile with the source of
each value, qualifications, tags and the history timeline. Officers (``registry.manage``): the
edit form (409-safe through the profile ``version``), imports (upload, progress polled with
htmx, the error report). Enterprise users: their own file, read-only, at ``/registry/mine/``.

A public account opening a staff page, or anyone opening a file outside their jurisdiction or
another enterprise's file, gets 404 — the same answer as for a file that does not exist.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, DomainError, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.registry import permissions as perms
from yiwang.registry import selectors
from yiwang.registry.display import enterprise_view, history_rows
from yiwang.registry.forms import EnterpriseFilterForm, EnterpriseForm, ImportForm
from yiwang.registry.importing import encoding_label
from yiwang.registry.reports import error_report_response
from yiwang.registry.services.edits import enterprise_edit
from yiwang.registry.services.imports import import_job_create
from yiwang.registry.services.profiles import Places

PAGE_SIZE = 30
JOBS_SHOWN = 20
ERRORS_SHOWN = 100


def staff_page(perm: str):
    """A page for staff holding ``perm`` (other staff: 403); public accounts get 404, and a
    file outside the jurisdiction is 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.kind not in (AccountKind.STAFF, AccountKind.SYSTEM):
                raise Http404
            if not has_perm(request.user, perm):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapped

    return decorator


def _scope_or_404(request) -> selectors.Jurisdiction:
    scope = selectors.Jurisdiction.of(request.user)
    if scope is None or scope.city_id is None:
        raise Http404
    return scope


# --- list and file -----------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def enterprise_list(request):
    scope = _scope_or_404(request)
    places = Places.of(scope.city_id)
    form = EnterpriseFilterForm(request.GET or None, places=places)
    chosen = form.filters() if request.GET else {}
    qs = selectors.enterprise_list(actor=request.user, **chosen)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": has_perm(request.user, perms.MANAGE),
            "scope_level": scope.level,
        },
    )


@staff_page(perms.VIEW)
@require_GET
def enterprise_detail(request, uscc: str):
    enterprise = selectors.enterprise_get(actor=request.user, uscc=uscc)
    return render(
        request,
        "registry/detail.html",
        {
            **enterprise_view(enterprise),
            "history": history_rows(enterprise, show_jobs=True),
            "can_manage": has_perm(request.user, perms.MANAGE),
            "own": False,
        },
    )


@login_required
@require_GET
def mine(request, uscc: str | None = None):
    """The file of the enterprise the user acts for (``?`` one of theirs by code)."""
    try:
        enterprise = selectors.enterprise_own(actor=request.user, uscc=uscc)
    except NotFound:
        raise Http404 from None
    others = [u for u in selectors.own_usccs(request.user) if u != enterprise.uscc]
    return render(
        request,
        "registry/detail.html",
        {
            **enterprise_view(enterprise),
            "history": history_rows(enterprise, show_jobs=False),
            "can_manage": False,
            "own": True,
            "others": others,
        },
    )


# --- editing -----------------------------------------------------------------------------------


def _edit(request, enterprise=None):
    scope = _scope_or_404(request)
    places = Places.of(scope.city_id)
    creating = enterprise is None
    initial = {}
    if enterprise is not None:
        initial = EnterpriseForm.initial_of(
            enterprise,
            places,
            selectors.enterprise_qualifications(enterprise),
            selectors.enterprise_tags(enterprise),
        )
    form = EnterpriseForm(request.POST or None, initial=initial, places=places, creating=creating)
    if request.method == "POST" and form.is_valid():
        uscc = form.cleaned_data.get("uscc") if creating else enterprise.uscc
        if (
            creating
            and selectors.enterprises_visible(actor=request.user)
            .filter(uscc=(uscc or "").strip().upper())
            .exists()
        ):
            form.add_error("uscc", _("This enterprise already has a file; edit it instead."))
        else:
            try:
                saved, _created = enterprise_edit(
                    actor=request.user,
                    uscc=uscc,
                    data=form.data_for_service(),
                    version=None if creating else form.cleaned_data.get("version"),
                    source=form.cleaned_data["source"],
                )
            except InvalidInput as exc:
                form.add_service_error(exc)
            except Conflict as exc:
                messages.error(request, exc.message)
                return redirect("registry:edit", uscc=enterprise.uscc)
            except NotFound:
                form.add_error("uscc", _("This enterprise is outside your jurisdiction."))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The enterprise file was saved."))
                return redirect("registry:detail", uscc=saved.uscc)
    return render(
        request,
        "registry/edit.html",
        {"form": form, "enterprise": enterprise, "creating": creating},
    )


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def enterprise_new(request):
    return _edit(request)


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def enterprise_update(request, uscc: str):
    enterprise = selectors.enterprise_get(actor=request.user, uscc=uscc, perm=perms.MANAGE)
    return _edit(request, enterprise)


# --- imports -----------------------------------------------------------------------------------


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def imports(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user,
                upload=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            return redirect("registry:import_detail", job_id=job.pk)
    jobs = selectors.import_jobs_visible(actor=request.user)[:JOBS_SHOWN]
    return render(request, "registry/imports.html", {"form": form, "jobs": jobs})


def _job_context(job) -> dict:
    return {
        "job": job,
        "encoding": encoding_label(job.encoding) if job.encoding else "",
        "errors": job.errors[:ERRORS_SHOWN],
        "more_errors": max(0, job.failed - ERRORS_SHOWN),
    }


@staff_page(perms.MANAGE)
@require_GET
def import_detail(request, job_id: int):
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    return render(request, "registry/import_detail.html", _job_context(job))


@staff_page(perms.MANAGE)
@require_GET
@never_cache
def import_progress(request, job_id: int):
    """The progress panel alone, polled by htmx every second while the job runs."""
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    return render(request, "registry/_import_progress.html", _job_context(job))


@staff_page(perms.MANAGE)
@require_GET
def import_errors(request, job_id: int):
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    if not job.failed:
        raise Http404
    return error_report_response(job)


def home(request):
    """``/registry/``: staff to the list, enterprise users to their own file."""
    if request.user.is_authenticated and request.user.kind == AccountKind.ENTERPRISE:
        return redirect(reverse("registry:mine"))
    return enterprise_list(request)
