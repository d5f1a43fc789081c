"""Applying (接件) from the web: one item's application, a 一件事 bundle's joint application,
and the receipt (回执).

The page is built from what the service will check — the item's form definition, the materials
asked for (``slots``) — and a submission goes through ``application_submit`` /
``bundle_submit``; whatever they refuse comes back on the fields and materials it concerns, with
the typed values kept (files cannot be kept by a browser: the page says so). Citizens and
enterprise users apply for themselves; staff with ``cases.assist`` (帮办代办) first choose the
applicant's account.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.cases import formdefs, selectors, services
from yiwang.cases import permissions as perms
from yiwang.cases import slots as slotlib
from yiwang.cases.choices import ApplicantKind
from yiwang.cases.forms import LOCKED_IDENTITY, ApplicationForm
from yiwang.cases.services import common

# the service's own rules for what the account fills and which body handles a bundle's item
from yiwang.cases.services.submit import applicant_kind, applicant_prefill, implementation_for
from yiwang.cases.views.common import (
    ACCEPT_ATTR,
    KINDS_TEXT,
    clock_view,
    limit_text,
    signed_in_page,
    status_label,
)
from yiwang.catalog import facade as catalog
from yiwang.core import pii
from yiwang.core.errors import InvalidInput
from yiwang.core.permissions import has_perm

CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --- who applies -------------------------------------------------------------------------------


def _who(request):
    """(applicant account or None, agent?, lookup error): the user itself, or for an agent the
    account chosen with ``applicant`` (user name or mobile) / ``applicant_id``."""
    user = request.user
    if selectors.is_applicant(user):
        return user, False, ""
    if not has_perm(user, perms.ASSIST):
        raise PermissionDenied
    raw_id = request.POST.get("applicant_id") or request.GET.get("applicant_id")
    if raw_id:
        try:
            found = selectors.applicant_by_id(pk=int(raw_id))
        except (TypeError, ValueError):
            found = None
        return found, True, "" if found else _("No such citizen or enterprise account.")
    query = request.GET.get("applicant") or ""
    if not query:
        return None, True, ""
    found = selectors.applicant_find(query=query)
    return found, True, "" if found else _("No such citizen or enterprise account.")


def _identity(applicant) -> tuple[dict[str, str], dict[str, str]]:
    """(locked identity shown as text — masked —, initial values of editable fields)."""
    filled = applicant_prefill(applicant, {})
    locked = {k: str(filled[k]) for k in LOCKED_IDENTITY if filled.get(k)}
    initial = {k: filled[k] for k in ("phone", "contact_name") if filled.get(k)}
    return locked, initial


def _locked_rows(locked: dict[str, str], specs: list[dict]) -> list[dict]:
    labels = {s["name"]: s.get("label", s["name"]) for s in specs}
    masks = {"id_number": pii.mask_id_number}
    return [
        {"label": labels.get(k, k), "value": masks.get(k, str)(v)}
        for k, v in locked.items()
        if k in labels
    ]


# --- materials ---------------------------------------------------------------------------------


def _rule_hints(rules: list[dict], specs: list[dict]) -> dict[str, str]:
    labels = {s["name"]: s.get("label", s["name"]) for s in specs}
    return {
        r["material"]: _("required when “%(field)s” is “%(value)s”")
        % {"field": labels.get(r.get("field"), r.get("field")), "value": r.get("equals")}
        for r in rules
        if isinstance(r, dict) and r.get("material")
    }


def _slot_rows(slots, rules, specs, errors, declared, groups=None) -> list[dict]:
    hints = _rule_hints(rules, specs)
    rows = []
    for s in slots:
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                "required": s.required,
                "condition": s.condition,
                "rule": hints.get(s.name, ""),
                "declared": s.code in declared or s.name in declared,
                "errors": errors.get(s.code, []),
                "group": (groups or {}).get(s.item_index, "") if s.item_index else "",
                "shared": s.shared,
            }
        )
    return rows


def _split_errors(exc: InvalidInput, form: ApplicationForm) -> tuple[dict, list[str]]:
    """(errors per material code, other messages) after putting field errors on the form."""
    rest = form.add_service_errors(list(exc.errors or []))
    by_slot: dict[str, list[str]] = {}
    general: list[str] = []
    for err in rest:
        field = str(err.get("field") or "")
        if field.startswith("files."):
            by_slot.setdefault(field.removeprefix("files."), []).append(str(err["message"]))
        elif str(err.get("message")) not in general:
            general.append(str(err.get("message") or exc.message))
    if not exc.errors:
        general.append(exc.message)
    return by_slot, general


def _posted(request, slots) -> tuple[dict, list[str]]:
    codes = {s.code for s in slots}
    files = {code: request.FILES[code] for code in request.FILES if code in codes}
    conditions = [c for c in request.POST.getlist("conditions") if c in codes][:50]
    return files, conditions


def _context(request, *, applicant, agent, lookup_error, specs, rules, slots, groups=None):
    locked, initial = _identity(applicant) if applicant else ({}, {})
    kind = applicant_kind(applicant) if applicant else ApplicantKind.PERSON
    applicable = [s for s in specs if s.get("for") in (None, kind)]
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        specs=applicable,
        locked=locked,
        initial=initial,
    )
    return {
        "form": form,
        "applicant": applicant,
        "agent": agent,
        "lookup_error": lookup_error,
        "lookup": request.GET.get("applicant") or "",
        "locked": _locked_rows(locked, applicable),
        "policy": common.policy_current(),
        "accept": ACCEPT_ATTR,
        "kinds_text": KINDS_TEXT,
        "slot_rows": _slot_rows(slots, rules, applicable, {}, set(), groups),
        "errors": [],
        "failed": False,
    }


def _fail(context, exc: InvalidInput, slots, rules, declared, groups=None):
    by_slot, general = _split_errors(exc, context["form"])
    specs = list(context["form"].specs.values())
    context.update(
        slot_rows=_slot_rows(slots, rules, specs, by_slot, set(declared), groups),
        errors=general,
        failed=True,
    )


# --- one item ----------------------------------------------------------------------------------


def _not_online(request, items, *, status=200, bundle=None):
    """Where to go instead: the body, its places (when the catalogue gives them) and the
    guide."""
    rows = []
    for item in items:
        rows.append(
            {
                "item": item,
                "places": list(item.places),
                "guide_url": reverse("guide:item", args=[item.basic_code]) + f"?at={item.id}",
                "checklist_url": reverse("guide:checklist", args=[item.basic_code])
                + f"?at={item.id}",
            }
        )
    return render(
        request,
        "cases/not_online.html",
        {"rows": rows, "bundle": bundle},
        status=status,
    )


@signed_in_page
@require_http_methods(["GET", "POST"])
def apply(request, item_id: int):
    """申请 one published implementation item (the guide's 在线申请 link)."""
    item = catalog.published_item_get(pk=item_id)
    if not item.applicable_online:
        return _not_online(request, [item], status=200 if request.method == "GET" else 422)
    applicant, agent, lookup_error = _who(request)
    specs, rules = formdefs.definition_for([item.basic_code])
    slots = slotlib.item_slots(item.materials)
    context = _context(
        request,
        applicant=applicant,
        agent=agent,
        lookup_error=lookup_error,
        specs=specs,
        rules=rules,
        slots=slots,
    )
    context.update(
        item=item,
        title=item.name,
        limit=limit_text(item.promised_limit, item.promised_limit_unit),
        guide_url=reverse("guide:item", args=[item.basic_code]) + f"?at={item.id}",
    )
    status = 200
    if request.method == "POST" and applicant is not None:
        files, conditions = _posted(request, slots)
        try:
            case = services.application_submit(
                actor=request.user,
                item_id=item.id,
                form=context["form"].values(),
                files=files,
                conditions=conditions,
                applicant_id=applicant.pk if agent else None,
            )
        except InvalidInput as exc:
            _fail(context, exc, slots, rules, conditions)
            status = 422
        else:
            return redirect("cases:receipt", number=case.number)
    return render(request, "cases/apply.html", context, status=status)


# --- a bundle ----------------------------------------------------------------------------------


def _district(request, choices) -> int | None:
    raw = request.POST.get("district") or request.GET.get("district") or ""
    return next((pk for pk, _n in choices if str(pk) == raw), None)


@signed_in_page
@require_http_methods(["GET", "POST"])
def bundle_apply(request, code: str):
    """一件事一次办: one form, the shared materials once, each item's own materials; routed
    to the bodies of the chosen district (or the city's)."""
    if len(code) > 64 or not set(code) <= CODE_CHARS:
        raise Http404
    bundle = catalog.bundle_get(code=code)
    districts = selectors.district_choices()
    district_id = _district(request, districts)
    cache: dict = {}
    items, missing = [], []
    for basic_code in bundle.item_codes:
        found = implementation_for(basic_code, district_id=district_id, cache=cache)
        if found is None:
            missing.append(basic_code)
        else:
            items.append(found)
    offline = [i for i in items if not i.applicable_online]
    if missing or offline or not items:
        return _not_online(
            request,
            offline,
            status=200 if request.method == "GET" else 422,
            bundle={"ref": bundle, "missing": bool(missing) or not items},
        )
    applicant, agent, lookup_error = _who(request)
    specs, rules = formdefs.definition_for([i.basic_code for i in items])
    slots = slotlib.bundle_slots(bundle.shared_materials, [i.materials for i in items])
    groups = {k: i.name for k, i in enumerate(items, start=1)}
    context = _context(
        request,
        applicant=applicant,
        agent=agent,
        lookup_error=lookup_error,
        specs=specs,
        rules=rules,
        slots=slots,
        groups=groups,
    )
    context.update(
        bundle=bundle,
        title=bundle.name,
        items=items,
        districts=districts,
        district_id=district_id,
        limit=limit_text(bundle.promised_limit, bundle.promised_limit_unit)
        if bundle.promised_limit is not None
        else "",
        guide_url=reverse("guide:bundle", args=[bundle.code]),
    )
    status = 200
    if request.method == "POST" and applicant is not None:
        files, conditions = _posted(request, slots)
        try:
            case = services.bundle_submit(
                actor=request.user,
                bundle_code=bundle.code,
                form=context["form"].values(),
                files=files,
                conditions=conditions,
                district_id=district_id,
                applicant_id=applicant.pk if agent else None,
            )
        except InvalidInput as exc:
            _fail(context, exc, slots, rules, conditions, groups)
            status = 422
        else:
            return redirect("cases:receipt", number=case.number)
    return render(request, "cases/apply.html", context, status=status)


# --- the receipt -------------------------------------------------------------------------------


@signed_in_page
@require_GET
def receipt(request, number: str):
    """回执: the case number, what was received, what happens next and by when."""
    case = selectors.case_of_party(actor=request.user, number=number)
    subs = list(selectors.sub_cases(case=case)) if case.item_id is None else []
    return render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "status_label": status_label(case.status),
            "clock": clock_view(case),
            "limit": limit_text(case.limit_value, case.limit_unit) if case.limit_value else "",
            "materials": list(selectors.case_materials(case=case)),
            "subs": [{"c": c, "limit": limit_text(c.limit_value, c.limit_unit)} for c in subs],
        },
    )
