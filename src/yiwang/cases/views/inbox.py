"""The department's pages (承办): the inbox by deadline with warning badges and filters, one
case with its form (personal numbers masked), materials with preview, timeline and the action
forms its state allows, and the one POST endpoint of those forms.

Every form carries the case's ``version``: a form left open while someone else acted gets a
409 message and the reloaded case instead of overwriting. A case the user's organisation does
not hold is 404 (``selectors.case_held``).

"显示完整信息" (``inbox_reveal``) answers one POST with the applicant's full ID number and
phone — a fragment for htmx, a page without JavaScript — never cached; the service audits it
and limits how often a user may do it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from yiwang.cases import permissions as perms
from yiwang.cases import selectors, services
from yiwang.cases.choices import CaseAction, Decision, DeliveryMethod, PauseReason
from yiwang.cases.forms import InboxFilterForm
from yiwang.cases.models import Extension
from yiwang.cases.services.reveal import RevealLimited, case_pii_reveal
from yiwang.cases.services.workflow import APPLICANT, SYSTEM, TRANSITIONS
from yiwang.cases.views.common import (
    PAGE_SIZE,
    STATUS_CSS,
    clock_view,
    event_rows,
    form_rows,
    limit_text,
    material_response,
    material_rows,
    report_error,
    slot_rows,
    staff_page,
    status_label,
)
from yiwang.cases.views.mine import document_context, document_target
from yiwang.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from yiwang.core.permissions import has_perm

A = CaseAction
#: The order of the action forms on the page.
ACTION_ORDER = [
    A.ACCEPT,
    A.CORRECT,
    A.REFUSE,
    A.REVIEW,
    A.DECIDE,
    A.PAUSE,
    A.RESUME,
    A.EXTEND,
    A.COMPLETE,
    A.DELIVER,
]


# --- inbox -------------------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def inbox(request):
    """办件箱: unfinished cases the organisation holds — red, yellow, then by due date."""
    actor = request.user
    form = InboxFilterForm(request.GET or None, items=selectors.case_inbox_items(actor=actor))
    chosen = form.filters() if request.GET else {}
    qs = selectors.case_inbox(
        actor=actor, status=chosen.get("status"), warning=chosen.get("warning")
    )
    if chosen.get("item"):
        qs = qs.filter(basic_code=chosen["item"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/inbox.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "rows": [
                {
                    "c": c,
                    "status_label": status_label(c.status),
                    "status_css": STATUS_CSS.get(c.status, "text-bg-secondary"),
                    "clock": clock_view(c),
                }
                for c in page.object_list
            ],
        },
    )


# --- one case ----------------------------------------------------------------------------------


def available_actions(actor, case) -> list[str]:
    """The department actions this actor may take now, in page order."""
    if case.item_id is None or selectors.is_applicant(actor):
        return []
    allowed = set()
    for action, rule in TRANSITIONS.items():
        if rule.perm in (APPLICANT, SYSTEM):
            continue
        if case.status in rule.sources and has_perm(actor, rule.perm):
            allowed.add(action)
    if case.step_index >= len(case.steps):
        allowed.discard(A.REVIEW)
    if (
        case.deadline is None
        or timezone.now() >= case.deadline
        or Extension.objects.filter(case=case).exists()
    ):
        allowed.discard(A.EXTEND)
    if case.decision != Decision.APPROVE:
        allowed.discard(A.DELIVER)
    return [a for a in ACTION_ORDER if a in allowed]


def _steps(case) -> list[dict]:
    return [
        {
            "name": s.get("name", ""),
            "done": i < case.step_index,
            "next": i == case.step_index,
        }
        for i, s in enumerate(case.steps)
        if isinstance(s, dict)
    ]


def _render_detail(request, case, *, status=200, failed="", kept=None):
    actions = available_actions(request.user, case)
    materials, earlier = material_rows(case, "cases:inbox_material", case.number)
    kept = kept or {}
    slots = slot_rows(case)
    picked = set(kept.get("material", [])) if failed == A.CORRECT else set()
    return render(
        request,
        "cases/inbox_detail.html",
        {
            "case": case,
            "status_label": status_label(case.status),
            "status_css": STATUS_CSS.get(case.status, "text-bg-secondary"),
            "clock": clock_view(case, _notice_deadline(case)),
            "limit": limit_text(case.limit_value, case.limit_unit),
            "legal_limit": limit_text(case.legal_limit_value, case.limit_unit),
            "form_rows": form_rows(case),
            "materials": materials,
            "earlier": earlier,
            "events": event_rows(case, for_applicant=False),
            "corrections": list(selectors.case_corrections(case=case)),
            "pauses": [
                {"p": p, "label": PauseReason(p.reason).label}
                for p in selectors.case_pauses(case=case)
            ],
            "extension": Extension.objects.filter(case=case).first(),
            "steps": _steps(case),
            "next_step": case.steps[case.step_index].get("name", "")
            if case.step_index < len(case.steps)
            else "",
            "actions": actions,
            "decision_label": Decision(case.decision).label if case.decision else "",
            "pause_reasons": PauseReason.choices,
            "delivery_methods": DeliveryMethod.choices,
            "decisions": Decision.choices,
            "slots": [
                {
                    **s,
                    "picked": s["code"] in picked,
                    "reason": kept.get(f"reason_{s['code']}", "") if failed == A.CORRECT else "",
                }
                for s in slots
            ],
            "failed": failed,
            "kept": kept,
            "documents": [
                (kind, label)
                for kind, label, present in (
                    ("acceptance", _("Acceptance notice"), case.accepted_at is not None),
                    ("correction", _("Correction notice"), case.corrections.exists()),
                    ("refusal", _("Notice of non-acceptance"), case.status == "refused"),
                    ("decision", _("Decision document"), bool(case.decision)),
                )
                if present
            ],
            "parent_bundle": case.parent.item_name if case.parent_id else "",
            "masked_phone": case.masked_phone,
            "can_reveal": has_perm(request.user, perms.REVEAL_PII),
        },
        status=status,
    )


def _notice_deadline(case):
    notice = case.corrections.filter(resolved_at__isnull=True).first()
    return notice.deadline if notice else None


@staff_page(perms.VIEW)
@require_GET
def inbox_detail(request, number: str):
    case = selectors.case_held(actor=request.user, number=number)
    return _render_detail(request, case)


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        message = _("This form is outdated: reload the case and try again.")
        raise InvalidInput(
            "invalid", message, errors=[{"field": field, "code": "invalid", "message": message}]
        ) from None


def _correction_items(post) -> list[dict]:
    items = [
        {"material": code, "reason": post.get(f"reason_{code}", "")}
        for code in post.getlist("material")[:100]
    ]
    items += [
        {"material": "", "reason": text} for text in post.getlist("other")[:20] if text.strip()
    ]
    return items


def _run(actor, case, post):
    action = post.get("action", "")
    args = {"actor": actor, "number": case.number, "version": _int(post.get("version"), "version")}
    note = post.get("note", "")
    match action:
        case A.ACCEPT:
            return services.case_accept(**args, note=note)
        case A.REFUSE:
            return services.case_refuse(
                **args, reason=post.get("reason", ""), refer_to=post.get("refer_to", "")
            )
        case A.CORRECT:
            return services.case_request_correction(
                **args, items=_correction_items(post), note=note
            )
        case A.REVIEW:
            return services.case_review(**args, note=note)
        case A.PAUSE:
            return services.case_pause(**args, reason=post.get("reason", ""), note=note)
        case A.RESUME:
            return services.case_resume(**args, note=note)
        case A.EXTEND:
            return services.case_extend(
                **args, reason=post.get("reason", ""), approver=post.get("approver", "")
            )
        case A.DECIDE:
            return services.case_decide(
                **args, decision=post.get("decision", ""), reasons=post.get("reasons", "")
            )
        case A.COMPLETE:
            return services.case_complete(**args, note=note)
        case A.DELIVER:
            return services.case_deliver(**args, method=post.get("method", ""), note=note)
    raise InvalidInput("cases.unknown_action", _("Unknown action."))


DONE_MESSAGES = {
    A.ACCEPT: gettext_lazy("The application has been accepted; the acceptance notice is ready."),
    A.REFUSE: gettext_lazy("The application has not been accepted; the applicant is told why."),
    A.CORRECT: gettext_lazy("The correction notice has been sent to the applicant."),
    A.REVIEW: gettext_lazy("The review step has been recorded."),
    A.PAUSE: gettext_lazy("The special procedure has started; the time limit is paused."),
    A.RESUME: gettext_lazy(
        "The special procedure has ended; its days are added to the time limit."
    ),
    A.EXTEND: gettext_lazy("The time limit has been extended; the applicant is told."),
    A.DECIDE: gettext_lazy("The decision has been recorded."),
    A.COMPLETE: gettext_lazy("The case has been completed."),
    A.DELIVER: gettext_lazy("The delivery has been recorded."),
}


@staff_page(perms.VIEW)
@require_POST
def inbox_act(request, number: str):
    """Every action form of the case page posts here: success → back to the case with a
    message; a refusal → the case again with the message (422 for bad input, 409 for a stale
    form or an action its state no longer allows) and what was typed kept."""
    case = selectors.case_held(actor=request.user, number=number)
    action = request.POST.get("action", "")
    try:
        _run(request.user, case, request.POST)
    except DomainError as exc:
        report_error(request, exc)
        case = selectors.case_held(actor=request.user, number=number)
        kept = {k: request.POST.get(k) for k in request.POST if k != "csrfmiddlewaretoken"}
        kept["material"] = request.POST.getlist("material")
        stale = isinstance(exc, Conflict) and exc.code == "cases.concurrent_change"
        return _render_detail(
            request,
            case,
            status=409
            if isinstance(exc, Conflict)
            else 422
            if isinstance(exc, InvalidInput)
            else 403,
            failed="" if stale else action,
            kept={} if stale else kept,
        )
    messages.success(request, str(DONE_MESSAGES.get(action, _("Done."))))
    return redirect(reverse("cases:inbox_detail", args=[case.number]))


@staff_page(perms.VIEW)
@require_GET
def inbox_material(request, number: str, material_id: int):
    """A material of a held case, for the preview (never a public media URL)."""
    case = selectors.case_held(actor=request.user, number=number)
    return material_response(case, material_id)


@staff_page(perms.VIEW)
@require_GET
def inbox_document(request, number: str, kind: str):
    case = selectors.case_held(actor=request.user, number=number)
    target = document_target(case, kind, "")
    context = document_context(case, kind, target)
    context["back"] = reverse("cases:inbox_detail", args=[case.number])
    return render(request, "cases/document.html", context)


@staff_page(perms.REVEAL_PII)
@never_cache
@require_POST
@sensitive_variables("revealed")
def inbox_reveal(request, number: str):
    """显示完整信息: the applicant's full ID number and phone of a held case, for this response
    only (``Cache-Control: no-store``); audited. Over the hourly limit: 429 with the reason."""
    template = (
        "cases/_pii_reveal.html" if request.headers.get("HX-Request") else "cases/pii_reveal.html"
    )
    context = {"number": number.upper(), "revealed": None, "limited": ""}
    status = 200
    try:
        revealed = case_pii_reveal(actor=request.user, number=number)
    except Forbidden:
        raise PermissionDenied from None
    except RevealLimited as exc:
        context["limited"], status = exc.message, 429
    else:
        context.update(number=revealed.number, revealed=revealed)
    return render(request, template, context, status=status)
