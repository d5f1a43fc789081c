"""Writing the questions and answers of a policy item (the public ones are shown with it)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import NotFound
from yiwang.policy.models import PolicyFAQ
from yiwang.policy.services.common import invalid, item_for_write, raise_errors, text

FAQ_FIELDS = ("question", "answer", "public", "sort_order")
MAX_FAQS = 100


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict] = []
    cleaned = {
        "question": text(data.get("question"), "question", errors, limit=500, low=4),
        "answer": text(data.get("answer"), "answer", errors, limit=10_000, low=2),
        "public": bool(data.get("public", True)),
    }
    try:
        cleaned["sort_order"] = max(0, min(int(data.get("sort_order") or 0), 32767))
    except (TypeError, ValueError):
        cleaned["sort_order"] = 0
    raise_errors(errors)
    return cleaned


def faq_create(*, actor, item_id: int, data: dict[str, Any]) -> PolicyFAQ:
    with transaction.atomic():
        item = item_for_write(actor, item_id)  # 403 / 404 before any 422
        cleaned = _clean(data)
        if item.faqs.count() >= MAX_FAQS:
            raise invalid(
                None,
                "policy.too_many_faqs",
                _("An item has at most %(n)d questions.") % {"n": MAX_FAQS},
            )
        if "sort_order" not in data:
            last = item.faqs.aggregate(m=Max("sort_order"))["m"]
            cleaned["sort_order"] = 0 if last is None else min(last + 1, 32767)
        faq = PolicyFAQ.objects.create(item=item, **cleaned)
        audit_record(
            actor=actor, action="policy.faq.create", obj=faq, after=snapshot(faq, FAQ_FIELDS)
        )
    return faq


def _faq_for_write(actor, faq_id: int) -> PolicyFAQ:
    faq = PolicyFAQ.objects.filter(pk=faq_id).first()
    if faq is None:
        raise NotFound("policy FAQ")
    item_for_write(actor, faq.item_id)  # role and scope of the item (403 / 404)
    return PolicyFAQ.objects.select_for_update().get(pk=faq_id)


def faq_update(*, actor, faq_id: int, data: dict[str, Any]) -> PolicyFAQ:
    with transaction.atomic():
        faq = _faq_for_write(actor, faq_id)
        before = snapshot(faq, FAQ_FIELDS)
        merged = {name: getattr(faq, name) for name in FAQ_FIELDS}
        merged.update({k: v for k, v in data.items() if k in FAQ_FIELDS})
        for name, value in _clean(merged).items():
            setattr(faq, name, value)
        faq.save()
        audit_record(
            actor=actor,
            action="policy.faq.update",
            obj=faq,
            before=before,
            after=snapshot(faq, FAQ_FIELDS),
        )
    return faq


def faq_delete(*, actor, faq_id: int) -> None:
    with transaction.atomic():
        faq = _faq_for_write(actor, faq_id)
        audit_record(
            actor=actor, action="policy.faq.delete", obj=faq, before=snapshot(faq, FAQ_FIELDS)
        )
        faq.delete()
