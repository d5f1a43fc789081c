"""Pages of the public portal and the staff workbench. Thin: parse, call core, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.core.selectors import audit_list
from yiwang.core.services.security import (
    LoginRefused,
    password_expired,
    security_policy_get,
    user_authenticate,
    user_change_password,
    user_logout,
)
from yiwang.notify import facade as notify
from yiwang.portal import registry, selectors
from yiwang.portal.forms import AuditSearchForm, LoginForm, PasswordChangeForm
from yiwang.portal.programmes import programme_cards
from yiwang.portal.services import audit_export_csv

AUDIT_PAGE_SIZE = 50
WORKBENCH_INBOX_SIZE = 10
INBOX_PAGE_SIZE = 50


def workbench_required(view):
    """Signed-in government staff only; anyone else gets the page-not-found answer."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_workbench_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def perm_required(perm: str):
    """Workbench page needing a permission code; without it the page does not exist (404)."""

    def decorator(view):
        @wraps(view)
        @workbench_required
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.user, perm):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _safe_next(request, target: str | None) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# --- public pages ---------------------------------------------------------------------------


@require_GET
def favicon(request):
    """/favicon.ico for clients that do not read the page's ``<link rel="icon">``."""
    return redirect(static("portal/favicon.svg"), permanent=True)


@require_GET
def home(request):
    return render(request, "portal/home.html", {"programmes": programme_cards()})


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url or selectors.landing_url(request.user))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except LoginRefused as exc:
            form.add_error(None, exc.message)
        else:
            auth_login(request, user)
            return redirect(next_url or selectors.landing_url(user))
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": next_url or "", "policy": security_policy_get()},
    )


@require_POST
def logout_view(request):
    user_logout(request=request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:home")


@sensitive_post_parameters()
@never_cache
@login_required
def password_change(request):
    policy = security_policy_get()
    expired = request.GET.get("expired") == "1" and password_expired(request.user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_password(
                actor=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect(selectors.landing_url(request.user))
    return render(
        request,
        "portal/password_change.html",
        {"form": form, "expired": expired, "max_age_days": policy.staff_password_max_age_days},
    )


@login_required
@require_GET
def me(request):
    return render(
        request,
        "portal/me.html",
        {
            "account": selectors.account_summary(request.user),
            "inbox": notify.inbox_recent(request.user, limit=WORKBENCH_INBOX_SIZE),
            "is_staff_user": selectors.is_workbench_user(request.user),
        },
    )


@login_required
@require_GET
def inbox(request):
    return render(
        request,
        "portal/inbox.html",
        {"inbox": notify.inbox_recent(request.user, limit=INBOX_PAGE_SIZE)},
    )


# --- staff workbench ------------------------------------------------------------------------


@workbench_required
@require_GET
def workbench(request):
    user = request.user
    return render(
        request,
        "portal/workbench/index.html",
        {
            "account": selectors.account_summary(user),
            "inbox": notify.inbox_recent(user, limit=WORKBENCH_INBOX_SIZE),
            "tasks": registry.tasks_for(user),
            "modules": registry.nav_for(user),
            "warnings": selectors.health_warnings() if selectors.is_platform_admin(user) else [],
        },
    )


@perm_required("audit.view")
@require_GET
def audit(request):
    form = AuditSearchForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        criteria = form.selector_kwargs() if form.is_bound else {}
        paginator = Paginator(audit_list(actor=request.user, **criteria), AUDIT_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_export": has_perm(request.user, "audit.export"),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "audit-results":
        return render(request, "portal/workbench/_audit_results.html", context)
    return render(request, "portal/workbench/audit.html", context)


@perm_required("audit.export")
@require_GET
def audit_export(request):
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('portal:audit')}?{request.GET.urlencode()}")
    try:
        lines = audit_export_csv(
            actor=request.user, filters=form.active_filters(), criteria=form.selector_kwargs()
        )
    except NotFound:
        raise Http404 from None
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@perm_required("core.view_organisation")
@require_GET
def organisations(request):
    return render(
        request,
        "portal/workbench/organisations.html",
        {"nodes": selectors.organisation_tree(actor=request.user)},
    )
