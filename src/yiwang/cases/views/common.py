"""Shared pieces of the application pages: access decorators, the clock as shown (deadline and
warning colour), labels, personal data masking of form values, serving a material file through
a permission check, and turning a service's refusal into messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin

from yiwang.cases import clock, formdefs, selectors
from yiwang.cases.choices import (
    CaseAction,
    CaseStatus,
    Decision,
    FieldType,
    WarningLevel,
)
from yiwang.cases.models import Case
from yiwang.core import pii
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm

S = CaseStatus
PAGE_SIZE = 30
NUMBER_CHARS = frozenset("SQsq0123456789-")

WARNING_CSS = {
    WarningLevel.NORMAL: ("text-bg-success", ""),
    WarningLevel.YELLOW: ("text-bg-warning", "table-warning"),
    WarningLevel.RED: ("text-bg-danger", "table-danger"),
}
STATUS_CSS = {
    S.SUBMITTED: "text-bg-info",
    S.CORRECTION: "text-bg-warning",
    S.REFUSED: "text-bg-secondary",
    S.ACCEPTED: "text-bg-primary",
    S.REVIEWING: "text-bg-primary",
    S.PAUSED: "text-bg-dark",
    S.DECIDED: "text-bg-primary",
    S.COMPLETED: "text-bg-success",
    S.DELIVERED: "text-bg-success",
    S.WITHDRAWN: "text-bg-secondary",
}
#: Inline preview (images in <img>, PDF in an <iframe>); Word and Excel files are downloaded.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
#: Supervision events (电子监察) the applicant's timeline leaves out.
INTERNAL_EVENTS = frozenset({CaseAction.WARN, CaseAction.OVERDUE})
ACCEPT_ATTR = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"
KINDS_TEXT = gettext_lazy("PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx)")


# --- access ------------------------------------------------------------------------------------


def _valid_number(number: str) -> bool:
    return 0 < len(number) <= 32 and set(number) <= NUMBER_CHARS


def signed_in_page(view):
    """A page of applicants (and agents, for their filings): sign-in required; a case number
    that cannot exist or a case the user may not see is 404."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        number = kwargs.get("number")
        if number is not None and not _valid_number(number):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def staff_page(perm: str):
    """A department page needing ``perm`` (citizens and enterprise users: 403); a case the
    user's organisation does not hold is 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if selectors.is_applicant(request.user) or not has_perm(request.user, perm):
                raise PermissionDenied
            number = kwargs.get("number")
            if number is not None and not _valid_number(number):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapped

    return decorator


# --- the clock as shown ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    """The deadline that matters now, its label and its warning colour."""

    label: str
    deadline: dt.datetime | None
    level: str
    level_label: str
    badge: str
    row: str
    note: str = ""


def clock_view(case: Case, notice_deadline: dt.datetime | None = None) -> ClockView:
    level = case.warning_level or WarningLevel.NORMAL
    badge, row = WARNING_CSS.get(level, WARNING_CSS[WarningLevel.NORMAL])
    label, deadline, note = "", None, ""
    if case.status == S.SUBMITTED:
        label, deadline = _("To be accepted by"), case.acceptance_deadline
    elif case.status == S.CORRECTION:
        label, deadline = _("Correct by"), notice_deadline
        note = _("The time limit stops until the corrected materials arrive.")
    elif case.status in (S.ACCEPTED, S.REVIEWING):
        label, deadline = _("Decision due by"), case.deadline
    elif case.status == S.PAUSED:
        label, deadline = _("Decision due by"), case.deadline
        note = _("Special procedure: the time limit is paused; its days are added when it ends.")
    elif case.status in (S.DECIDED, S.COMPLETED) and case.decision == Decision.APPROVE:
        label, deadline = _("Certificate delivered by"), case.delivery_deadline
        if case.item_id is None:  # a bundle's parent has no delivery clock of its own
            label, deadline = _("Overall deadline"), case.deadline
    elif case.status == S.DECIDED and case.item_id is None:
        label, deadline = _("Overall deadline"), case.deadline
    if case.status == S.PAUSED or deadline is None:
        badge, row = "text-bg-light border", ""
    return ClockView(
        label=label,
        deadline=deadline,
        level=level,
        level_label=str(WarningLevel(level).label) if level in WarningLevel.values else level,
        badge=badge,
        row=row,
        note=note,
    )


def status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def limit_text(value: int, unit: str) -> str:
    """ "5 个工作日" / "7 个自然日" / 即办件 (0)."""
    if not value:
        return _("Handled on the spot")
    if unit == clock.NATURAL_DAY:
        return _("%(n)d calendar days") % {"n": value}
    return _("%(n)d working days") % {"n": value}


# --- personal data in form values --------------------------------------------------------------

_MASK_BY_TYPE = {FieldType.ID_NUMBER: pii.mask_id_number, FieldType.PHONE: pii.mask_phone}


def form_rows(case: Case) -> list[dict]:
    """The filled form as (label, value) rows in the definition's order; identity numbers and
    phone numbers masked, other text with any number that looks like one masked too."""
    codes = [case.basic_code] if case.basic_code else []
    if case.item_id is None:
        codes = [c.basic_code for c in case.sub_cases.order_by("number")]
    fields, _rules = formdefs.definition_for(codes)
    specs = {f["name"]: f for f in fields}
    data = dict(case.form_data or {})
    rows = []
    for name in [f["name"] for f in fields] + [k for k in data if k not in specs]:
        if name not in data or name in ("applicant_name", "id_number", "uscc"):
            continue
        spec = specs.get(name, {})
        value = str(data[name])
        mask = _MASK_BY_TYPE.get(spec.get("type"))
        rows.append(
            {
                "name": name,
                "label": spec.get("label") or name,
                "value": mask(value) if mask else pii.mask_text(value),
            }
        )
    return rows


def event_rows(case: Case, *, for_applicant: bool) -> list[dict]:
    rows = []
    for e in selectors.case_events(case=case):
        if for_applicant and e.action in INTERNAL_EVENTS:
            continue
        rows.append(
            {
                "at": e.at,
                "label": str(CaseAction(e.action).label)
                if e.action in CaseAction.values
                else e.action,
                "action": e.action,
                "to": status_label(e.to_status) if e.to_status else "",
                "actor": "" if for_applicant or e.actor_id is None else str(e.actor),
                "note": pii.mask_text(e.note),
            }
        )
    return rows


def slot_rows(case: Case) -> list[dict]:
    slots = case.slots or (case.parent.slots if case.parent_id else [])
    return [dict(s) for s in slots]


def material_rows(case: Case, url_name: str, number: str) -> tuple[list[dict], list[dict]]:
    """(current files, superseded files) with their preview kind and permission-checked URL."""
    from django.urls import reverse

    current, earlier = [], []
    for m in selectors.case_materials(case=case, current_only=False):
        row = {
            "m": m,
            "url": reverse(url_name, args=[number, m.pk]),
            "image": m.content_type.startswith("image/"),
            "pdf": m.content_type == "application/pdf",
        }
        (earlier if m.superseded_by_id else current).append(row)
    return current, earlier


@xframe_options_sameorigin
def material_response(case: Case, material_id: int):
    """The file of one material of ``case`` (already access-checked by the caller): inline for
    PDF and images — so the page can preview it in an <iframe> of the same origin — else as a
    download; never a public media URL, never cached, never sniffed by the browser."""
    material = (
        selectors.case_materials(case=case, current_only=False).filter(pk=material_id).first()
    )
    if material is None:
        raise Http404
    try:
        handle = material.file.open("rb")
    except OSError:
        raise Http404 from None
    inline = material.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=material.name,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def report_error(request, exc: DomainError) -> None:
    """A service's refusal as messages on the page shown next."""
    if exc.code == "cases.concurrent_change":
        messages.warning(
            request,
            _(
                "Someone else changed this case in the meantime; it has been reloaded. Check it "
                "and try again."
            ),
        )
        return
    if exc.code == "cases.illegal_transition":
        messages.error(request, _("This action is not possible in the case's current status."))
        return
    shown = set()
    for err in exc.errors or [{"message": exc.message}]:
        text = str(err.get("message") or exc.message)
        if text not in shown:
            shown.add(text)
            messages.error(request, text)
