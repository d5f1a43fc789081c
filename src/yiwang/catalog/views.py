"""Staff pages of the service-item catalogue: the implementation list with 认领, an item with its
published elements and version history, the draft editor, the reviewer's queue and the
consistency report.

Thin like every page: reads go through ``catalog.selectors`` (scoped to the actor: an editor's
own organisation subtree, a reviewer's or leader's city — another body's item is 404), writes
through ``catalog.services``; a service's refusal is shown on the form with the typed values.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.catalog import elements as el
from yiwang.catalog import permissions as perms
from yiwang.catalog import selectors, services
from yiwang.catalog.choices import UNIFIED_ELEMENTS, Level, VersionStatus
from yiwang.catalog.forms import AdoptForm, ItemFilterForm, NoteForm, ReasonForm, VersionForm
from yiwang.catalog.models import ImplementationItem, ImplementationVersion
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm

PAGE_SIZE = 50
BASIC_MATCHES = 30


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


def _label(element: str) -> str:
    try:
        return str(ImplementationVersion._meta.get_field(element).verbose_name)
    except Exception:  # an aspect of the report, not a field
        return element


ASPECTS = {
    "materials": gettext_lazy("materials"),
    "limits": gettext_lazy("time limits"),
    "fees": gettext_lazy("fees"),
    "visits": gettext_lazy("visits required"),
    "online": gettext_lazy("online depth"),
    "handling_type": gettext_lazy("handling type"),
}


# 材料类型 and 材料形式 (catalog-format.md: materials); shown by label, stored by code
MATERIAL_KINDS = {
    "original": gettext_lazy("Original"),
    "copy": gettext_lazy("Copy"),
    "form": gettext_lazy("Application form"),
    "certificate": gettext_lazy("Certificate or licence"),
}
MATERIAL_FORMS = {
    "paper": gettext_lazy("Paper"),
    "electronic": gettext_lazy("Electronic"),
    "both": gettext_lazy("Paper or electronic"),
}


def _material_rows(materials: list[dict]) -> list[dict]:
    return [
        {
            **m,
            "kind_label": str(MATERIAL_KINDS.get(m.get("kind"), m.get("kind") or "—")),
            "form_label": str(MATERIAL_FORMS.get(m.get("form"), m.get("form") or "—")),
            "required": bool(m.get("required", True)),
        }
        for m in materials
    ]


def _aspect_label(aspect: str) -> str:
    return str(ASPECTS[aspect]) if aspect in ASPECTS else aspect


def _show(value) -> str:
    """An element's value as one line of text for the diff tables."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        parts = []
        for entry in value:
            if isinstance(entry, dict):
                name = entry.get("name") or entry.get("item") or entry.get("q")
                if "required" in entry:
                    name = f"{name}（{'必要' if entry['required'] else '非必要'}）"
                if "days" in entry:
                    name = f"{name}（{entry['days']}）"
                parts.append(str(name) if name else json.dumps(entry, ensure_ascii=False))
            else:
                parts.append(str(entry))
        return "；".join(parts) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else "—"
    return "—" if value in (None, "") else str(value)


def _choice_labels(element: str) -> dict:
    try:
        field = ImplementationVersion._meta.get_field(element)
    except Exception:
        return {}
    return {k: str(v) for k, v in field.flatchoices} if field.choices else {}


def _diff_rows(changes: dict[str, list]) -> list[dict]:
    rows = []
    for name, (old, new) in changes.items():
        labels = _choice_labels(name)
        rows.append(
            {
                "element": name,
                "label": _label(name),
                "old": (labels.get(old) if labels else None) or _show(old),
                "new": (labels.get(new) if labels else None) or _show(new),
            }
        )
    return rows


def _open_versions(item_ids) -> dict[int, ImplementationVersion]:
    return {
        v.item_id: v
        for v in ImplementationVersion.objects.filter(
            item_id__in=list(item_ids), status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW]
        )
    }


def _may_write(user) -> bool:
    return has_perm(user, perms.EDIT) or has_perm(user, perms.REVIEW)


# --- list and adoption -------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def items(request):
    actor = request.user
    scoped = selectors.implementations_visible(actor=actor)
    departments = sorted(set(scoped.values_list("basic__department", flat=True)))
    filters = ItemFilterForm(request.GET or None, departments=departments)
    qs = scoped
    if request.GET and filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            qs = qs.filter(
                Q(basic__name__icontains=data["q"])
                | Q(code__startswith=data["q"])
                | Q(basic__code__startswith=data["q"])
            )
        if data["department"]:
            qs = qs.filter(basic__department=data["department"])
        if data["kind"]:
            qs = qs.filter(basic__kind=data["kind"])
        status = data["status"]
        if status == "published":
            qs = qs.filter(current__isnull=False)
        elif status == "unpublished":
            qs = qs.filter(current__isnull=True)
        elif status in (VersionStatus.DRAFT, VersionStatus.REVIEW):
            qs = qs.filter(
                Exists(ImplementationVersion.objects.filter(item=OuterRef("pk"), status=status))
            )
    page = Paginator(qs.order_by("basic__code", "code"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    opened = _open_versions(i.pk for i in page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/items.html",
        {
            "filters": filters,
            "page": page,
            "rows": [(i, opened.get(i.pk)) for i in page.object_list],
            "query": query.urlencode(),
            "may_adopt": has_perm(actor, perms.EDIT),
        },
    )


def _own_organisations(actor):
    org = getattr(actor, "organisation", None)
    if org is None:
        return []
    model = type(org)
    return list(model.objects.filter(path__startswith=org.path).order_by("path").only("id", "name"))


@staff_page(perms.EDIT)
@require_http_methods(["GET", "POST"])
def adopt(request):
    """认领: search the basic catalogue, pick an item, an organisation and the operation."""
    actor = request.user
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()[:100]
    basics = selectors.basic_items().order_by("code")
    matches = list(
        basics.filter(Q(name__icontains=q) | Q(code__startswith=q))[:BASIC_MATCHES] if q else []
    )
    posted = _int_param(request.POST.get("basic_id"))
    if posted is not None and all(b.pk != posted for b in matches):
        matches += list(basics.filter(pk=posted))  # keep the pick after a failed POST
    form = AdoptForm(
        request.POST if request.method == "POST" else None,
        basics=matches,
        organisations=_own_organisations(actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.implementation_create(actor=actor, **form.cleaned_data)
        except NotFound:
            form.add_error("basic_id", _("This item or organisation is not available to you."))
            form.mark_invalid()
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Item adopted: draft version 1 is ready to edit (%(code)s).")
                % {"code": item.code},
            )
            version = item.versions.get(number=1)
            return redirect("catalog:version_edit", pk=version.pk)
    return render(request, "catalog/adopt.html", {"form": form, "q": q, "matches": matches})


# --- one item ----------------------------------------------------------------------------------


def _detail_context(request, item: ImplementationItem, **extra) -> dict:
    basic = item.basic
    versions = list(selectors.versions_of(item))
    levels = dict(Level.choices)
    unified = [
        (_("Item name"), basic.name),
        (_("Basic code"), basic.code),
        (_("Item kind"), basic.get_kind_display()),
        (_("Competent department"), basic.department),
        (
            _("Implementing levels"),
            "、".join(str(levels.get(x, x)) for x in basic.implementing_levels),
        ),
        (_("Legal basis"), "；".join(basic.basis)),
    ]
    actor = request.user
    open_version = next(
        (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.REVIEW)), None
    )
    context = {
        "item": item,
        "unified": unified,
        "unified_count": len(UNIFIED_ELEMENTS),
        "version": item.current,
        "material_rows": _material_rows(item.current.materials) if item.current else [],
        "versions": versions,
        "open_version": open_version,
        "history": [
            (v, versions[i + 1].pk if i + 1 < len(versions) else None)
            for i, v in enumerate(versions)
        ],
        "may_draft": _may_write(actor) and open_version is None,
        "may_edit": _may_write(actor),
        "may_withdraw": has_perm(actor, perms.REVIEW) and item.current is not None,
        "reason_form": ReasonForm(),
    }
    context.update(extra)
    return context


@staff_page(perms.VIEW)
@require_GET
def item_detail(request, pk: int):
    item = selectors.implementation_get(actor=request.user, item_id=pk)
    return render(request, "catalog/item.html", _detail_context(request, item))


@staff_page(perms.EDIT, perms.REVIEW)
@require_POST
def item_draft(request, pk: int):
    item = selectors.implementation_get(actor=request.user, item_id=pk)
    try:
        version = services.version_draft(actor=request.user, item_id=item.pk)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("catalog:item", pk=item.pk)
    messages.success(request, _("Draft version %(n)d started.") % {"n": version.number})
    return redirect("catalog:version_edit", pk=version.pk)


@staff_page(perms.REVIEW)
@require_POST
def item_withdraw(request, pk: int):
    item = selectors.implementation_get(actor=request.user, item_id=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.implementation_withdraw(
                actor=request.user, item_id=item.pk, reason=form.cleaned_data["reason"]
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The item was withdrawn."))
            return redirect("catalog:item", pk=item.pk)
    item.refresh_from_db()
    return render(request, "catalog/item.html", _detail_context(request, item, reason_form=form))


def _int_param(value) -> int | None:
    """A database id from a query or form value, else None (ASCII digits, at most 18 of them:
    "²" or a 30-digit number must not reach ``int()`` or the database)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@staff_page(perms.VIEW)
@require_GET
def item_diff(request, pk: int):
    item = selectors.implementation_get(actor=request.user, item_id=pk)
    old_id, new_id = _int_param(request.GET.get("old")), _int_param(request.GET.get("new"))
    if old_id is None or new_id is None:
        raise Http404
    versions = {v.pk: v for v in item.versions.filter(pk__in=[old_id, new_id])}
    if old_id not in versions or new_id not in versions:
        raise Http404
    changes = selectors.version_diff(actor=request.user, old_id=old_id, new_id=new_id)
    return render(
        request,
        "catalog/diff.html",
        {
            "item": item,
            "old": versions[old_id],
            "new": versions[new_id],
            "rows": _diff_rows(changes),
        },
    )


# --- editing a draft ---------------------------------------------------------------------------


@staff_page(perms.EDIT, perms.REVIEW)
@require_http_methods(["GET", "POST"])
def version_edit(request, pk: int):
    actor = request.user
    version = ImplementationVersion.objects.filter(pk=pk).first()
    if version is None:
        raise Http404
    item = selectors.implementation_get(actor=actor, item_id=version.item_id)
    if version.status != VersionStatus.DRAFT:
        messages.warning(request, _("Only a draft can be edited."))
        return redirect("catalog:item", pk=item.pk)
    form = VersionForm(
        request.POST if request.method == "POST" else None,
        initial=VersionForm.initial_from(version),
        existing_materials=version.materials,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # "save and submit" is one change: both or neither
                services.version_update(actor=actor, version_id=version.pk, **form.cleaned_data)
                if request.POST.get("action") == "submit":
                    services.version_submit(actor=actor, version_id=version.pk)
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            if request.POST.get("action") == "submit":
                messages.success(request, _("Submitted for review."))
                return redirect("catalog:item", pk=item.pk)
            messages.success(request, _("Draft saved."))
            return redirect("catalog:version_edit", pk=version.pk)
    return render(
        request,
        "catalog/edit.html",
        {"form": form, "version": version, "item": item},
    )


# --- review ------------------------------------------------------------------------------------


def _review_page(request, *, failed: int | None = None, failed_form=None):
    in_review = list(
        ImplementationVersion.objects.filter(
            status=VersionStatus.REVIEW,
            item__in=selectors.implementations_visible(actor=request.user),
        )
        .select_related("item__basic", "item__organisation", "item__current", "created_by")
        .order_by("submitted_at", "pk")
    )
    entries = []
    for version in in_review:
        item = version.item
        base = el.elements_of(item.current) if item.current else dict(item.basic.standard)
        entries.append(
            {
                "version": version,
                "against_standard": item.current is None,
                "rows": _diff_rows(el.diff(base, el.elements_of(version))),
                "form": failed_form if version.pk == failed else NoteForm(prefix=f"v{version.pk}"),
            }
        )
    return render(request, "catalog/review.html", {"entries": entries})


@staff_page(perms.REVIEW)
@require_GET
def review(request):
    return _review_page(request)


def _version_in_scope(actor, pk: int) -> ImplementationVersion:
    version = ImplementationVersion.objects.filter(pk=pk).first()
    if version is None:
        raise Http404
    selectors.implementation_get(actor=actor, item_id=version.item_id)
    return version


@staff_page(perms.REVIEW)
@require_POST
def version_publish(request, pk: int):
    version = _version_in_scope(request.user, pk)
    try:
        services.version_publish(actor=request.user, version_id=version.pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)d published.") % {"n": version.number})
    return redirect("catalog:review")


@staff_page(perms.REVIEW)
@require_POST
def version_send_back(request, pk: int):
    version = _version_in_scope(request.user, pk)
    form = NoteForm(request.POST, prefix=f"v{version.pk}")
    if form.is_valid():
        try:
            services.version_send_back(
                actor=request.user, version_id=version.pk, note=form.cleaned_data["note"]
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Version %(n)d sent back.") % {"n": version.number})
            return redirect("catalog:review")
    return _review_page(request, failed=version.pk, failed_form=form)


# --- consistency report ------------------------------------------------------------------------


@staff_page(perms.VIEW)
@require_GET
def consistency(request):
    rows, by_department, by_district = selectors.consistency_report(actor=request.user)
    only_unjustified = request.GET.get("unjustified") == "1"
    if only_unjustified:
        rows = [r for r in rows if r.unjustified]
    chart = {
        "labels": {
            "department": _("Standardisation score by department"),
            "district": _("Standardisation score by district"),
            "score": _("standardisation score"),
        },
        "department": {
            "names": [s.name for s in by_department],
            "values": [s.score for s in by_department],
        },
        "district": {
            "names": [s.name for s in by_district],
            "values": [s.score for s in by_district],
        },
    }
    shown = [
        {
            "row": r,
            "differing": [_aspect_label(a) for a in r.differing],
            "implementations": [
                {"impl": i, "deviations": [_aspect_label(a) for a in i.deviations]}
                for i in r.implementations
            ],
        }
        for r in rows
    ]
    return render(
        request,
        "catalog/consistency.html",
        {
            "rows": shown,
            "only_unjustified": only_unjustified,
            "by_department": by_department,
            "by_district": by_district,
            "chart_data": chart,
        },
    )


__all__ = [
    "adopt",
    "consistency",
    "item_detail",
    "item_diff",
    "item_draft",
    "item_withdraw",
    "items",
    "review",
    "version_edit",
    "version_publish",
    "version_send_back",
]
