"""Shared pieces of the policy pages: access decorators, status badges, the rule editor's
context (builder, text, live count) and turning service refusals into page errors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.core.choices import AccountKind, OrgKind
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import builder, rules, selectors
from yiwang.policy.analysis import RuleCheck, rule_check
from yiwang.policy.choices import DocumentStatus, ItemStatus

STATUS_CSS = {
    DocumentStatus.DRAFT: "text-bg-light border",
    DocumentStatus.PUBLISHED: "text-bg-success",
    DocumentStatus.WITHDRAWN: "text-bg-secondary",
    ItemStatus.DRAFT: "text-bg-light border",
    ItemStatus.PUBLISHED: "text-bg-success",
    ItemStatus.WITHDRAWN: "text-bg-secondary",
}
PAGE_SIZE = 30


def staff_page(perm: str):
    """An officer's page needing ``perm`` (public accounts and other staff: 403); a record
    outside the officer's scope is 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.kind not in (AccountKind.STAFF, AccountKind.SYSTEM) or not has_perm(
                request.user, perm
            ):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapped

    return decorator


def enterprise_page(view):
    """A page of enterprise users (others: 403); another enterprise's data is 404."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.kind != AccountKind.ENTERPRISE:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def writable_organisations(actor) -> list:
    """The organisations an officer may issue documents for: its own subtree, or its city's
    for city-wide officers (streets and communities do not issue policies)."""
    from yiwang.policy import permissions as perms

    prefix = selectors.scope_prefix(actor, perms.MANAGE)
    org = getattr(actor, "organisation", None)
    if prefix is None or org is None:
        return []
    model = type(org)  # the same listing the catalogue's 认领 page uses
    return list(
        model.objects.filter(path__startswith=prefix)
        .exclude(kind__in=[OrgKind.STREET, OrgKind.COMMUNITY])
        .order_by("path")
        .only("id", "name")
    )


# --- the rule editor ------------------------------------------------------------------------------


@dataclass
class RuleEditor:
    """What the rule editor shows: the builder nodes, the text, which side was edited last,
    and the result of the check (count and warnings) or the error."""

    root: builder.Group
    text: str
    source: str = "builder"  # the side the officer edited last: "builder" or "text"
    check: RuleCheck | None = None
    error: str = ""
    error_line: str = ""  # the text's line with the error, and a caret under the column
    error_caret: str = ""
    document_id: int | None = None
    empty: bool = False


@dataclass
class PostedRule:
    tree: dict | None
    root: builder.Group
    text: str
    source: str
    error: str = ""
    detail: dict | None = None  # line and column of a text error


def rule_from_request(data, *, strict: bool = False) -> PostedRule:
    """The rule of a posted rule editor. ``rule_source`` says which side holds it (the one the
    officer edited last); the other side is rebuilt from it when it is valid. ``strict``
    (saving) refuses unfinished builder rows."""
    source = "text" if data.get("rule_source") == "text" else "builder"
    text = data.get("rule_text", "") or ""
    if source == "text":
        if not text.strip():
            return PostedRule(None, builder.Group(), text, source)
        try:
            tree = rules.parse(text)
        except rules.RuleError as exc:
            detail = exc.errors[0] if exc.errors else None
            return PostedRule(None, builder.from_post(data), text, source, exc.message, detail)
        return PostedRule(tree, builder.from_tree(tree), rules.to_text(tree), source)
    root = builder.from_post(data)
    tree, ok = builder.to_tree(root, strict=strict)
    if not ok:
        error = root.error or _("Correct the conditions marked in the builder.")
        return PostedRule(None, root, text, source, error)
    return PostedRule(tree, root, rules.to_text(tree) if tree else "", source)


def caret(text: str, error_detail: dict | None) -> tuple[str, str]:
    """The line of ``text`` a parse error points at and a caret line under its column."""
    if not error_detail or "line" not in error_detail:
        return "", ""
    lines = text.splitlines() or [""]
    line = lines[min(error_detail["line"], len(lines)) - 1]
    column = max(1, error_detail.get("column", 1))
    return line, " " * (column - 1) + "^"


def editor_for(
    *,
    tree: dict | None,
    root: builder.Group | None = None,
    text: str | None = None,
    source: str = "builder",
    city_id: int | None,
    exempt: bool = False,
    error: str = "",
    error_detail: dict | None = None,
    document_id: int | None = None,
) -> RuleEditor:
    root = root if root is not None else builder.from_tree(tree)
    text = text if text is not None else (rules.to_text(tree) if tree else "")
    editor = RuleEditor(root=root, text=text, source=source, document_id=document_id)
    if error:
        editor.error = error
        editor.error_line, editor.error_caret = caret(text, error_detail)
    elif tree is None:
        editor.empty = True
    elif city_id is not None:
        editor.check = rule_check(tree, city_id=city_id, exempt_application=exempt)
    return editor


def builder_choices() -> dict:
    """The option lists every builder row draws from."""
    return {
        "field_choices": builder.field_choices(),
        "numeric_fields": builder.numeric_field_choices(),
        "qualifications": builder.qualification_choices(),
        "units": list(builder.UNIT_LABELS.items()),
        "preview_url": reverse("policy:rule_preview"),
    }
