"""The rule editor's live preview (htmx): the officer edits the builder or the text, the page
posts the form (debounced) and gets back the count of matching enterprises with the warnings
or the precise error, and the other view of the same AST (out-of-band swaps).

* a value typed in a builder row → the count, the text rebuilt, each row's error in place (the
  builder itself is not re-rendered under the officer's cursor);
* a field or operator chosen, a row or group added or removed → the builder re-rendered too;
* the text typed → the count and the builder rebuilt from it, or the error at its line and
  column.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.policy import builder, rules, selectors
from yiwang.policy import permissions as perms
from yiwang.policy.views.common import (
    PostedRule,
    builder_choices,
    editor_for,
    rule_from_request,
    staff_page,
)


def city_for(request) -> int | None:
    """The city whose registry the count is taken over: the item's document's, else the
    officer's own."""
    raw = request.POST.get("document") or request.GET.get("document")
    if raw and str(raw).isdigit():
        document = selectors.document_get(actor=request.user, document_id=int(raw))
        return selectors.city_id_of(document.organisation.path)
    org = getattr(request.user, "organisation", None)
    return selectors.city_id_of(org.path) if org is not None else None


def _document_id(request) -> int | None:
    raw = request.POST.get("document")
    return int(raw) if raw and str(raw).isdigit() else None


@staff_page(perms.MANAGE)
@require_POST
def rule_preview(request):
    data = request.POST.copy()
    if data.get("rule_mode") in ("builder", "text"):  # the side this request comes from
        data["rule_source"] = data["rule_mode"]
    action = data.get("builder_action", "")
    if action:
        root = builder.apply_action(builder.from_post(data), action)
        tree, ok = builder.to_tree(root)
        if ok:
            posted = PostedRule(tree, root, rules.to_text(tree) if tree else "", "builder")
        else:
            error = root.error or _("Correct the conditions marked in the builder.")
            posted = PostedRule(None, root, data.get("rule_text", ""), "builder", error)
    else:
        posted = rule_from_request(data)
    editor = editor_for(
        tree=posted.tree,
        root=posted.root,
        text=posted.text,
        source=posted.source,
        city_id=city_for(request),
        exempt=bool(data.get("exempt_application")),
        error=posted.error,
        error_detail=posted.detail,
        document_id=_document_id(request),
    )
    structural = bool(action) or data.get("builder_refresh") == "1"
    builder_ok = posted.source == "builder" and not posted.error
    context = {
        "editor": editor,
        "swap_builder": structural or (posted.source == "text" and not posted.error),
        "swap_text": builder_ok,
        "rows": [n for n in builder.walk(editor.root) if not n.is_group],
        **builder_choices(),
    }
    return render(request, "policy/_rule_preview.html", context)
