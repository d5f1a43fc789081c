"""Demo applications: the application forms of ``data/forms.json`` and a few hundred cases over
the last four months in every state, on the demo catalogue, so pages and statistics have data.

Cases are written in bulk with their clock fields computed as the services compute them (the
workflow's rules, not its code path — thousands of service calls would make ``yiwang seed``
slow). Each demo material points at one small stored PDF. Idempotent: forms are saved only
when they differ, and no case is added once the demo cases exist (their numbers end in
``9xxxxx``, a sequence range the services never reach in a day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from yiwang.cases import clock, slots
from yiwang.cases.choices import (
    ApplicantKind,
    CaseAction,
    CaseStatus,
    Decision,
    DeliveryMethod,
    PauseReason,
)
from yiwang.cases.models import (
    Case,
    CaseEvent,
    ClockPause,
    CorrectionNotice,
    FormDefinition,
    Material,
)
from yiwang.cases.services import common, form_definition_save
from yiwang.catalog import facade as catalog
from yiwang.core import facade as core
from yiwang.core.choices import AccountKind
from yiwang.core.seed import SeedContext, make_address, seed_step
from yiwang.worktime import facade as worktime

DATA = Path(__file__).resolve().parent / "data" / "forms.json"
DEMO_SEQ = 900_000
DEMO_CODES = [
    "010010004000",  # 食品经营许可
    "010010001001",  # 企业设立登记
    "010010002000",  # 个体工商户登记
    "070030001000",  # 结婚登记
    "070020004001",  # 户口迁移
    "010190001000",  # 消防安全检查
    "010180002000",  # 户外招牌
    "010120002000",  # 排水许可
]
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SAMPLE_NAME = "cases/demo/sample.pdf"
SAMPLE_SHA256 = hashlib.sha256(SAMPLE_PDF).hexdigest()
# (status, weight): what became of the demo applications
OUTCOMES = [
    ("delivered", 34),
    ("completed_denied", 5),
    ("completed", 8),
    ("decided", 4),
    ("reviewing", 12),
    ("accepted", 8),
    ("paused", 3),
    ("submitted", 8),
    ("correction", 6),
    ("refused", 5),
    ("withdrawn", 4),
    ("overdue", 3),
]


# how long ago applications with these outcomes were filed (days): those still being handled
# are recent, so the demo inbox is not all red
RECENT_DAYS = {
    "submitted": (0, 3),
    "correction": (1, 10),
    "accepted": (0, 4),
    "reviewing": (1, 6),
    "paused": (2, 20),
    "decided": (1, 8),
    "overdue": (10, 40),
}


def _forms(ctx: SeedContext) -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    existing = {f.basic_code: f for f in FormDefinition.objects.all()}
    for spec in data["forms"]:
        old = existing.get(spec["basic_code"])
        if old and (old.title, old.fields, old.material_conditions) == (
            spec["title"],
            spec["fields"],
            spec["material_conditions"],
        ):
            continue
        form_definition_save(actor=None, **spec)
        ctx.count("application forms")


def _applicants():
    users = get_user_model().objects.filter(
        kind__in=[AccountKind.CITIZEN, AccountKind.ENTERPRISE], is_active=True
    )
    people = []
    for user in users.order_by("pk")[:400]:
        if user.kind == AccountKind.CITIZEN:
            profile = getattr(user, "citizen", None)
            if profile is None:
                continue
            people.append(
                (user, ApplicantKind.PERSON, profile.real_name, profile.reveal_id_number())
            )
        else:
            member = user.enterprise_memberships.select_related("enterprise").first()
            if member is not None:
                e = member.enterprise
                people.append((user, ApplicantKind.LEGAL_PERSON, e.name, e.uscc))
    return people


def _pick_outcome(ctx: SeedContext) -> str:
    names = [n for n, _w in OUTCOMES]
    return ctx.rng.choices(names, weights=[w for _n, w in OUTCOMES])[0]


def _working_after(start: dt.datetime, days: int) -> dt.datetime:
    return worktime.add_working_days(start, days).deadline


def _case(ctx, n, item, person, outcome, submitted, now, district_of) -> tuple[Case, list, list]:
    """One demo case and its (action, from, to, at, note) events, as the workflow makes them."""
    user, kind, name, identity = person
    case = Case(
        number=f"SQ{clock.local_date(submitted):%Y%m%d}{DEMO_SEQ + n:06d}",
        applicant=user,
        applicant_kind=kind,
        applicant_name=name,
        contact_name=(user.display_name if kind == ApplicantKind.LEGAL_PERSON else ""),
        phone=user.mobile or "13800000000",
        item_id=item.id,
        item_version_id=item.version_id,
        item_name=item.name,
        basic_code=item.basic_code,
        organisation_id=item.organisation_id,
        district_id=district_of(item.organisation_id),
        form_data={"applicant_name": name, "address": make_address(ctx.rng), "purpose": "办理"},
        slots=[s.as_dict() for s in slots.item_slots(item.materials)],
        steps=list(item.steps),
        limit_value=item.promised_limit,
        limit_unit=item.promised_limit_unit,
        legal_limit_value=item.legal_limit,
        joint=item.handling_type == "joint",
        submitted_at=submitted,
        received_at=submitted,
    )
    if kind == ApplicantKind.PERSON:
        case.set_id_number(identity)
    else:
        case.uscc = identity
    case.acceptance_deadline = _working_after(submitted, 5)
    case.deadline = common.decision_deadline(case)
    events = [(CaseAction.SUBMIT, "", CaseStatus.SUBMITTED, submitted, "")]
    extras: list = []
    status = CaseStatus.SUBMITTED
    t = submitted

    # handling takes longer for longer limits (an on-the-spot item is done within the hour)
    scale = max(0.05, min(1.0, item.promised_limit / 5))

    def step(action, to, hours, note=""):
        nonlocal status, t
        t = t + dt.timedelta(hours=hours * scale)
        events.append((action, status, to, t, note))
        status = to
        return t

    if outcome == "correction" or (
        outcome in ("delivered", "reviewing") and ctx.rng.random() < 0.15
    ):
        at = step(CaseAction.CORRECT, CaseStatus.CORRECTION, 20, "申请书未签字")
        extras.append(
            CorrectionNotice(
                items=[{"material": "", "name": "", "reason": "申请书未签字"}],
                issued_at=at,
                deadline=_working_after(at, 20),
            )
        )
        if outcome == "correction":
            case.deadline = None  # the clock stops until the corrected materials arrive
        else:
            at = step(CaseAction.RESUBMIT, CaseStatus.SUBMITTED, 48, "申请书")
            extras[-1].resolved_at = at
            case.received_at = at
            case.acceptance_deadline = _working_after(at, 5)
            case.deadline = common.decision_deadline(case)
    if outcome == "refused":
        step(CaseAction.REFUSE, CaseStatus.REFUSED, 6, "不属于本机关职权范围")
        case.refusal_reason = "不属于本机关职权范围"
        case.refer_to = "市市场监督管理局"
        case.deadline = None
    if outcome == "withdrawn":
        case.withdrawn_at = step(CaseAction.WITHDRAW, CaseStatus.WITHDRAWN, 10, "不再办理")
        case.deadline = None
    if outcome not in ("submitted", "correction", "refused", "withdrawn"):
        case.accepted_at = step(CaseAction.ACCEPT, CaseStatus.ACCEPTED, 3)
        case.step_index = min(1, len(case.steps))
        if outcome == "overdue":
            case.deadline = common.decision_deadline(case)
        elif outcome != "accepted":
            step(CaseAction.REVIEW, CaseStatus.REVIEWING, 20, "书面审查通过")
            case.step_index = min(2, len(case.steps))
        if outcome == "paused":
            at = step(CaseAction.PAUSE, CaseStatus.PAUSED, 4, str(PauseReason.EXPERT_REVIEW.label))
            extras.append(ClockPause(reason=PauseReason.EXPERT_REVIEW, started_at=at))
        if outcome in ("decided", "completed", "completed_denied", "delivered"):
            hours = ctx.rng.choice([8, 24, 48, 72, 96])
            denied = outcome == "completed_denied"
            case.decided_at = step(
                CaseAction.DECIDE,
                CaseStatus.DECIDED,
                hours,
                "不予：材料不符合法定条件" if denied else "准予",
            )
            case.decision = Decision.DENY if denied else Decision.APPROVE
            case.decision_reasons = "材料不符合法定条件" if denied else ""
            if not denied:
                case.delivery_deadline = _working_after(case.decided_at, 10)
        if outcome in ("completed", "completed_denied", "delivered"):
            case.completed_at = step(CaseAction.COMPLETE, CaseStatus.COMPLETED, 2)
        if outcome == "delivered":
            method = ctx.rng.choice(DeliveryMethod.values)
            case.delivered_at = step(
                CaseAction.DELIVER, CaseStatus.DELIVERED, 24, str(DeliveryMethod(method).label)
            )
            case.delivery_method = method
    if t > now:  # a recent application has not got that far yet: keep what has happened
        keep = [e for e in events if e[3] <= now]
        events, status = keep, keep[-1][2]
        case = _rewind(case, status)
        extras = [x for x in extras if _started(x) <= now]
    case.status = status
    common.refresh_clock(case, common.policy_current(), now)
    if status == CaseStatus.CORRECTION:
        case.check_at = next(x.deadline for x in extras if isinstance(x, CorrectionNotice))
    if (
        case.deadline
        and case.decided_at is None
        and case.deadline < now
        and status
        in (
            CaseStatus.ACCEPTED,
            CaseStatus.REVIEWING,
        )
    ):
        events.append((CaseAction.OVERDUE, status, status, case.deadline, "红色预警（已超期）"))
    return case, events, extras


def _started(extra) -> dt.datetime:
    return extra.issued_at if isinstance(extra, CorrectionNotice) else extra.started_at


def _rewind(case: Case, status: str) -> Case:
    """Clear what the case has not reached yet."""
    order = [
        CaseStatus.SUBMITTED,
        CaseStatus.ACCEPTED,
        CaseStatus.REVIEWING,
        CaseStatus.PAUSED,
        CaseStatus.DECIDED,
        CaseStatus.COMPLETED,
        CaseStatus.DELIVERED,
    ]
    reached = order.index(status) if status in order else 0
    if reached < order.index(CaseStatus.DELIVERED):
        case.delivered_at, case.delivery_method = None, ""
    if reached < order.index(CaseStatus.COMPLETED):
        case.completed_at = None
    if reached < order.index(CaseStatus.DECIDED):
        case.decided_at, case.decision, case.decision_reasons = None, "", ""
        case.delivery_deadline = None
    if reached < order.index(CaseStatus.ACCEPTED):
        case.accepted_at, case.step_index = None, 0
    return case


@seed_step("cases.demo", order=70)
def seed_cases(ctx: SeedContext) -> None:
    _forms(ctx)
    if Case.objects.filter(number__regex=r"^SQ[0-9]{8}9[0-9]{5}$").exists():
        return
    items = [i for code in DEMO_CODES for i in catalog.published_items_of_basic(basic_code=code)]
    items = [i for i in items if i.online]
    people = _applicants()
    if not items or not people:
        return
    districts: dict[int, int | None] = {}

    def district_of(org_id: int) -> int | None:
        if org_id not in districts:
            districts[org_id] = next(
                (
                    r.id
                    for r in core.organisation_ancestors(org_id)
                    if r.kind in ("district", "area")
                ),
                None,
            )
        return districts[org_id]

    total = 300 if ctx.scale == "small" else 3000
    now = timezone.now()
    if not default_storage.exists(SAMPLE_NAME):
        default_storage.save(SAMPLE_NAME, ContentFile(SAMPLE_PDF))
    built = []
    for n in ctx.track(range(total), "办件"):
        outcome = _pick_outcome(ctx)
        days = RECENT_DAYS.get(outcome, (0, 120))
        submitted = now - dt.timedelta(minutes=ctx.rng.randint(days[0] * 1440 + 30, days[1] * 1440))
        item = ctx.rng.choice(items)
        person = ctx.rng.choice(people)
        built.append(_case(ctx, n, item, person, outcome, submitted, now, district_of))
    built.sort(key=lambda b: b[0].submitted_at)
    Case.objects.bulk_create([c for c, _e, _x in built], batch_size=500)
    rows, materials, extras = [], [], []
    for case, events, more in built:
        rows += [
            CaseEvent(case=case, action=a, from_status=f, to_status=t, at=at, note=note)
            for a, f, t, at, note in events
        ]
        materials += [
            Material(
                case=case,
                slot=s["code"],
                material_name=s["name"][:300],
                file=SAMPLE_NAME,
                name=f"{s['name'][:40]}.pdf",
                content_type="application/pdf",
                size=len(SAMPLE_PDF),
                sha256=SAMPLE_SHA256,
                uploaded_by=case.applicant,
                uploaded_at=case.submitted_at,
            )
            for s in case.slots
            if s["required"]
        ]
        for extra in more:
            extra.case = case
            extras.append(extra)
    CaseEvent.objects.bulk_create(rows, batch_size=1000)
    Material.objects.bulk_create(materials, batch_size=1000)
    CorrectionNotice.objects.bulk_create([x for x in extras if isinstance(x, CorrectionNotice)])
    ClockPause.objects.bulk_create([x for x in extras if isinstance(x, ClockPause)])
    ctx.count("demo applications", len(built))
    ctx.count("demo case events", len(rows))
