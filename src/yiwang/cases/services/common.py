"""Shared machinery of the case services: policy, numbers, the timeline, uploads, the clock
fields. Nothing here is a public write service."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files import File
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import clock
from yiwang.cases.choices import RUNNING, CaseStatus, Decision, WarningLevel
from yiwang.cases.models import Case, CaseCounter, CaseEvent, ClockPolicy, Material
from yiwang.core import facade as core
from yiwang.core import files
from yiwang.core.choices import OrgKind
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.localcache import ProcessCache

ACCEPTED_KINDS = files.DOCUMENT_KINDS


def now() -> dt.datetime:
    return timezone.now()


# The active clock policy, per process (``core.localcache``); a revision forgets it.
_policy_cache = ProcessCache("cases-clock-policy", timeout=300)
# Organisation → its district (an organisation tree changes rarely; 5 minutes at most stale).
_district_cache = ProcessCache("cases-district-of", timeout=300, max_entries=4096)


def policy_current() -> ClockPolicy:
    """The latest active clock policy (the defaults when none was stored)."""

    def load() -> ClockPolicy:
        policy = ClockPolicy.objects.filter(active=True).order_by("-version").first()
        return policy or ClockPolicy(version=0)

    return _policy_cache.get("active", load)


def policy_forget() -> None:
    _policy_cache.forget("active")


def district_of(organisation_id: int) -> int | None:
    """The district (or functional area) an organisation belongs to; None at city level."""

    def load() -> int | None:
        for ref in core.organisation_ancestors(organisation_id):
            if ref.kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA):
                return ref.id
        return None

    return _district_cache.get(organisation_id, load)


def next_number(at: dt.datetime) -> str:
    """``SQ`` + local date + a six-digit sequence of the day (row-locked counter)."""
    day = clock.local_date(at)
    CaseCounter.objects.bulk_create([CaseCounter(day=day)], ignore_conflicts=True)
    CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = CaseCounter.objects.filter(day=day).values_list("last", flat=True).get()
    return f"SQ{day:%Y%m%d}{last:06d}"


def illegal_transition(action: str, status: str) -> Conflict:
    return Conflict(
        "cases.illegal_transition",
        _("Action %(action)s is not allowed in status %(status)s.")
        % {"action": action, "status": status},
    )


def invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": field, "code": code, "message": message}])


def text(value: str | None, field: str, *, required: bool = True, limit: int = 2000) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise invalid(field, "cases.required", _("This is required."))
    if len(cleaned) > limit:
        raise invalid(field, "cases.too_long", _("At most %(n)d characters.") % {"n": limit})
    return cleaned


def event(case: Case, *, action: str, actor, from_status: str, note: str = "", at=None):
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=case.status,
        note=note,
        at=at or now(),
    )


# --- the clock fields ---------------------------------------------------------------------


def decision_deadline(case: Case) -> dt.datetime:
    """The promised limit plus excluded and extension days, from the day after receipt."""
    return clock.limit_deadline(
        case.received_at, case.limit_value + case.paused_days + case.extension_days, case.limit_unit
    )


def running_deadline(case: Case) -> dt.datetime | None:
    """The deadline whose warning level is shown: the decision while handling runs, delivery
    after an approval until delivered; none while paused, before acceptance or when done. A
    bundle's parent shows its overall deadline while any of its sub-cases is being handled."""
    if case.item_id is None:
        return case.deadline if case.status in (*RUNNING, CaseStatus.DECIDED) else None
    if case.status in RUNNING:
        return case.deadline
    if (
        case.status in (CaseStatus.DECIDED, CaseStatus.COMPLETED)
        and case.decision == Decision.APPROVE
    ):
        return case.delivery_deadline
    return None


def refresh_clock(case: Case, policy: ClockPolicy, at: dt.datetime) -> list[str]:
    """Set ``warning_level`` and ``check_at`` from the case's state at ``at``; returns the
    changed field names."""
    before = (case.warning_level, case.check_at)
    running = running_deadline(case)
    yellow = policy.yellow_working_days
    if running is not None:
        case.warning_level = clock.level_at(running, at, yellow)
        case.check_at = clock.next_level_change(running, at, yellow)
    else:
        if case.status in (CaseStatus.DELIVERED, CaseStatus.WITHDRAWN, CaseStatus.REFUSED):
            case.warning_level = WarningLevel.NORMAL
        case.check_at = None
    if case.status == CaseStatus.SUBMITTED and case.item_id is not None:
        case.check_at = case.acceptance_deadline
    elif case.status == CaseStatus.CORRECTION and case.item_id is not None and case.pk:
        notice = case.corrections.filter(resolved_at__isnull=True).first()
        case.check_at = notice.deadline if notice else None
    return [
        name
        for name, old in zip(("warning_level", "check_at"), before, strict=True)
        if getattr(case, name) != old
    ]


# --- uploads ------------------------------------------------------------------------------


def upload_errors(uploaded, field: str, max_bytes: int) -> list[dict]:
    """Size, then type sniffed from the bytes (images, PDF, Word, Excel)."""
    size = uploaded.size
    if size is None or size > max_bytes:  # before reading a byte of it
        return [
            {
                "field": field,
                "code": "cases.material_too_large",
                "message": _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20},
            }
        ]
    if size == 0:
        return [
            {"field": field, "code": "cases.material_empty", "message": _("The file is empty.")}
        ]
    kind = files.sniff(uploaded)
    problem = files.type_problem(
        kind, files.clean_name(uploaded.name), getattr(uploaded, "content_type", ""), ACCEPTED_KINDS
    )
    if problem == files.UNKNOWN:
        return [
            {
                "field": field,
                "code": "cases.material_type",
                "message": _(
                    "This file type is not accepted (PDF, JPEG, PNG, Word and Excel are)."
                ),
            }
        ]
    if problem == files.MISMATCH:
        return [
            {
                "field": field,
                "code": "cases.material_type_mismatch",
                "message": _(
                    "The file's name or declared type does not match its content (%(type)s)."
                )
                % {"type": kind.mime},
            }
        ]
    return []


def material_build(
    *, case: Case | None, slot: str, material_name: str, uploaded, actor, at: dt.datetime
) -> Material:
    """An unsaved material row whose file is already stored (under a random name: the user's
    file name is only metadata). The caller deletes the file if its transaction fails."""
    name = files.clean_name(uploaded.name)
    kind = files.sniff(uploaded)
    ext = files.extension(name) or sorted(kind.extensions)[0]
    material = Material(
        case=case,
        slot=slot,
        material_name=material_name[:300],
        name=name,
        content_type=kind.mime,
        size=uploaded.size,
        sha256=files.sha256_of(uploaded),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=at,
    )
    material.file.save(f"{uuid.uuid4().hex}.{ext}", File(uploaded), save=False)
    return material


def discard_files(materials: list[Material]) -> None:
    for material in materials:
        material.file.delete(save=False)


def snapshot_case(case: Case, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(case, name) for name in fields}
