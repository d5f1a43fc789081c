"""Officers' pages of policy items: the item form with the rule editor (builder ⇄ text, live
count), the item with its rule in words, actions and FAQ, and the explanation page (which
conditions an enterprise meets, with its values) shared with enterprise users."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.core.choices import AccountKind
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import builder, rules, selectors, services
from yiwang.policy import permissions as perms
from yiwang.policy.analysis import explanation, rule_check
from yiwang.policy.choices import ItemStatus
from yiwang.policy.describe import describe
from yiwang.policy.forms import ExplainForm, FAQForm, ItemForm, ReasonForm
from yiwang.policy.models import PolicyDocument, PolicyItem
from yiwang.policy.views.common import (
    STATUS_CSS,
    RuleEditor,
    builder_choices,
    editor_for,
    rule_from_request,
    staff_page,
)
from yiwang.policy.views.push import push_panel_context


def _city(document: PolicyDocument) -> int:
    return selectors.city_id_of(document.organisation.path)


def _initial(item: PolicyItem) -> dict:
    initial = {
        name: getattr(item, name)
        for name in ("title", "kind", "benefit", "amount_cap", "window_start", "window_end",
                     "contact_department", "contact_phone", "exempt_application", "revision")
    }  # fmt: skip
    initial["materials"] = "\n".join(item.materials or [])
    return initial


def _render_form(request, *, document, item, form, editor: RuleEditor):
    return render(
        request,
        "policy/item_form.html",
        {"document": document, "item": item, "form": form, "editor": editor, **builder_choices()},
    )


def _item_form_view(request, *, document: PolicyDocument, item: PolicyItem | None):
    actor = request.user
    city_id = _city(document)
    if request.method == "GET":
        form = ItemForm(initial=_initial(item) if item else {"kind": "subsidy"})
        tree = item.rule if item else None
        editor = editor_for(
            tree=tree,
            city_id=city_id,
            exempt=bool(item and item.exempt_application),
            document_id=document.pk,
        )
        return _render_form(request, document=document, item=item, form=form, editor=editor)
    form = ItemForm(request.POST)
    action = request.POST.get("builder_action", "")
    exempt = bool(request.POST.get("exempt_application"))
    if action:  # the builder's buttons without JavaScript: change the rows, save nothing
        root = builder.apply_action(builder.from_post(request.POST), action)
        tree, ok = builder.to_tree(root)
        editor = editor_for(
            tree=tree if ok else None,
            root=root,
            text=rules.to_text(tree) if ok and tree else request.POST.get("rule_text", ""),
            city_id=city_id,
            exempt=exempt,
            document_id=document.pk,
        )
        form.is_valid()
        return _render_form(request, document=document, item=item, form=form, editor=editor)
    posted = rule_from_request(request.POST, strict=True)
    editor = editor_for(
        tree=posted.tree,
        root=posted.root,
        text=posted.text,
        source=posted.source,
        city_id=city_id,
        exempt=exempt,
        error=posted.error,
        error_detail=posted.detail,
        document_id=document.pk,
    )
    if not form.is_valid() or posted.error:
        if posted.error:
            messages.error(request, _("Nothing was saved: the eligibility rule has an error."))
        return _render_form(request, document=document, item=item, form=form, editor=editor)
    data = form.data_for_service()
    try:
        if item is None:
            item = services.item_create(
                actor=actor, document_id=document.pk, data=data, rule=posted.tree
            )
        else:
            services.item_update(
                actor=actor,
                item_id=item.pk,
                data={**data, "rule": posted.tree},
                revision=form.cleaned_data.get("revision"),
            )
    except rules.RuleError as exc:
        editor.error, editor.check = exc.message, None
        return _render_form(request, document=document, item=item, form=form, editor=editor)
    except NotFound:
        raise
    except DomainError as exc:
        form.add_service_error(exc)
        return _render_form(request, document=document, item=item, form=form, editor=editor)
    if request.POST.get("action") == "publish":
        try:
            services.item_publish(actor=actor, item_id=item.pk)
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(
                request, _("Saved as a draft, not published: %(why)s") % {"why": exc.message}
            )
            return redirect("policy:item_edit", item.pk)
        messages.success(request, _("The item is published."))
        return redirect("policy:item", item.pk)
    messages.success(request, _("The draft item is saved."))
    return redirect("policy:item", item.pk)


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def item_create(request, pk: int):
    document = selectors.document_get(actor=request.user, document_id=pk, perm=perms.MANAGE)
    return _item_form_view(request, document=document, item=None)


@staff_page(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = selectors.item_get(actor=request.user, item_id=pk, perm=perms.MANAGE)
    if item.status != ItemStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited; revise the published item first."))
        return redirect("policy:item", pk)
    return _item_form_view(request, document=item.document, item=item)


def _words(tree: dict) -> dict:
    """The rule as nested rows of words (for the item page)."""
    children = []
    if tree["op"] in ("and", "or"):
        children = [_words(a) for a in tree["args"]]
    elif tree["op"] == "not" and tree["arg"]["op"] in ("and", "or"):
        children = [_words(tree["arg"])]
    return {"text": describe(tree), "children": children}


@staff_page(perms.VIEW)
@require_GET
def item_detail(request, pk: int):
    actor = request.user
    item = selectors.item_get(actor=actor, item_id=pk)
    may_manage = has_perm(actor, perms.MANAGE) and (
        selectors.items_visible(actor=actor, perm=perms.MANAGE).filter(pk=pk).exists()
    )
    check = None
    if item.rule:
        check = rule_check(
            item.rule,
            city_id=_city(item.document),
            exempt_application=item.exempt_application,
        )
    return render(
        request,
        "policy/item_detail.html",
        {
            "item": item,
            "document": item.document,
            "check": check,
            "words": _words(item.rule) if item.rule else None,
            "faqs": list(selectors.faqs_of(item)),
            "status_css": STATUS_CSS,
            "may_manage": may_manage,
            "reason_form": ReasonForm(),
            "faq_form": FAQForm(initial={"public": True}),
            "explain_form": ExplainForm(),
            "Status": ItemStatus,
            **push_panel_context(actor, item, may_manage),
        },
    )


def _item_action(request, pk: int, fn, success: str, **kwargs):
    try:
        fn(actor=request.user, item_id=pk, **kwargs)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("policy:item", pk)


@staff_page(perms.MANAGE)
@require_POST
def item_publish(request, pk: int):
    return _item_action(request, pk, services.item_publish, _("The item is published."))


@staff_page(perms.MANAGE)
@require_POST
def item_withdraw(request, pk: int):
    return _item_action(
        request,
        pk,
        services.item_withdraw,
        _("The item is withdrawn."),
        reason=request.POST.get("reason", ""),
    )


@staff_page(perms.MANAGE)
@require_POST
def item_revise(request, pk: int):
    try:
        services.item_revise(actor=request.user, item_id=pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("policy:item", pk)
    messages.success(request, _("The item is a draft again: edit it and publish the new version."))
    return redirect("policy:item_edit", pk)


@staff_page(perms.MANAGE)
@require_POST
def item_delete(request, pk: int):
    item = selectors.item_get(actor=request.user, item_id=pk, perm=perms.MANAGE)
    try:
        services.item_delete(actor=request.user, item_id=pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("policy:item", pk)
    messages.success(request, _("The draft item is deleted."))
    return redirect("policy:document", item.document_id)


@staff_page(perms.MANAGE)
@require_POST
def faq_add(request, pk: int):
    form = FAQForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a question and its answer."))
        return redirect("policy:item", pk)
    return _item_action(
        request, pk, services.faq_create, _("The question is added."), data=form.cleaned_data
    )


@staff_page(perms.MANAGE)
@require_POST
def faq_delete(request, pk: int):
    from yiwang.policy.models import PolicyFAQ

    faq = PolicyFAQ.objects.filter(pk=pk).only("item_id").first()
    if faq is None:
        raise NotFound("policy FAQ")
    item_id = faq.item_id
    try:
        services.faq_delete(actor=request.user, faq_id=pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question is deleted."))
    return redirect("policy:item", item_id)


@require_GET
def item_explain(request, pk: int):
    """Which conditions an enterprise meets. Officers: any enterprise of the item's city
    (``?uscc=``); enterprise users: their own enterprises and published items only."""
    actor = request.user
    if not actor.is_authenticated:
        return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
    is_enterprise = actor.kind == AccountKind.ENTERPRISE
    if not is_enterprise and not has_perm(actor, perms.VIEW):
        raise PermissionDenied
    try:
        if is_enterprise:
            item = selectors.public_item_get(item_id=pk)
            seats = selectors.enterprise_seats(actor)
            uscc = request.GET.get("uscc") or (seats[0].uscc if seats else "")
        else:
            item = selectors.item_get(actor=actor, item_id=pk)
            uscc = request.GET.get("uscc", "")
        form = ExplainForm({"uscc": uscc} if uscc else None)
        result, error = None, ""
        if uscc:
            try:
                item, enterprise = selectors.explain_subject(actor=actor, item_id=pk, uscc=uscc)
            except InvalidInput as exc:
                error = exc.message
            except NotFound:
                if is_enterprise:  # another enterprise's: exactly like a missing one
                    raise
                error = _("No enterprise of the item's city has this credit code in the registry.")
            else:
                result = explanation(item, enterprise)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "policy/explain.html",
        {
            "item": item,
            "form": form,
            "result": result,
            "error": error,
            "is_enterprise": is_enterprise,
            "show_rule": not is_enterprise,
            "seats": selectors.enterprise_seats(actor) if is_enterprise else [],
        },
    )
