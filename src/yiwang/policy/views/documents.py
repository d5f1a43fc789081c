"""Officers' pages of policy documents: the list (scoped to the officer's organisation subtree,
or city), a document with its attachments and items, the document form, and the actions
(publish, withdraw, delete, attach and remove files)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors, services
from yiwang.policy.choices import DocumentStatus, ItemStatus
from yiwang.policy.forms import AttachmentForm, DocumentFilterForm, DocumentForm, ReasonForm
from yiwang.policy.services.documents import listing_deadline
from yiwang.policy.views.common import (
    PAGE_SIZE,
    STATUS_CSS,
    public_page,
    staff_page,
    writable_organisations,
)


@staff_page(perms.VIEW)
@require_GET
def documents(request):
    actor = request.user
    filters = DocumentFilterForm(request.GET or None)
    qs = selectors.documents_visible(actor=actor).annotate(
        item_count=Count("items"),
        published_items=Count("items", filter=Q(items__status=ItemStatus.PUBLISHED)),
    )
    if request.GET and filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(document_number__icontains=data["q"]))
        if data["status"]:
            qs = qs.filter(status=data["status"])
    page = Paginator(qs.order_by("-issue_date", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/documents.html",
        {
            "filters": filters,
            "page": page,
            "status_css": STATUS_CSS,
            "may_manage": has_perm(actor, perms.MANAGE),
            "query": query.urlencode(),
        },
    )


def _form_data(form: DocumentForm) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "revision"}


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def document_create(request):
    actor = request.user
    organisations = writable_organisations(actor)
    initial = {"organisation_id": getattr(actor, "organisation_id", None)}
    form = DocumentForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisations=organisations,
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_create(actor=actor, data=_form_data(form))
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The draft policy document is saved."))
            return redirect("policy:document", document.pk)
    return render(request, "policy/document_form.html", {"form": form, "document": None})


@staff_page(perms.VIEW)
@require_GET
def document_detail(request, pk: int):
    actor = request.user
    document = selectors.document_get(actor=actor, document_id=pk)
    may_manage = has_perm(actor, perms.MANAGE) and (
        selectors.documents_visible(actor=actor, perm=perms.MANAGE).filter(pk=pk).exists()
    )
    items = list(document.items.order_by("sort_order", "pk"))
    return render(
        request,
        "policy/document_detail.html",
        {
            "document": document,
            "items": items,
            "attachments": list(selectors.attachments_of(document)),
            "status_css": STATUS_CSS,
            "may_manage": may_manage,
            "listing_deadline": listing_deadline(document.issue_date),
            "reason_form": ReasonForm(),
            "attachment_form": AttachmentForm(),
            "Status": DocumentStatus,
        },
    )


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    actor = request.user
    document = selectors.document_get(actor=actor, document_id=pk, perm=perms.MANAGE)
    organisations = writable_organisations(actor)
    if all(o.pk != document.organisation_id for o in organisations):
        organisations.insert(0, document.organisation)
    initial = {
        name: getattr(document, name)
        for name in ("title", "organisation_id", "document_number", "issue_date",
                     "effective_from", "effective_to", "full_text", "interpretation", "revision")
    }  # fmt: skip
    form = DocumentForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisations=organisations,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                actor=actor,
                document_id=pk,
                data=_form_data(form),
                revision=form.cleaned_data.get("revision"),
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The policy document is saved."))
            return redirect("policy:document", pk)
    return render(request, "policy/document_form.html", {"form": form, "document": document})


def _act(request, fn, success: str, pk: int, **kwargs):
    try:
        fn(actor=request.user, **kwargs)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("policy:document", pk)


@staff_page(perms.MANAGE)
@require_POST
def document_publish(request, pk: int):
    return _act(
        request,
        services.document_publish,
        _("The policy document is listed. Publish its items one by one."),
        pk,
        document_id=pk,
    )


@staff_page(perms.MANAGE)
@require_POST
def document_withdraw(request, pk: int):
    return _act(
        request,
        services.document_withdraw,
        _("The policy document and its published items are withdrawn."),
        pk,
        document_id=pk,
        reason=request.POST.get("reason", ""),
    )


@staff_page(perms.MANAGE)
@require_POST
def document_delete(request, pk: int):
    try:
        services.document_delete(actor=request.user, document_id=pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("policy:document", pk)
    messages.success(request, _("The draft policy document is deleted."))
    return redirect("policy:documents")


@staff_page(perms.MANAGE)
@require_POST
def attachment_add(request, pk: int):
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a file to attach."))
        return redirect("policy:document", pk)
    return _act(
        request,
        services.attachment_add,
        _("The file is attached."),
        pk,
        document_id=pk,
        uploaded=uploaded,
    )


@staff_page(perms.MANAGE)
@require_POST
def attachment_remove(request, pk: int):
    attachment = selectors.public_attachment_get(actor=request.user, attachment_id=pk)
    return _act(
        request,
        services.attachment_remove,
        _("The file is removed."),
        attachment.document_id,
        attachment_id=pk,
    )


@public_page
@require_GET
def attachment_download(request, pk: int):
    """A file of a published document (anyone) or of a draft in the officer's scope."""
    attachment = selectors.public_attachment_get(actor=request.user, attachment_id=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.content_type not in ("application/pdf", "image/jpeg", "image/png"),
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
