"""免申即享 grants after the push created them: disbursement — approved → paid (one by one or
selected in bulk, with a payment reference) and approved → revoked (with a reason). The
enterprise's and the officer's lists are in :mod:`yiwang.policy.selectors_desk`.

Transitions (``GRANT_MOVES``) are the only ones allowed; anything else is 409. Officers need
``policy.manage`` on the grant's item (its document issued inside their scope: 404 outside);
enterprise users and staff without the code get 403. Each change is audited with before and
after, and the enterprise's users are told after the commit (inbox + SMS).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import GrantStatus
from yiwang.policy.models import Grant
from yiwang.policy.services.common import (
    invalid,
    raise_errors,
    revision_check,
    text,
    transition,
    writer_check,
)
from yiwang.policy.services.inbox import Notice, notices_send

G = GrantStatus
GRANT_MOVES = {
    "pay": {G.APPROVED: G.PAID},
    "revoke": {G.APPROVED: G.REVOKED},
}
AUDITED = ("status", "amount", "paid_at", "payment_reference", "note", "updated_by_id")
BULK_MAX = 200  # a page of grants or a batch transfer; each one is audited


def money(amount: Decimal | None) -> str:
    """An amount in 10,000 yuan as the notices write it (``30万元``, ``12.5万元``)."""
    if amount is None:
        return ""
    return f"{amount.normalize():f}万元"


# --- writes ---------------------------------------------------------------------------------------


def _item_for_grants(actor, item_id: int) -> None:
    """403 without ``policy.manage`` (enterprise users included), 404 outside the scope."""
    writer_check(actor)
    if actor is not None:
        selectors.item_get(actor=actor, item_id=item_id, perm=perms.MANAGE)


def _grant_for_write(actor, grant_id: int) -> Grant:
    writer_check(actor)
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("item", "item__document__organisation", "enterprise")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        raise NotFound("grant")
    if actor is not None:
        try:
            selectors.item_get(actor=actor, item_id=grant.item_id, perm=perms.MANAGE)
        except NotFound:
            raise NotFound("grant") from None
    return grant


def _reference(value) -> str:
    errors: list[dict] = []
    reference = text(value, "payment_reference", errors, limit=60, low=4)
    raise_errors(errors)
    return reference


def _paid_notice(grant: Grant) -> Notice:
    return Notice(
        template="policy.grant_paid",
        uscc=grant.enterprise.uscc,
        context={
            "enterprise": grant.enterprise.name,
            "item": grant.item.title,
            "amount": money(grant.amount),
            "reference": grant.payment_reference,
        },
        key=f"policy.grant:{grant.pk}:paid",
        link=reverse("policy:desk_grants"),
    )


def _pay(grant: Grant, actor, reference: str, now) -> dict:
    before = snapshot(grant, AUDITED)
    grant.status = transition(GRANT_MOVES, "pay", grant.status, GrantStatus)
    grant.paid_at = now
    grant.payment_reference = reference
    grant.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    grant.revision += 1
    return before


def grant_pay(
    *, actor, grant_id: int, payment_reference: str, revision: int | None = None
) -> Grant:
    """Record the disbursement of an approved grant (approved → paid) with its payment
    reference; the enterprise is told."""
    with transaction.atomic():
        grant = _grant_for_write(actor, grant_id)
        reference = _reference(payment_reference)
        revision_check(grant, revision)
        before = _pay(grant, actor, reference, timezone.now())
        grant.save()
        audit_record(
            actor=actor,
            action="policy.grant.pay",
            obj=grant,
            before=before,
            after=snapshot(grant, AUDITED),
        )
        notice = _paid_notice(grant)
        transaction.on_commit(lambda: notices_send([notice]))
    return grant


def grants_pay(*, actor, item_id: int, grant_ids: list[int], payment_reference: str) -> list[Grant]:
    """Pay several approved grants of one item with one payment reference (a batch transfer).
    All or nothing: a grant that is not approved any more is 409, one of another item 404."""
    with transaction.atomic():
        _item_for_grants(actor, item_id)
        reference = _reference(payment_reference)
        ids = sorted({int(i) for i in grant_ids or []})
        if not ids:
            raise invalid("grant_ids", "policy.none_selected", _("Select at least one grant."))
        if len(ids) > BULK_MAX:
            raise invalid(
                "grant_ids",
                "policy.too_many",
                _("At most %(n)d grants at a time.") % {"n": BULK_MAX},
            )
        grants = list(
            Grant.objects.select_for_update(of=("self",))
            .select_related("item", "enterprise")
            .filter(item_id=item_id, pk__in=ids)
            .order_by("pk")
        )
        if len(grants) != len(ids):
            raise NotFound("grant")
        not_approved = [g for g in grants if g.status != G.APPROVED]
        if not_approved:
            raise Conflict(
                "policy.cannot_pay",
                _(
                    "%(n)d of the selected grants are not waiting for payment any more; "
                    "reload the list and select again."
                )
                % {"n": len(not_approved)},
            )
        now = timezone.now()
        for grant in grants:
            before = _pay(grant, actor, reference, now)
            grant.save()
            audit_record(
                actor=actor,
                action="policy.grant.pay",
                obj=grant,
                before=before,
                after=snapshot(grant, AUDITED),
            )
        notices = [_paid_notice(g) for g in grants]
        transaction.on_commit(lambda: notices_send(notices))
    return grants


def grant_revoke(*, actor, grant_id: int, reason: str) -> Grant:
    """Revoke an approved grant (approved → revoked): the enterprise no longer qualifies or the
    grant was wrong. The reason is kept as the grant's note and told to the enterprise."""
    with transaction.atomic():
        grant = _grant_for_write(actor, grant_id)
        errors: list[dict] = []
        reason = text(reason, "reason", errors, limit=500, low=2)
        raise_errors(errors)
        before = snapshot(grant, AUDITED)
        grant.status = transition(GRANT_MOVES, "revoke", grant.status, GrantStatus)
        grant.note = reason
        grant.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        grant.revision += 1
        grant.save()
        audit_record(
            actor=actor,
            action="policy.grant.revoke",
            obj=grant,
            before=before,
            after=snapshot(grant, AUDITED),
        )
        notice = Notice(
            template="policy.grant_revoked",
            uscc=grant.enterprise.uscc,
            context={
                "enterprise": grant.enterprise.name,
                "item": grant.item.title,
                "reason": reason,
                "contact": grant.item.contact_department or grant.item.document.organisation.name,
            },
            key=f"policy.grant:{grant.pk}:revoked",
            link=reverse("policy:desk_grants"),
        )
        transaction.on_commit(lambda: notices_send([notice]))
    return grant
