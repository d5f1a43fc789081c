"""The clock sweep (电子监察), run every five minutes by Huey and safe to run any time.

It reads only cases whose ``check_at`` has come (indexed), locked in batches with ``FOR UPDATE
SKIP LOCKED`` so concurrent sweeps share the work, and for each:

* awaiting acceptance past the acceptance limit (5 working days by default) without a 补正
  notice → **deemed accepted on receipt** (行政许可法 §32: 逾期不告知的，自收到申请材料之日起
  即为受理); the decision clock counts from the receipt;
* awaiting correction past the notice's deadline → deemed withdrawn (视为撤回);
* a running clock → its warning level now (yellow / red); reaching a level records a ``warn``
  or ``overdue`` event once.

Every processed case gets its next ``check_at``, so a second run with the same ``now`` changes
nothing (idempotent); after downtime the current level is recorded at once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases import notifications
from yiwang.cases.choices import WARNING_ORDER, CaseAction, CaseStatus, WarningLevel
from yiwang.cases.models import Case, CorrectionNotice
from yiwang.cases.services import common
from yiwang.cases.services.joint import parent_sync
from yiwang.core.audit import audit_record

BATCH = 500


def _deem_accepted(case: Case, at: dt.datetime, counts: dict) -> None:
    from_status = case.status
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = case.received_at
    case.step_index = min(1, len(case.steps))
    case.deadline = common.decision_deadline(case)
    case.version += 1
    common.refresh_clock(case, common.policy_current(), at)
    case.save()
    common.event(
        case,
        action=CaseAction.DEEM_ACCEPTED,
        actor=None,
        from_status=from_status,
        note=_("No correction notice within the limit: accepted as of receipt."),
        at=at,
    )
    audit_record(
        actor=None,
        action="cases.case.deem_accepted",
        obj=case,
        changes={"accepted_at": case.accepted_at, "deadline": case.deadline},
    )
    counts["deemed_accepted"] += 1


def _lapse(case: Case, at: dt.datetime, counts: dict) -> None:
    from_status = case.status
    case.status = CaseStatus.WITHDRAWN
    case.withdrawn_at = at
    case.deadline = None
    case.version += 1
    common.refresh_clock(case, common.policy_current(), at)
    case.save()
    common.event(
        case,
        action=CaseAction.CORRECTION_LAPSED,
        actor=None,
        from_status=from_status,
        note=_("Not corrected within the limit: deemed withdrawn."),
        at=at,
    )
    audit_record(actor=None, action="cases.case.correction_lapsed", obj=case, changes={})
    counts["lapsed"] += 1


def _levels(case: Case, at: dt.datetime, counts: dict) -> None:
    old = case.warning_level
    common.refresh_clock(case, common.policy_current(), at)
    case.save(update_fields=["warning_level", "check_at"])
    if WARNING_ORDER.index(case.warning_level) > WARNING_ORDER.index(old):
        red = case.warning_level == WarningLevel.RED
        common.event(
            case,
            action=CaseAction.OVERDUE if red else CaseAction.WARN,
            actor=None,
            from_status=case.status,
            note=str(WarningLevel(case.warning_level).label),
            at=at,
        )
        counts["overdue" if red else "warned"] += 1


def _sweep_one(case: Case, at: dt.datetime, counts: dict) -> None:
    counts["cases"] += 1
    if (
        case.item_id is not None
        and case.status == CaseStatus.SUBMITTED
        and case.acceptance_deadline is not None
        and case.acceptance_deadline <= at
    ):
        _deem_accepted(case, at, counts)
        notifications.case_accepted(case)
    elif case.item_id is not None and case.status == CaseStatus.CORRECTION:
        notice = CorrectionNotice.objects.filter(case=case, resolved_at__isnull=True).first()
        if notice is not None and notice.deadline <= at:
            _lapse(case, at, counts)
            notifications.case_lapsed(case, notice.deadline)
        else:
            _levels(case, at, counts)
    else:
        _levels(case, at, counts)
    if case.parent_id:
        parent_sync(case.parent_id, actor=None, at=at)


def case_sweep(*, actor=None, now: dt.datetime | None = None, batch_size: int = BATCH) -> dict:
    """Process every case whose ``check_at`` has come; returns counts."""
    at = now or common.now()
    counts = {"cases": 0, "deemed_accepted": 0, "lapsed": 0, "warned": 0, "overdue": 0}
    done: set[int] = set()
    while True:
        with transaction.atomic():
            batch = list(
                Case.objects.filter(check_at__lte=at)
                .exclude(pk__in=done)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("check_at", "id")[:batch_size]
            )
            for case in batch:
                done.add(case.pk)
                _sweep_one(case, at, counts)
        if len(batch) < batch_size:
            break
    if any(v for k, v in counts.items() if k != "cases"):
        audit_record(
            actor=actor,
            action="cases.clock.sweep",
            object_type="cases.case",
            changes={"now": at.isoformat(), **counts},
        )
    return counts
