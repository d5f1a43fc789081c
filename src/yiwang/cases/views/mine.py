"""The applicant's pages (我的办件): the list, one case with its timeline, deadline, 补正
notice and resubmission, documents, sub-cases of a bundle, withdrawal and — once completed —
the link to rate the service. Agents (帮办代办) see the cases they filed the same way.

Only the applicant (or the agent who filed) reaches these pages: anyone else's case number is
404, exactly like a number that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.cases import selectors, services
from yiwang.cases.choices import CaseStatus, Decision, DeliveryMethod
from yiwang.cases.services.workflow import WITHDRAWABLE
from yiwang.cases.views.common import (
    ACCEPT_ATTR,
    KINDS_TEXT,
    PAGE_SIZE,
    STATUS_CSS,
    clock_view,
    event_rows,
    form_rows,
    limit_text,
    material_response,
    material_rows,
    report_error,
    signed_in_page,
    slot_rows,
    status_label,
)
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.ratings import facade as ratings

S = CaseStatus
DOCUMENTS = ("acceptance", "correction", "refusal", "decision")


def _open_notices(case):
    return [n for n in selectors.case_corrections(case=case) if n.resolved_at is None]


def _row(case) -> dict:
    return {
        "c": case,
        "status_label": status_label(case.status),
        "status_css": STATUS_CSS.get(case.status, "text-bg-secondary"),
        "clock": clock_view(case),
    }


@signed_in_page
@require_GET
def mine(request):
    """我的办件: the user's applications (a bundle as one case), newest first."""
    status = request.GET.get("status") or ""
    if status not in S.values:
        status = ""
    qs = selectors.case_list_mine(actor=request.user, status=status or None).order_by("-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/mine.html",
        {
            "page": page,
            "rows": [_row(c) for c in page.object_list],
            "status": status,
            "statuses": S.choices,
            "query": f"status={status}" if status else "",
            "agent": not selectors.is_applicant(request.user),
        },
    )


def _rating_links(request, case, subs) -> list[dict]:
    """The 好差评 events of a completed case (a bundle: of the parent or of each sub-case) —
    only the applicant rates, never the agent."""
    if request.user.pk != case.applicant_id:
        return []
    links = []
    for target in [case, *subs]:
        event = ratings.service_event_get(subject_app="cases", subject_key=target.number)
        if event is not None:
            links.append(
                {
                    "url": reverse("ratings:rate", args=[event.id]),
                    "rated": event.rated,
                    "name": target.item_name,
                }
            )
    return links


def _sub_rows(subs) -> list[dict]:
    return [
        {
            **_row(c),
            "decision": Decision(c.decision).label if c.decision else "",
            "limit": limit_text(c.limit_value, c.limit_unit),
        }
        for c in subs
    ]


def _correction_context(case, notices) -> dict:
    slots = {s["code"]: s for s in slot_rows(case)}
    wanted = []
    for notice in notices:
        for entry in notice.items:
            code = entry.get("material") or ""
            wanted.append(
                {
                    "code": code,
                    "name": entry.get("name") or slots.get(code, {}).get("name", ""),
                    "reason": entry.get("reason", ""),
                    "item": notice.case.item_name if notice.case_id != case.pk else "",
                }
            )
    named = {w["code"] for w in wanted if w["code"]}
    return {
        "wanted": wanted,
        "upload": [slots[c] for c in slots if c in named],
        "others": [s for c, s in slots.items() if c not in named],
        "correct_by": min((n.deadline for n in notices), default=None),
        "notes": [n.note for n in notices if n.note],
    }


@signed_in_page
@require_GET
def mine_detail(request, number: str):
    """One case as its applicant sees it."""
    case = selectors.case_of_party(actor=request.user, number=number)
    return _detail(request, case)


def _detail(request, case, *, status=200, kept=None):
    subs = list(selectors.sub_cases(case=case)) if case.item_id is None else []
    notices = _open_notices(case) if case.status == S.CORRECTION else []
    materials, earlier = material_rows(case, "cases:mine_material", case.number)
    done = case.status in (S.COMPLETED, S.DELIVERED)
    context = {
        "case": case,
        "status_label": status_label(case.status),
        "status_css": STATUS_CSS.get(case.status, "text-bg-secondary"),
        "clock": clock_view(case, notices[0].deadline if notices else None),
        "limit": limit_text(case.limit_value, case.limit_unit) if case.limit_value else "",
        "events": event_rows(case, for_applicant=True),
        "form_rows": form_rows(case),
        "materials": materials,
        "earlier": earlier,
        "subs": _sub_rows(subs),
        "correction": _correction_context(case, notices) if notices else None,
        "can_resubmit": bool(notices),
        "can_withdraw": case.status in WITHDRAWABLE,
        "documents": _documents_available(case, subs),
        "ratings": _rating_links(request, case, subs) if done else [],
        "decision_label": Decision(case.decision).label if case.decision else "",
        "delivery_label": DeliveryMethod(case.delivery_method).label
        if case.delivery_method
        else "",
        "accept": ACCEPT_ATTR,
        "kinds_text": KINDS_TEXT,
        "kept": kept or {},
    }
    return render(request, "cases/mine_detail.html", context, status=status)


def _documents_available(case, subs) -> list[dict]:
    """Documents of the case (and of each sub-case of a bundle) readable as pages."""
    out = []
    for target in [case, *subs] if subs else [case]:
        kinds = []
        if target.accepted_at and target.item_id is not None:
            kinds.append(("acceptance", _("Acceptance notice")))
        if target.corrections.exists():
            kinds.append(("correction", _("Correction notice")))
        if target.status == S.REFUSED and target.item_id is not None:
            kinds.append(("refusal", _("Notice of non-acceptance")))
        if target.decision and target.item_id is not None:
            kinds.append(("decision", _("Decision document")))
        for kind, label in kinds:
            url = reverse("cases:mine_document", args=[case.number, kind])
            if target.pk != case.pk:
                url += f"?case={target.number}"
            out.append({"label": label, "url": url, "item": target.item_name if subs else ""})
    return out


@signed_in_page
@require_POST
def resubmit(request, number: str):
    """补正: the corrected materials (every one the notice names)."""
    case = selectors.case_of_party(actor=request.user, number=number)
    codes = {s["code"] for s in slot_rows(case)}
    files = {code: request.FILES[code] for code in request.FILES if code in codes}
    try:
        services.case_resubmit(
            actor=request.user, number=case.number, files=files, version=_version(request)
        )
    except InvalidInput as exc:
        report_error(request, exc)
        case.refresh_from_db()
        return _detail(request, case, status=422)
    except DomainError as exc:
        report_error(request, exc)
        case.refresh_from_db()
        return _detail(request, case, status=409)
    messages.success(
        request,
        _("The corrected materials have been received; the time limit starts again tomorrow."),
    )
    return redirect("cases:mine_detail", number=case.number)


@signed_in_page
@require_POST
def withdraw(request, number: str):
    """撤回 before the decision."""
    case = selectors.case_of_party(actor=request.user, number=number)
    try:
        services.case_withdraw(
            actor=request.user,
            number=case.number,
            reason=request.POST.get("reason", ""),
            version=_version(request),
        )
    except DomainError as exc:
        report_error(request, exc)
        case.refresh_from_db()
        return _detail(
            request,
            case,
            status=422 if isinstance(exc, InvalidInput) else 409,
            kept={"reason": request.POST.get("reason", "")},
        )
    messages.success(request, _("The application has been withdrawn."))
    return redirect("cases:mine_detail", number=case.number)


def _version(request) -> int | None:
    raw = request.POST.get("version")
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        message = _("Enter a whole number.")
        raise InvalidInput(
            "invalid", message, errors=[{"field": "version", "code": "invalid", "message": message}]
        ) from None


@signed_in_page
@require_GET
def mine_material(request, number: str, material_id: int):
    case = selectors.case_of_party(actor=request.user, number=number)
    return material_response(case, material_id)


# --- documents ---------------------------------------------------------------------------------


def document_context(case, kind: str, target) -> dict:
    """What a document page shows (shared with the department's copy)."""
    return {
        "case": target,
        "parent": case if target.pk != case.pk else None,
        "kind": kind,
        "limit": limit_text(target.limit_value, target.limit_unit),
        "notices": list(target.corrections.all()) if kind == "correction" else [],
        "decision_label": Decision(target.decision).label if target.decision else "",
        "approved": target.decision == Decision.APPROVE,
    }


def document_target(case, kind: str, sub_number: str):
    """The case whose document is shown: the case itself or one sub-case of its bundle; 404
    when the document does not exist (yet)."""
    from django.http import Http404

    if kind not in DOCUMENTS:
        raise Http404
    target = case
    if sub_number:
        target = next(
            (c for c in selectors.sub_cases(case=case) if c.number == sub_number.upper()), None
        )
        if target is None:
            raise Http404
    exists = {
        "acceptance": target.accepted_at is not None and target.item_id is not None,
        "correction": target.corrections.exists(),
        "refusal": target.status == S.REFUSED and target.item_id is not None,
        "decision": bool(target.decision) and target.item_id is not None,
    }[kind]
    if not exists:
        raise Http404
    return target


@signed_in_page
@require_GET
def mine_document(request, number: str, kind: str):
    """受理通知书 / 补正材料通知书 / 不予受理通知书 / 决定书 as a printable page."""
    case = selectors.case_of_party(actor=request.user, number=number)
    target = document_target(case, kind, request.GET.get("case") or "")
    context = document_context(case, kind, target)
    context["back"] = reverse("cases:mine_detail", args=[case.number])
    return render(request, "cases/document.html", context)
