"""联合办理: a bundle's parent case follows its sub-cases.

The applicant sees one case: its status is derived from the sub-cases (:func:`derived_status`),
its overall deadline is the bundle's promised limit counted from the latest receipt of complete
materials, plus the longest special procedure and extension of any sub-case (or, without a
bundle limit, the latest sub-case deadline); its warning level follows that deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from yiwang.cases import notifications
from yiwang.cases.choices import FINAL, RUNNING, CaseAction, CaseStatus
from yiwang.cases.models import Case
from yiwang.cases.services import common

S = CaseStatus


def derived_status(statuses: list[str]) -> str:
    """The parent's status from its sub-cases' (in order of precedence)."""
    if not statuses:
        return S.SUBMITTED
    if S.CORRECTION in statuses:
        return S.CORRECTION
    live = [s for s in statuses if s not in FINAL]
    if not live:
        if all(s == S.WITHDRAWN for s in statuses):
            return S.WITHDRAWN
        done = [s for s in statuses if s in (S.COMPLETED, S.DELIVERED)]
        if not done:
            return S.REFUSED
        return S.DELIVERED if all(s == S.DELIVERED for s in done) else S.COMPLETED
    untouched = all(s in (S.SUBMITTED, S.REFUSED, S.WITHDRAWN) for s in statuses)
    if untouched:
        return S.SUBMITTED
    if all(s == S.PAUSED for s in live):
        return S.PAUSED
    if all(s == S.DECIDED for s in live):
        return S.DECIDED
    if all(s in (S.SUBMITTED, S.ACCEPTED, S.REFUSED, S.WITHDRAWN) for s in statuses):
        return S.ACCEPTED
    return S.REVIEWING


def parent_sync(parent_id: int, *, actor, at: dt.datetime) -> Case:
    """Bring the parent in line with its sub-cases (caller holds the transaction)."""
    parent = Case.objects.select_for_update(of=("self",)).get(pk=parent_id)
    children = list(parent.sub_cases.all())
    before = parent.status
    parent.status = derived_status([c.status for c in children])
    parent.received_at = max([parent.received_at, *(c.received_at for c in children)])
    parent.paused_days = max((c.paused_days for c in children), default=0)
    parent.extension_days = max((c.extension_days for c in children), default=0)
    if parent.limit_value > 0:
        parent.deadline = common.decision_deadline(parent)
    else:
        parent.deadline = max((c.deadline for c in children if c.deadline), default=None)
    if parent.status == S.REFUSED:
        parent.refusal_reason = "；".join(
            f"{c.item_name}：{c.refusal_reason}" for c in children if c.refusal_reason
        )[:2000]
    if parent.status == S.WITHDRAWN and parent.withdrawn_at is None:
        parent.withdrawn_at = at
    if parent.status in (S.COMPLETED, S.DELIVERED) and parent.completed_at is None:
        parent.completed_at = at
    if parent.status == S.DELIVERED and parent.delivered_at is None:
        parent.delivered_at = at
    if parent.status in RUNNING and parent.accepted_at is None:
        parent.accepted_at = min((c.accepted_at for c in children if c.accepted_at), default=at)
    common.refresh_clock(parent, common.policy_current(), at)
    parent.version = F("version") + 1
    parent.save()
    parent.refresh_from_db(fields=["version"])
    if parent.status != before:
        common.event(
            parent,
            action=_PARENT_ACTION.get(parent.status, CaseAction.REVIEW),
            actor=actor,
            from_status=before,
            at=at,
        )
        # The applicant hears of the bundle once per change of its status, never per sub-case.
        notifications.parent_changed(parent, before)
    return parent


_PARENT_ACTION = {
    S.CORRECTION: CaseAction.CORRECT,
    S.SUBMITTED: CaseAction.RESUBMIT,
    S.ACCEPTED: CaseAction.ACCEPT,
    S.REVIEWING: CaseAction.REVIEW,
    S.PAUSED: CaseAction.PAUSE,
    S.DECIDED: CaseAction.DECIDE,
    S.COMPLETED: CaseAction.COMPLETE,
    S.DELIVERED: CaseAction.DELIVER,
    S.REFUSED: CaseAction.REFUSE,
    S.WITHDRAWN: CaseAction.WITHDRAW,
}
