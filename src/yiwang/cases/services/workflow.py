"""The case workflow: an explicit transition table and one service per action.

Each action loads the case as the actor sees it (404 when invisible, and for department actions
also when the actor's organisation does not hold it), locks the row, checks the optional
``version`` the client saw (409 ``cases.concurrent_change``) and the table (409
``cases.illegal_transition``), writes the change with its timeline event and audit record in one
transaction, and brings a bundle's parent in line (``joint.parent_sync``). The actions the
applicant must hear of register their notice (``cases.notifications``), sent after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yiwang.cases import clock, notifications, selectors
from yiwang.cases import permissions as perms
from yiwang.cases.choices import (
    RUNNING,
    CaseAction,
    CaseStatus,
    Decision,
    DeliveryMethod,
    PauseReason,
)
from yiwang.cases.models import Case, ClockPause, CorrectionNotice, Extension, Material
from yiwang.cases.services import common
from yiwang.cases.services.joint import parent_sync
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.ratings import facade as ratings
from yiwang.worktime import facade as worktime

S, A = CaseStatus, CaseAction
APPLICANT = "applicant"  # the applicant (or the agent who filed for them) acts
SYSTEM = "system"  # only the sweep

#: 行政许可法 §42: 20 days + 10 with the head's approval; joint or centralised handling 45 + 15.
EXTENSION_DAYS = 10
EXTENSION_DAYS_JOINT = 15


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    perm: str


def _t(sources: Iterable[str], target: str | None, perm: str) -> Transition:
    return Transition(frozenset(sources), target, perm)


WITHDRAWABLE = {S.SUBMITTED, S.CORRECTION, *RUNNING, S.PAUSED}

TRANSITIONS: dict[str, Transition] = {
    A.ACCEPT: _t({S.SUBMITTED}, S.ACCEPTED, perms.HANDLE),
    A.REFUSE: _t({S.SUBMITTED}, S.REFUSED, perms.HANDLE),
    A.CORRECT: _t({S.SUBMITTED}, S.CORRECTION, perms.HANDLE),
    A.RESUBMIT: _t({S.CORRECTION}, S.SUBMITTED, APPLICANT),
    A.DEEM_ACCEPTED: _t({S.SUBMITTED}, S.ACCEPTED, SYSTEM),
    A.CORRECTION_LAPSED: _t({S.CORRECTION}, S.WITHDRAWN, SYSTEM),
    A.REVIEW: _t(RUNNING, S.REVIEWING, perms.HANDLE),
    A.PAUSE: _t(RUNNING, S.PAUSED, perms.HANDLE),
    A.RESUME: _t({S.PAUSED}, S.REVIEWING, perms.HANDLE),
    A.EXTEND: _t({*RUNNING, S.PAUSED}, None, perms.EXTEND),
    A.DECIDE: _t(RUNNING, S.DECIDED, perms.HANDLE),
    A.COMPLETE: _t({S.DECIDED}, S.COMPLETED, perms.HANDLE),
    A.DELIVER: _t({S.COMPLETED}, S.DELIVERED, perms.HANDLE),
    A.WITHDRAW: _t(WITHDRAWABLE, S.WITHDRAWN, APPLICANT),
}


def _is_party(actor, case: Case) -> bool:
    return actor is not None and actor.pk in (case.applicant_id, case.agent_id)


def _load(actor, number: str, action: str, version: int | None) -> Case:
    """The case for ``action``: visibility (404), who may act (403 / 404), lock, version and
    the transition table (409)."""
    rule = TRANSITIONS[action]
    case = selectors.case_get(actor=actor, number=number)
    if rule.perm == APPLICANT:
        if not _is_party(actor, case):
            raise Forbidden(
                "cases.permission_denied", _("Only the applicant may do this on a case.")
            )
    elif rule.perm != SYSTEM:
        if selectors.is_applicant(actor) or not has_perm(actor, rule.perm):
            raise Forbidden("cases.permission_denied", _("You may not do this on a case."))
        if case.item_id is None:
            raise Conflict(
                "cases.bundle_parent",
                _("A bundle application is handled through its sub-cases."),
            )
        if not selectors.holds(actor, case):
            raise NotFound("case")  # seen (agent, bundle) but not held: as if missing
    locked = (
        Case.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=case.pk)
    )
    if version is not None and locked.version != version:
        raise Conflict(
            "cases.concurrent_change",
            _("The case was changed by someone else; reload it and try again."),
        )
    if locked.status not in rule.sources:
        raise common.illegal_transition(action, locked.status)
    return locked


def _apply(
    case: Case,
    *,
    actor,
    action: str,
    changes: Mapping[str, Any],
    note: str = "",
    at: dt.datetime | None = None,
    audit: Mapping[str, Any] | None = None,
) -> Case:
    """Write ``changes`` (+ the table's target status), the event and the audit record."""
    at = at or common.now()
    from_status = case.status
    target = TRANSITIONS[action].target
    changes = {**changes, **({"status": target} if target else {})}
    before = common.snapshot_case(case, [*changes, "version"])
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1
    changed = common.refresh_clock(case, common.policy_current(), at)
    case.save(update_fields=[*changes, *changed, "version", "updated_at"])
    common.event(case, action=action, actor=actor, from_status=from_status, note=note, at=at)
    after = common.snapshot_case(case, list(before))
    audit_record(
        actor=actor,
        action=f"cases.case.{action}",
        obj=case,
        before=before,
        after={**after, **(audit or {})},
    )
    if case.parent_id:
        parent_sync(case.parent_id, actor=actor, at=at)
    return case


# --- department actions -------------------------------------------------------------------


def case_accept(*, actor, number: str, note: str = "", version: int | None = None) -> Case:
    """受理: a dated acceptance; the decision clock counts from the day after receipt."""
    with transaction.atomic():
        case = _load(actor, number, A.ACCEPT, version)
        at = common.now()
        changes = {"accepted_at": at, "step_index": min(1, len(case.steps))}
        case.deadline = common.decision_deadline(case)
        changes["deadline"] = case.deadline
        case = _apply(case, actor=actor, action=A.ACCEPT, changes=changes, note=note, at=at)
        notifications.case_accepted(case)
        return case


def case_refuse(
    *, actor, number: str, reason: str, refer_to: str = "", version: int | None = None
) -> Case:
    """不予受理 with its reason; for a matter of another authority, where to go (``refer_to``)."""
    reason = common.text(reason, "reason")
    refer_to = common.text(refer_to, "refer_to", required=False, limit=200)
    with transaction.atomic():
        case = _load(actor, number, A.REFUSE, version)
        note = reason if not refer_to else f"{reason}（{_('turn to')}：{refer_to}）"
        case = _apply(
            case,
            actor=actor,
            action=A.REFUSE,
            changes={"refusal_reason": reason, "refer_to": refer_to, "deadline": None},
            note=note,
        )
        notifications.case_refused(case)
        return case


def _slot_codes(case: Case) -> dict[str, str]:
    slots = case.slots or (case.parent.slots if case.parent_id else [])
    return {s["code"]: s["name"] for s in slots}


def _correction_items(case: Case, items: Any) -> list[dict]:
    """One notice lists ALL corrections: ``[{"material": code?, "reason": text}]``."""
    if not isinstance(items, list) or not items:
        raise common.invalid(
            "items", "cases.required", _("List every correction the applicant has to make.")
        )
    codes = _slot_codes(case)
    cleaned, errors = [], []
    for i, entry in enumerate(items):
        entry = entry if isinstance(entry, dict) else {}
        code = str(entry.get("material") or "").strip()
        reason = str(entry.get("reason") or "").strip()
        if code and code not in codes:
            errors.append(
                {
                    "field": f"items.{i}.material",
                    "code": "cases.unknown_material",
                    "message": _("This case has no material %(code)s.") % {"code": code},
                }
            )
        if not reason or len(reason) > 500:
            errors.append(
                {
                    "field": f"items.{i}.reason",
                    "code": "cases.required",
                    "message": _("Say what is to be corrected (at most 500 characters)."),
                }
            )
        cleaned.append({"material": code, "name": codes.get(code, ""), "reason": reason})
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors)
    return cleaned


def case_request_correction(
    *, actor, number: str, items: Any, note: str = "", version: int | None = None
) -> Case:
    """补正: one notice listing all corrections, with the applicant's deadline; the clock stops
    until the corrected materials arrive."""
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.CORRECT, version)
        cleaned = _correction_items(case, items)
        at = common.now()
        policy = common.policy_current()
        deadline = worktime.add_working_days(at, policy.correction_days).deadline
        notice = CorrectionNotice.objects.create(
            case=case,
            items=cleaned,
            note=note,
            issued_by=_user(actor),
            issued_at=at,
            deadline=deadline,
        )
        summary = "；".join(f"{c['name'] or c['material'] or '—'}：{c['reason']}" for c in cleaned)
        case = _apply(
            case,
            actor=actor,
            action=A.CORRECT,
            changes={"deadline": None},
            note=summary,
            at=at,
            audit={"corrections": cleaned, "correct_by": deadline},
        )
        notifications.case_correction(case, notice)
        return case


def case_review(*, actor, number: str, note: str = "", version: int | None = None) -> Case:
    """审查: completes the next step of the item's procedure (受理 is done at acceptance)."""
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.REVIEW, version)
        if case.step_index >= len(case.steps):
            raise Conflict("cases.no_more_steps", _("Every step of this procedure is done."))
        step = case.steps[case.step_index].get("name", "")
        return _apply(
            case,
            actor=actor,
            action=A.REVIEW,
            changes={"step_index": case.step_index + 1},
            note=f"{step}：{note}" if note else step,
        )


def case_pause(
    *, actor, number: str, reason: str, note: str = "", version: int | None = None
) -> Case:
    """特别程序 (hearing, testing, expert review …): the clock stops until resumed."""
    if reason not in PauseReason.values:
        raise common.invalid(
            "reason", "cases.invalid_pause_reason", _("Choose one of the special procedures.")
        )
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.PAUSE, version)
        at = common.now()
        ClockPause.objects.create(
            case=case, reason=reason, note=note, started_at=at, started_by=_user(actor)
        )
        label = PauseReason(reason).label
        return _apply(
            case,
            actor=actor,
            action=A.PAUSE,
            changes={},
            note=f"{label}：{note}" if note else str(label),
            at=at,
            audit={"procedure": reason},
        )


def case_resume(*, actor, number: str, note: str = "", version: int | None = None) -> Case:
    """End of the special procedure: its days are added to the time limit."""
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.RESUME, version)
        at = common.now()
        pause = ClockPause.objects.select_for_update().get(case=case, ended_at__isnull=True)
        pause.ended_at = at
        pause.days = clock.days_excluded(pause.started_at, at, case.limit_unit)
        pause.save(update_fields=["ended_at", "days"])
        case.paused_days += pause.days
        deadline = common.decision_deadline(case)
        return _apply(
            case,
            actor=actor,
            action=A.RESUME,
            changes={"paused_days": case.paused_days, "deadline": deadline},
            note=note or _("%(n)d day(s) not counted.") % {"n": pause.days},
            at=at,
        )


def case_extend(
    *, actor, number: str, reason: str, approver: str, version: int | None = None
) -> Case:
    """延期 (行政许可法 §42): once, before the deadline, with the head's approval; +10 days
    (+15 for joint or centralised handling), notified to the applicant at once."""
    reason = common.text(reason, "reason")
    approver = common.text(approver, "approver", limit=100)
    with transaction.atomic():
        case = _load(actor, number, A.EXTEND, version)
        at = common.now()
        if Extension.objects.filter(case=case).exists():
            raise Conflict("cases.already_extended", _("A case can be extended only once."))
        if case.deadline is None or at >= case.deadline:
            raise Conflict(
                "cases.extension_too_late",
                _("An extension must be decided and notified before the deadline."),
            )
        days = EXTENSION_DAYS_JOINT if case.joint else EXTENSION_DAYS
        previous = case.deadline
        case.extension_days += days
        deadline = common.decision_deadline(case)
        extension = Extension.objects.create(
            case=case,
            days=days,
            reason=reason,
            approver=approver,
            approved_by=_user(actor),
            previous_deadline=previous,
            new_deadline=deadline,
            notified_at=at,
        )
        case = _apply(
            case,
            actor=actor,
            action=A.EXTEND,
            changes={"extension_days": case.extension_days, "deadline": deadline},
            note=_("+%(days)d days, approved by %(approver)s: %(reason)s")
            % {"days": days, "approver": approver, "reason": reason},
            at=at,
        )
        notifications.case_extended(case, extension)
        return case


def case_decide(
    *, actor, number: str, decision: str, reasons: str = "", version: int | None = None
) -> Case:
    """决定: 准予 or 不予 (reasons required for 不予); an approval starts the delivery clock."""
    if decision not in Decision.values:
        raise common.invalid("decision", "cases.invalid_decision", _("Approve or deny."))
    reasons = common.text(reasons, "reasons", required=decision == Decision.DENY)
    with transaction.atomic():
        case = _load(actor, number, A.DECIDE, version)
        at = common.now()
        changes: dict[str, Any] = {
            "decision": decision,
            "decision_reasons": reasons,
            "decided_at": at,
        }
        if decision == Decision.APPROVE:
            days = common.policy_current().delivery_days
            changes["delivery_deadline"] = worktime.add_working_days(at, days).deadline
        case = _apply(
            case,
            actor=actor,
            action=A.DECIDE,
            changes=changes,
            note=f"{Decision(decision).label}{'：' + reasons if reasons else ''}",
            at=at,
        )
        notifications.case_decided(case)
        return case


def case_complete(*, actor, number: str, note: str = "", version: int | None = None) -> Case:
    """办结."""
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.COMPLETE, version)
        case = _apply(
            case, actor=actor, action=A.COMPLETE, changes={"completed_at": common.now()}, note=note
        )
        # 好差评: the applicant may now rate this service (one event per case, or per
        # department's sub-case of a bundle); the invitation goes out after the commit.
        ratings.service_event_record(
            actor=actor,
            subject_app="cases",
            subject_key=case.number,
            channel=ratings.Channel.ONLINE,
            item_code=case.basic_code,
            item_name=case.item_name,
            organisation_id=case.organisation_id,
            served_user_id=case.applicant_id,
            served_at=case.completed_at,
        )
        notifications.case_completed(case)
        return case


def case_deliver(
    *, actor, number: str, method: str, note: str = "", version: int | None = None
) -> Case:
    """送达 / 领取 of the certificate of an approval."""
    if method not in DeliveryMethod.values:
        raise common.invalid(
            "method", "cases.invalid_delivery", _("Collected, posted or electronic.")
        )
    note = common.text(note, "note", required=False)
    with transaction.atomic():
        case = _load(actor, number, A.DELIVER, version)
        if case.decision != Decision.APPROVE:
            raise Conflict(
                "cases.nothing_to_deliver", _("Only an approval has a certificate to deliver.")
            )
        case = _apply(
            case,
            actor=actor,
            action=A.DELIVER,
            changes={"delivered_at": common.now(), "delivery_method": method},
            note=note or str(DeliveryMethod(method).label),
        )
        notifications.case_delivered(case)
        return case


# --- applicant actions --------------------------------------------------------------------


def case_withdraw(*, actor, number: str, reason: str = "", version: int | None = None) -> Case:
    """撤回 by the applicant before the decision; a bundle withdraws its undecided sub-cases."""
    reason = common.text(reason, "reason", required=False, limit=500)
    with transaction.atomic():
        case = _load(actor, number, A.WITHDRAW, version)
        at = common.now()
        changes = {"withdrawn_at": at, "deadline": None}
        if case.item_id is not None:
            _close_open_pause(case, at)
            return _apply(case, actor=actor, action=A.WITHDRAW, changes=changes, note=reason)
        for child in case.sub_cases.select_for_update().filter(status__in=WITHDRAWABLE):
            _close_open_pause(child, at)
            _apply_child(child, actor, A.WITHDRAW, changes, reason, at)
        parent = parent_sync(case.pk, actor=actor, at=at)
        audit_record(
            actor=actor, action="cases.case.withdraw", obj=parent, changes={"reason": reason}
        )
        return parent


def _close_open_pause(case: Case, at: dt.datetime) -> None:
    ClockPause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)


def _apply_child(child: Case, actor, action: str, changes, note: str, at) -> None:
    """A sub-case changed through its parent (no parent sync: the caller does it once)."""
    from_status = child.status
    for name, value in {**changes, "status": TRANSITIONS[action].target}.items():
        setattr(child, name, value)
    child.version += 1
    common.refresh_clock(child, common.policy_current(), at)
    child.save()
    common.event(child, action=action, actor=actor, from_status=from_status, note=note, at=at)


def _resubmit_errors(codes: dict[str, str], wanted: set[str], files: Mapping[str, Any]) -> None:
    max_bytes = common.policy_current().max_upload_mb * 2**20
    errors: list[dict] = []
    for code, uploaded in files.items():
        if code not in codes:
            errors.append(
                {
                    "field": f"files.{code}",
                    "code": "cases.unknown_material",
                    "message": _("This case has no material %(code)s.") % {"code": code},
                }
            )
        else:
            errors += common.upload_errors(uploaded, f"files.{code}", max_bytes)
    errors += [
        {
            "field": f"files.{code}",
            "code": "cases.missing_material",
            "message": _("Missing material: %(name)s.") % {"name": codes[code]},
        }
        for code in sorted(wanted - set(files))
    ]
    if errors:
        raise InvalidInput(
            errors[0]["code"], "; ".join(e["message"] for e in errors), errors=errors
        )


def _supersede(holder: Case, stored: dict[str, Material]) -> None:
    """The new files become current; the earlier file of each slot points to its successor."""
    for code, material in stored.items():
        old = Material.objects.filter(case=holder, slot=code, superseded_by__isnull=True)
        ids = list(old.values_list("pk", flat=True))
        # one current file per slot (a named constraint): park the old rows on themselves first
        Material.objects.filter(pk__in=ids).update(superseded_by_id=F("id"))
        material.save()
        Material.objects.filter(pk__in=ids).update(superseded_by=material)


def case_resubmit(
    *, actor, number: str, files: Mapping[str, Any], version: int | None = None
) -> Case:
    """补正 done: the corrected materials (every material the notice lists, others optional)
    supersede the earlier files; the clock restarts from the day after they arrive. For a
    bundle, every sub-case awaiting correction is resubmitted at once."""
    seen = selectors.case_get(actor=actor, number=number)
    if not _is_party(actor, seen):
        raise Forbidden("cases.permission_denied", _("Only the applicant may do this on a case."))
    if seen.status != S.CORRECTION:
        raise common.illegal_transition(A.RESUBMIT, seen.status)
    bundle = seen.item_id is None
    targets = list(seen.sub_cases.filter(status=S.CORRECTION)) if bundle else [seen]
    notices = list(CorrectionNotice.objects.filter(case__in=targets, resolved_at__isnull=True))
    codes = _slot_codes(seen)
    wanted = {i["material"] for n in notices for i in n.items if i.get("material")}
    _resubmit_errors(codes, wanted, files)
    at = common.now()
    stored: dict[str, Material] = {}
    try:
        for code, uploaded in files.items():
            stored[code] = common.material_build(
                case=seen,
                slot=code,
                material_name=codes[code],
                uploaded=uploaded,
                actor=actor,
                at=at,
            )
        with transaction.atomic():
            case = _load(actor, number, A.RESUBMIT, version) if not bundle else _lock(seen, version)
            _supersede(case, stored)
            CorrectionNotice.objects.filter(pk__in=[n.pk for n in notices]).update(resolved_at=at)
            acceptance_by = worktime.add_working_days(
                at, common.policy_current().acceptance_days
            ).deadline
            note = "、".join(codes[c] for c in sorted(stored))
            if not bundle:
                case.received_at = at
                changes = {
                    "received_at": at,
                    "acceptance_deadline": acceptance_by,
                    "deadline": common.decision_deadline(case),
                }
                return _apply(
                    case, actor=actor, action=A.RESUBMIT, changes=changes, note=note, at=at
                )
            for child in Case.objects.select_for_update().filter(
                pk__in=[t.pk for t in targets], status=S.CORRECTION
            ):
                child.received_at = at
                changes = {
                    "received_at": at,
                    "acceptance_deadline": acceptance_by,
                    "deadline": common.decision_deadline(child),
                }
                _apply_child(child, actor, A.RESUBMIT, changes, note, at)
            parent = parent_sync(case.pk, actor=actor, at=at)
            audit_record(
                actor=actor,
                action="cases.case.resubmit",
                obj=parent,
                changes={"materials": sorted(stored), "sub_cases": [c.number for c in targets]},
            )
            return parent
    except BaseException:
        common.discard_files(list(stored.values()))
        raise


def _lock(case: Case, version: int | None) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if version is not None and locked.version != version:
        raise Conflict(
            "cases.concurrent_change",
            _("The case was changed by someone else; reload it and try again."),
        )
    if locked.status != S.CORRECTION:
        raise common.illegal_transition(A.RESUBMIT, locked.status)
    return locked


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
