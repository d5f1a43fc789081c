"""Pages of 好差评: public statistics, the rater's services and rating form, the department's
差评 worklist and rating page, and the authority's appeals.

Thin like every page: reads through ``ratings.selectors`` (scoped; another person's event or
another department's rating is 404), writes through ``ratings.services``; a service's refusal
is shown on the form with the typed values.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import Conflict, DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.ratings import permissions as perms
from yiwang.ratings import selectors, services, stats
from yiwang.ratings.choices import Action, Dimension, Handling, Level
from yiwang.ratings.forms import (
    AppealForm,
    DecideForm,
    FeedbackForm,
    RateForm,
    RectifyForm,
    StatsFilterForm,
    VerifyForm,
)
from yiwang.ratings.models import ServiceEvent

PAGE_SIZE = 30
STATES = ("open", "overdue", "closed", "all")


def staff_page(*perm_codes: str):
    """A staff page needing any of ``perm_codes``; signed-in users without one get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(has_perm(request.user, p) for p in perm_codes):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapped

    return decorator


# --- public statistics -----------------------------------------------------------------------


def _districts() -> list[tuple[int, str]]:
    rows = (
        ServiceEvent.objects.filter(district__isnull=False)
        .values_list("district_id", "district__name")
        .distinct()
        .order_by("district_id")
    )
    return list(rows)


@require_GET
def stats_page(request):
    """好差评 statistics, public: no personal data, no comments."""
    form = StatsFilterForm(request.GET or None, districts=_districts())
    period, filters = stats.default_period(), {}
    if form.is_bound and form.is_valid():
        try:
            period = stats.period_clean(form.cleaned_data["start"], form.cleaned_data["end"])
        except DomainError as exc:
            form.add_service_error(exc)
        filters = {
            "channel": form.cleaned_data.get("channel") or None,
            "district_id": form.cleaned_data.get("district"),
        }
    figures = stats.rating_stats(period=period, **filters)
    level_labels = dict(Level.choices)
    chart = {
        "labels": {
            "levels": _("Ratings by level"),
            "department": _("Good-rating rate by department (%)"),
            "channel": _("Ratings by channel"),
            "good_rate": _("Good-rating rate"),
            "count": _("Ratings"),
        },
        "levels": [
            {"name": str(level_labels[code]), "value": figures["levels"][code], "code": code}
            for code in Level.values
        ],
        "department": {
            "names": [r["name"] for r in figures["by_department"][:15]][::-1],
            "values": [r["good_rate"] for r in figures["by_department"][:15]][::-1],
        },
        "channel": [{"name": r["name"], "value": r["total"]} for r in figures["by_channel"]],
    }
    return render(
        request,
        "ratings/stats.html",
        {"form": form, "figures": figures, "chart_data": chart, "levels": level_labels},
    )


# --- the person served -----------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    now = timezone.now()
    pending = list(selectors.events_to_rate(actor=request.user, at=now)[:100])
    rated = list(
        selectors.events_served(actor=request.user)
        .filter(rated=True)
        .order_by("-served_at", "-id")[:20]
    )
    return render(request, "ratings/mine.html", {"pending": pending, "rated": rated})


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    """The rating form of one service, for the person served only (404 for anyone else)."""
    try:
        event = selectors.event_for_rater(actor=request.user, event_id=pk)
    except NotFound:
        raise Http404 from None
    form = RateForm(request.POST or None, channel=event.channel)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_submit(
                actor=request.user,
                event_id=event.pk,
                level=form.cleaned_data["level"],
                dimensions=form.dimensions(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Thank you: your rating has been recorded."))
            return redirect("ratings:mine")
    rating = getattr(event, "rating", None) if event.rated else None
    return render(
        request,
        "ratings/rate.html",
        {
            "event": event,
            "form": form,
            "rating": rating,
            "open": not event.rated
            and event.rate_deadline is not None
            and event.rate_deadline >= timezone.now(),
        },
    )


# --- departments and the authority -----------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def worklist(request):
    state = request.GET.get("state", "open")
    state = state if state in STATES else "open"
    qs = selectors.negative_list(actor=request.user, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"r": r, "overdue": selectors.is_overdue(r, now)} for r in page.object_list]
    counts = selectors.negative_list(actor=request.user, state="all").aggregate(
        open=Count("id", filter=~Q(handling=Handling.CLOSED)),
        overdue=Count("id", filter=selectors.overdue_q(now)),
        closed=Count("id", filter=Q(handling=Handling.CLOSED)),
        all=Count("id"),
    )
    tabs = [
        ("open", _("Open")),
        ("overdue", _("Overdue")),
        ("closed", _("Closed")),
        ("all", _("All")),
    ]
    return render(
        request,
        "ratings/worklist.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "tabs": [(k, label, counts[k]) for k, label in tabs],
            "query": urlencode({"state": state}),
        },
    )


ACTION_FORMS = {
    Action.VERIFY: VerifyForm,
    Action.RECTIFY: RectifyForm,
    Action.FEEDBACK: FeedbackForm,
    Action.APPEAL: AppealForm,
    Action.APPEAL_DECIDE: DecideForm,
}


def _available_actions(user, rating) -> list[str]:
    return [
        action
        for action, rule in services.TRANSITIONS.items()
        if rating.handling in rule.sources
        and has_perm(user, rule.perm)
        and not (action == Action.APPEAL and hasattr(rating, "appeal"))
    ]


def _detail(request, rating, bound: dict | None = None, status: int = 200, refusal: str = ""):
    labels = dict(Dimension.choices)
    forms = {}
    for action in _available_actions(request.user, rating):
        form_class = ACTION_FORMS[action]
        forms[action] = (bound or {}).get(action) or form_class(prefix=action)
    return render(
        request,
        "ratings/detail.html",
        {
            "rating": rating,
            "event": rating.event,
            "appeal": getattr(rating, "appeal", None),
            "overdue": selectors.is_overdue(rating),
            "refusal": refusal,
            "forms": [(action, Action(action).label, form) for action, form in forms.items()],
            "dimensions": [
                (str(labels.get(code, code)), score) for code, score in rating.dimensions.items()
            ],
        },
        status=status,
    )


@staff_page(perms.VIEW, perms.DECIDE_APPEAL)
@require_GET
def detail(request, pk: int):
    perm = perms.VIEW if has_perm(request.user, perms.VIEW) else perms.DECIDE_APPEAL
    rating = selectors.ratings_visible(actor=request.user, perm=perm).filter(pk=pk).first()
    if rating is None or not rating.handling:
        raise Http404
    return _detail(request, rating)


CALLS = {
    Action.VERIFY: lambda a, pk, d: services.rating_verify(
        actor=a, rating_id=pk, note=d["note"], rectify=d["rectify"]
    ),
    Action.RECTIFY: lambda a, pk, d: services.rating_rectify(actor=a, rating_id=pk, note=d["note"]),
    Action.FEEDBACK: lambda a, pk, d: services.rating_feedback(
        actor=a, rating_id=pk, text=d["text"]
    ),
    Action.APPEAL: lambda a, pk, d: services.rating_appeal(
        actor=a, rating_id=pk, reason=d["reason"]
    ),
    Action.APPEAL_DECIDE: lambda a, pk, d: services.rating_appeal_decide(
        actor=a, rating_id=pk, upheld=d["upheld"], note=d["note"]
    ),
}


@staff_page(perms.HANDLE, perms.DECIDE_APPEAL)
@require_POST
def act(request, pk: int, action: str):
    """One handling action from the rating page; 409-like refusals show on the page."""
    if action not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[action](request.POST, prefix=action)
    refusal, status = "", 200
    if form.is_valid():
        try:
            CALLS[action](request.user, pk, form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except Conflict as exc:  # the state changed meanwhile: say so above the forms
            refusal, status = exc.message, 409
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Saved: %(action)s.") % {"action": Action(action).label})
            if action == Action.APPEAL_DECIDE:
                return redirect("ratings:appeals")
            return redirect("ratings:detail", pk=pk)
    perm = perms.DECIDE_APPEAL if action == Action.APPEAL_DECIDE else perms.VIEW
    rating = selectors.ratings_visible(actor=request.user, perm=perm).filter(pk=pk).first()
    if rating is None or not rating.handling:
        raise Http404
    if form.errors:
        status = 422
    return _detail(request, rating, bound={action: form}, status=status, refusal=refusal)


@staff_page(perms.DECIDE_APPEAL)
@require_GET
def appeals(request):
    ratings = list(selectors.appeals_pending(actor=request.user)[:200])
    return render(
        request,
        "ratings/appeals.html",
        {
            "rows": [
                (r, DecideForm(prefix=Action.APPEAL_DECIDE, auto_id=f"id_{r.pk}_%s"))
                for r in ratings
            ]
        },
    )


# --- workbench --------------------------------------------------------------------------------


def ratings_tasks_for(user) -> list:
    """ "N negative ratings to handle" and "N appeals to decide" for the workbench home."""
    from yiwang.portal.facade import TaskItem

    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    module = _("Ratings")
    if has_perm(user, perms.HANDLE):
        now = timezone.now()
        counts = selectors.negative_list(actor=user, state="open").aggregate(
            n=Count("id", filter=~Q(handling=Handling.APPEALED)),
            overdue=Count("id", filter=selectors.overdue_q(now)),
        )
        if counts["n"]:
            items.append(
                TaskItem(
                    title=ngettext(
                        "%(n)d negative rating to handle",
                        "%(n)d negative ratings to handle",
                        counts["n"],
                    )
                    % {"n": counts["n"]},
                    url=reverse("ratings:worklist"),
                    module=module,
                    overdue=bool(counts["overdue"]),
                )
            )
    if has_perm(user, perms.DECIDE_APPEAL):
        n = selectors.appeals_pending(actor=user).count()
        if n:
            items.append(
                TaskItem(
                    title=ngettext(
                        "%(n)d rating appeal to decide", "%(n)d rating appeals to decide", n
                    )
                    % {"n": n},
                    url=reverse("ratings:appeals"),
                    module=module,
                )
            )
    return items
