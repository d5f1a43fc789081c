"""快申快享: submitting the prefilled application of an item that is not granted
automatically, and the officers' decisions.

The enterprise user opens a published item their enterprise qualifies for; the desk shows the
profile values the item's rule reads (from the enterprise's registry file, with their source
and date when the registry records them) and the materials
(:func:`yiwang.policy.selectors_desk.application_prefill`); confirming it
(:func:`application_submit`) stores a :class:`QuickApplication` with a snapshot of that
prefill, to be honoured within 60 working days (``domain.md`` §6, ``worktime``).

Refusals: an item that is not published (or of another city) 404; a 免申即享 item 409 (it is
granted without an application); applied before 409 (the unique constraint settles a race);
a closed application window 409; not qualifying 422 with the conditions that fail.

Officers (``policy.manage`` on the item; reading the queue needs ``policy.view``) decide —
approve with an amount up to the item's cap, or reject with a reason — and then mark an
approved amount paid. Transitions (``APPLICATION_MOVES``) are the only ones allowed (409
otherwise); every change is audited and told to the enterprise's users.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import ApplicationStatus
from yiwang.policy.models import PolicyItem, QuickApplication
from yiwang.policy.selectors_desk import Prefill, application_prefill
from yiwang.policy.services.common import (
    invalid,
    raise_errors,
    revision_check,
    text,
    transition,
    writer_check,
)
from yiwang.policy.services.grants import money
from yiwang.policy.services.inbox import Notice, notices_send
from yiwang.worktime import facade as worktime

A = ApplicationStatus
APPLICATION_MOVES = {
    "approve": {A.SUBMITTED: A.APPROVED},
    "reject": {A.SUBMITTED: A.REJECTED},
    "pay": {A.APPROVED: A.PAID},
}
HONOUR_DAYS = 60  # domain.md §6: a 快申快享 application is honoured within 60 working days
AUDITED = ("status", "amount", "reason", "decided_at", "decided_by_id", "paid_at", "due_at")
NOTE_MAX = 1000
AMOUNT_MAX = Decimal("9999999999.99")


def window_check(item: PolicyItem, today: dt.date) -> None:
    if item.window_start and today < item.window_start:
        raise Conflict(
            "policy.window_not_open",
            _("Applications open on %(date)s.") % {"date": item.window_start.isoformat()},
        )
    if item.window_end and today > item.window_end:
        raise Conflict(
            "policy.window_closed",
            _("The application window closed on %(date)s.") % {"date": item.window_end.isoformat()},
        )


def _not_qualified(prefill: Prefill) -> InvalidInput:
    errors = [
        {
            "field": None,
            "code": "policy.condition_not_met",
            "message": _("%(condition)s (value: %(value)s)")
            % {"condition": row.text, "value": row.actual or _("no data")},
            "rule": row.rule,
        }
        for row in prefill.missing
    ] or [
        {
            "field": None,
            "code": "policy.condition_not_met",
            "message": _("The item has no eligibility rule yet."),
        }
    ]
    return InvalidInput(
        "policy.not_qualified",
        _("Your enterprise does not meet every condition of this item today."),
        errors=errors,
    )


def application_submit(
    *, actor, item_id: int, uscc: str | None = None, note: str = ""
) -> QuickApplication:
    """The enterprise user confirms the prefilled application (快申快享)."""
    errors: list[dict] = []
    note = text(note, "note", errors, required=False, limit=NOTE_MAX)
    with transaction.atomic():
        prefill = application_prefill(actor=actor, item_id=item_id, uscc=uscc)
        if prefill.application is not None:
            raise Conflict(
                "policy.applied_before",
                _("Your enterprise applied for this item on %(date)s.")
                % {"date": timezone.localdate(prefill.application.submitted_at).isoformat()},
            )
        window_check(prefill.item, prefill.today)
        if not prefill.eligible:
            raise _not_qualified(prefill)
        raise_errors(errors)
        now = timezone.now()
        application = QuickApplication(
            item=prefill.item,
            enterprise_id=prefill.seat.enterprise.id,
            version=prefill.item.version,
            prefill=prefill.snapshot(),
            note=note,
            confirmed_by=actor,
            submitted_at=now,
            due_at=worktime.add_working_days(now, HONOUR_DAYS).deadline,
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError:  # a second submission raced this one
            raise Conflict(
                "policy.applied_before", _("Your enterprise has applied for this item already.")
            ) from None
        audit_record(
            actor=actor,
            action="policy.application.submit",
            obj=application,
            after={**snapshot(application, AUDITED), "item_id": prefill.item.pk,
                   "enterprise_id": application.enterprise_id},
        )  # fmt: skip
    return application


# --- officers' decisions --------------------------------------------------------------------------


def _for_write(actor, application_id: int) -> QuickApplication:
    writer_check(actor)
    application = (
        QuickApplication.objects.select_for_update(of=("self",))
        .select_related("item", "item__document__organisation", "enterprise")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound("application")
    if actor is not None:
        try:
            selectors.item_get(actor=actor, item_id=application.item_id, perm=perms.MANAGE)
        except NotFound:
            raise NotFound("application") from None
    return application


def _amount(value, cap: Decimal | None) -> Decimal | None:
    if value in (None, ""):
        if cap is not None:
            raise invalid(
                "amount",
                "policy.amount_required",
                _("Write the approved amount in 10,000 yuan (at most %(cap)s).")
                % {"cap": f"{cap.normalize():f}"},
            )
        return None
    try:
        amount = Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX:
        raise invalid(
            "amount",
            "policy.invalid_amount",
            _("Write the amount in 10,000 yuan as a number from 0, e.g. 50 or 12.5."),
        )
    if cap is not None and amount > cap:
        raise invalid(
            "amount",
            "policy.amount_over_cap",
            _("The item's cap is %(cap)s (10,000 yuan); the amount cannot exceed it.")
            % {"cap": f"{cap.normalize():f}"},
        )
    return amount


def _notice(application: QuickApplication, template: str, **context) -> Notice:
    item = application.item
    return Notice(
        template=template,
        uscc=application.enterprise.uscc,
        context={
            "enterprise": application.enterprise.name,
            "item": item.title,
            "contact": item.contact_department or item.document.organisation.name,
            **context,
        },
        key=f"policy.application:{application.pk}:{application.status}",
        link=reverse("policy:desk_applications"),
    )


def application_decide(
    *,
    actor,
    application_id: int,
    approve: bool,
    amount=None,
    reason: str = "",
    revision: int | None = None,
) -> QuickApplication:
    """Approve (with an amount up to the item's cap; required when the item has a cap) or
    reject (a reason is required) a submitted application."""
    with transaction.atomic():
        application = _for_write(actor, application_id)
        revision_check(application, revision)
        before = snapshot(application, AUDITED)
        action = "approve" if approve else "reject"
        status = transition(APPLICATION_MOVES, action, application.status, ApplicationStatus)
        errors: list[dict] = []
        if approve:
            application.amount = _amount(amount, application.item.amount_cap)
            application.reason = text(reason, "reason", errors, required=False, limit=500)
        else:
            application.reason = text(reason, "reason", errors, limit=500, low=2)
        raise_errors(errors)
        application.status = status
        application.decided_at = timezone.now()
        application.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        application.revision += 1
        application.save()
        audit_record(
            actor=actor,
            action=f"policy.application.{action}",
            obj=application,
            before=before,
            after=snapshot(application, AUDITED),
        )
        if approve:
            notice = _notice(
                application, "policy.application_approved", amount=money(application.amount)
            )
        else:
            notice = _notice(application, "policy.application_rejected", reason=application.reason)
        transaction.on_commit(lambda: notices_send([notice]))
    return application


def application_pay(*, actor, application_id: int, revision: int | None = None) -> QuickApplication:
    """Record the disbursement of an approved application with an amount (approved → paid)."""
    with transaction.atomic():
        application = _for_write(actor, application_id)
        revision_check(application, revision)
        before = snapshot(application, AUDITED)
        status = transition(APPLICATION_MOVES, "pay", application.status, ApplicationStatus)
        if not application.amount:
            raise Conflict(
                "policy.nothing_to_pay",
                _("The application was approved without an amount: there is nothing to pay."),
            )
        application.status = status
        application.paid_at = timezone.now()
        application.revision += 1
        application.save()
        audit_record(
            actor=actor,
            action="policy.application.pay",
            obj=application,
            before=before,
            after=snapshot(application, AUDITED),
        )
        notice = _notice(application, "policy.application_paid", amount=money(application.amount))
        transaction.on_commit(lambda: notices_send([notice]))
    return application
