"""Writing policy items: create and edit drafts (the eligibility rule given as text or AST),
publish (the rule re-checked, 免申即享 only over verifiable fields), withdraw, revise, delete.

Transitions (``ITEM_MOVES``): draft → published → withdrawn; ``revise`` brings a published or
withdrawn item back to draft for editing (a published one goes offline until it is published
again). Each publication increments ``version``.

**The precise push**: after the transaction of a publication commits, the item is pushed at
once (:func:`yiwang.policy.services.push.push_on_publication`); after a withdrawal or a
revision of a published item, its pending pushes stop
(:func:`yiwang.policy.services.push.push_on_withdrawal`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict
from yiwang.policy import rules
from yiwang.policy.choices import DocumentStatus, ItemKind, ItemStatus
from yiwang.policy.models import PolicyItem
from yiwang.policy.services.common import (
    document_for_write,
    invalid,
    item_for_write,
    raise_errors,
    revision_check,
    text,
    transition,
)
from yiwang.policy.services.documents import _date, _reason
from yiwang.policy.services.push import push_on_publication, push_on_withdrawal
from yiwang.policy.validators import phone_normalise
from yiwang.registry import facade as registry

I = ItemStatus  # noqa: E741
ITEM_MOVES = {
    "publish": {I.DRAFT: I.PUBLISHED},
    "withdraw": {I.PUBLISHED: I.WITHDRAWN},
    "revise": {I.PUBLISHED: I.DRAFT, I.WITHDRAWN: I.DRAFT},
}
ITEM_FIELDS = ("title", "kind", "benefit", "amount_cap", "window_start", "window_end",
               "materials", "contact_department", "contact_phone", "exempt_application",
               "sort_order")  # fmt: skip
AUDITED = (*ITEM_FIELDS, "rule_text", "status", "version", "published_at", "withdraw_reason")
MAX_MATERIALS = 50
AMOUNT_MAX = Decimal("9999999999.99")


def rule_resolve(*, rule: Any = None, rule_text: str | None = None) -> dict | None:
    """The checked AST of a rule given as an AST (JSON) or as text — the AST wins when both
    are given; ``None`` when neither is (an item without a rule yet). ``RuleError`` (422,
    line and column for text) otherwise."""
    if rule not in (None, {}, ""):
        return rules.validate(rule)
    if rule_text is not None and str(rule_text).strip():
        return rules.parse(str(rule_text))
    return None


def unverifiable_fields(tree: dict) -> list[str]:
    """Fields a rule reads that registry data cannot verify (self-declared, free tags):
    such a rule cannot grant a benefit without an application (免申即享)."""
    names = []
    for name in sorted(rules.fields_used(tree)):
        spec = registry.field_get(name)
        if spec is not None and not spec.verifiable:
            names.append(name)
    return names


def _amount(value, errors: list[dict]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX:
        errors.append(
            {
                "field": "amount_cap",
                "code": "policy.invalid_amount",
                "message": _("Write the cap in 10,000 yuan as a number from 0, e.g. 50 or 12.5."),
            }
        )
        return None
    return amount


def _materials(value, errors: list[dict]) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(
            {
                "field": "materials",
                "code": "policy.invalid_materials",
                "message": _("Materials are a list of names."),
            }
        )
        return []
    names = [v.strip() for v in value if v.strip()]
    if len(names) > MAX_MATERIALS or any(len(n) > 300 for n in names):
        errors.append(
            {
                "field": "materials",
                "code": "policy.invalid_materials",
                "message": _("At most %(n)d materials of at most 300 characters each.")
                % {"n": MAX_MATERIALS},
            }
        )
        return []
    return names


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict] = []
    kind = data.get("kind")
    if kind not in ItemKind.values:
        errors.append(
            {
                "field": "kind",
                "code": "policy.invalid_kind",
                "message": _("Choose one of: %(kinds)s.")
                % {"kinds": ", ".join(str(label) for label in ItemKind.labels)},
            }
        )
    cleaned: dict[str, Any] = {
        "title": text(data.get("title"), "title", errors, limit=200, low=2),
        "kind": kind,
        "benefit": text(data.get("benefit"), "benefit", errors, limit=5000),
        "amount_cap": _amount(data.get("amount_cap"), errors),
        "window_start": _date(data.get("window_start"), "window_start", errors, required=False),
        "window_end": _date(data.get("window_end"), "window_end", errors, required=False),
        "materials": _materials(data.get("materials"), errors),
        "contact_department": text(
            data.get("contact_department"),
            "contact_department",
            errors,
            required=False,
            limit=100,
        ),
        "contact_phone": text(
            data.get("contact_phone"), "contact_phone", errors, required=False, limit=24
        ),
        "exempt_application": bool(data.get("exempt_application")),
    }
    try:
        cleaned["sort_order"] = max(0, min(int(data.get("sort_order") or 0), 32767))
    except (TypeError, ValueError):
        cleaned["sort_order"] = 0
    if cleaned["contact_phone"]:
        try:
            cleaned["contact_phone"] = phone_normalise(cleaned["contact_phone"])
        except ValidationError as exc:
            errors.append(
                {
                    "field": "contact_phone",
                    "code": "policy.invalid_phone",
                    "message": " ".join(exc.messages),
                }
            )
    start, end = cleaned["window_start"], cleaned["window_end"]
    if start and end and end < start:
        errors.append(
            {
                "field": "window_end",
                "code": "policy.window_order",
                "message": _("The application window ends before it starts."),
            }
        )
    raise_errors(errors)
    return cleaned


def _set_rule(item: PolicyItem, tree: dict | None) -> None:
    item.rule = tree
    item.rule_text = rules.to_text(tree) if tree else ""


def item_create(
    *,
    actor,
    document_id: int,
    data: dict[str, Any],
    rule: Any = None,
    rule_text: str | None = None,
) -> PolicyItem:
    """A draft item of a document (draft or published, not withdrawn)."""
    with transaction.atomic():
        document = document_for_write(actor, document_id)  # 403 / 404 before any 422
        cleaned = _clean(data)
        tree = rule_resolve(rule=rule, rule_text=rule_text)
        if document.status == DocumentStatus.WITHDRAWN:
            raise Conflict(
                "policy.document_withdrawn", _("A withdrawn document can no longer be edited.")
            )
        if "sort_order" not in data:
            last = document.items.aggregate(m=Max("sort_order"))["m"]
            cleaned["sort_order"] = 0 if last is None else min(last + 1, 32767)
        item = PolicyItem(document=document, **cleaned)
        _set_rule(item, tree)
        item.save()
        audit_record(
            actor=actor, action="policy.item.create", obj=item, after=snapshot(item, AUDITED)
        )
    return item


def item_update(
    *,
    actor,
    item_id: int,
    data: dict[str, Any],
    revision: int | None = None,
) -> PolicyItem:
    """Change the given fields of a draft item. ``data`` may hold ``rule`` (AST) and/or
    ``rule_text``; an empty rule clears it. A published item is revised first (409)."""
    with transaction.atomic():
        item = item_for_write(actor, item_id)
        revision_check(item, revision)
        if item.status != I.DRAFT:
            raise Conflict(
                "policy.item_not_draft",
                _("Only a draft can be edited; revise the published item first."),
            )
        before = snapshot(item, AUDITED)
        merged = {name: getattr(item, name) for name in ITEM_FIELDS}
        merged.update({k: v for k, v in data.items() if k in ITEM_FIELDS})
        cleaned = _clean(merged)
        if "rule" in data or "rule_text" in data:
            _set_rule(item, rule_resolve(rule=data.get("rule"), rule_text=data.get("rule_text")))
        for name, value in cleaned.items():
            setattr(item, name, value)
        item.revision += 1
        item.save()
        audit_record(
            actor=actor,
            action="policy.item.update",
            obj=item,
            before=before,
            after=snapshot(item, AUDITED),
        )
    return item


def item_publish(*, actor, item_id: int, today: dt.date | None = None) -> PolicyItem:
    """Publish a draft: its document must be published and in force, its rule valid against
    today's field catalogue; 免申即享 only when every field the rule reads is verifiable.
    The version goes up by one and the push hears of it after the commit."""
    today = today or timezone.localdate()
    with transaction.atomic():
        item = item_for_write(actor, item_id)
        before = snapshot(item, AUDITED)
        status = transition(ITEM_MOVES, "publish", item.status, ItemStatus)
        document = item.document
        if document.status != DocumentStatus.PUBLISHED:
            raise Conflict(
                "policy.document_not_published",
                _("Publish the policy document before its items."),
            )
        errors: list[dict] = []
        if document.effective_to and document.effective_to < today:
            errors.append(
                {
                    "field": None,
                    "code": "policy.document_expired",
                    "message": _("The policy document was valid until %(date)s.")
                    % {"date": document.effective_to.isoformat()},
                }
            )
        if item.window_end and item.window_end < today:
            errors.append(
                {
                    "field": "window_end",
                    "code": "policy.window_closed",
                    "message": _("The application window closed on %(date)s.")
                    % {"date": item.window_end.isoformat()},
                }
            )
        if not item.rule:
            errors.append(
                {
                    "field": "rule",
                    "code": "policy.rule_required",
                    "message": _(
                        "A published item needs an eligibility rule (for every operating "
                        'enterprise: status = "operating").'
                    ),
                }
            )
        raise_errors(errors)
        tree = rules.validate(item.rule)  # the catalogue may have changed since the draft
        if item.exempt_application:
            bad = unverifiable_fields(tree)
            if bad:
                labels = "、".join(str(registry.field_get(n).label) for n in bad)
                raise invalid(
                    "exempt_application",
                    "policy.not_verifiable",
                    _(
                        "An item granted without application (免申即享) may only use conditions "
                        "verifiable from registry data; %(fields)s are not. Remove them or "
                        "untick 免申即享."
                    )
                    % {"fields": labels},
                )
        _set_rule(item, tree)
        item.status = status
        item.version += 1
        item.published_at = timezone.now()
        item.withdrawn_at, item.withdraw_reason = None, ""
        item.revision += 1
        item.save()
        audit_record(
            actor=actor,
            action="policy.item.publish",
            obj=item,
            before=before,
            after=snapshot(item, AUDITED),
        )
        transaction.on_commit(partial(push_on_publication, item.pk, actor))
    return item


def item_withdraw(*, actor, item_id: int, reason: str) -> PolicyItem:
    """Take a published item offline (pending pushes stop)."""
    with transaction.atomic():
        item = item_for_write(actor, item_id)
        reason = _reason(reason)
        before = snapshot(item, AUDITED)
        item.status = transition(ITEM_MOVES, "withdraw", item.status, ItemStatus)
        item.withdrawn_at, item.withdraw_reason = timezone.now(), reason
        item.revision += 1
        item.save()
        audit_record(
            actor=actor,
            action="policy.item.withdraw",
            obj=item,
            before=before,
            after=snapshot(item, AUDITED),
        )
        transaction.on_commit(partial(push_on_withdrawal, item.pk, actor, reason))
    return item


def item_revise(*, actor, item_id: int) -> PolicyItem:
    """Back to draft to edit a published or withdrawn item (a published one goes offline
    until it is published again, with the next version)."""
    with transaction.atomic():
        item = item_for_write(actor, item_id)
        before = snapshot(item, AUDITED)
        was = item.status
        item.status = transition(ITEM_MOVES, "revise", item.status, ItemStatus)
        item.revision += 1
        item.save()
        audit_record(
            actor=actor,
            action="policy.item.revise",
            obj=item,
            before=before,
            after=snapshot(item, AUDITED),
        )
        if was == I.PUBLISHED:
            transaction.on_commit(
                partial(push_on_withdrawal, item.pk, actor, _("The item is being revised."))
            )
    return item


def item_delete(*, actor, item_id: int) -> None:
    """Delete a draft item that was never published."""
    with transaction.atomic():
        item = item_for_write(actor, item_id)
        if item.status != I.DRAFT or item.version:
            raise Conflict(
                "policy.item_not_deletable",
                _("Only a draft that was never published can be deleted; withdraw it instead."),
            )
        audit_record(
            actor=actor, action="policy.item.delete", obj=item, before=snapshot(item, AUDITED)
        )
        item.delete()
