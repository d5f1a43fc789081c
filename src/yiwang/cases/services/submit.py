"""接件: filing an application for one item, or for a 一件事 bundle (联合办理).

Checks, all reported together (422 with per-field errors): the item is published and open
online (``cases.not_online``), the form (``form.<field>``), every file (``files.<code>``: size,
type sniffed from the bytes) and that every required material is there
(``cases.missing_material`` listing each missing one). Files are stored before the transaction
and removed again if it fails; the case, its materials, the timeline event and the audit record
are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases import clock, formdefs, notifications, selectors
from yiwang.cases import permissions as perms
from yiwang.cases import slots as slotlib
from yiwang.cases.choices import ApplicantKind, CaseAction, CaseStatus
from yiwang.cases.models import Case, Material
from yiwang.cases.services import common
from yiwang.catalog import facade as catalog
from yiwang.core import facade as core
from yiwang.core.audit import audit_record
from yiwang.core.choices import AccountKind, OrgKind
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.worktime import facade as worktime

DISTRICT_KINDS = (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA)
AUDIT_FIELDS = ["number", "status", "applicant_name", "phone", "item_name", "deadline"]


def _applicant(actor, applicant_id: int | None):
    """(applicant, agent): the actor itself, or — 帮办代办 — the account a staff member with
    ``cases.assist`` files for."""
    if selectors.is_applicant(actor):
        if applicant_id not in (None, actor.pk):
            raise common.invalid(
                "applicant_id",
                "cases.not_an_agent",
                _("Applicants file for themselves; agents are government staff."),
            )
        return actor, None
    if not has_perm(actor, perms.ASSIST):
        raise Forbidden("cases.permission_denied", _("You may not file applications."))
    if applicant_id is None:
        raise common.invalid(
            "applicant_id", "cases.required", _("Say whom you are filing this application for.")
        )
    applicant = (
        get_user_model()
        .objects.filter(
            pk=applicant_id,
            is_active=True,
            kind__in=[AccountKind.CITIZEN, AccountKind.ENTERPRISE],
        )
        .first()
    )
    if applicant is None:
        raise common.invalid(
            "applicant_id", "cases.unknown_applicant", _("No such citizen or enterprise account.")
        )
    return applicant, actor


def applicant_prefill(applicant, form: Mapping[str, Any]) -> dict[str, Any]:
    """``form`` completed with the applicant account's verified identity: a citizen's real
    name and ID number, an enterprise's name and credit code (+ the user as contact), the
    account's mobile. Only what the form leaves out is filled. The submit services validate
    this; the apply page shows the same values as the locked identity and initial fields."""
    data = dict(form)
    if applicant.kind == AccountKind.CITIZEN:
        try:
            profile = applicant.citizen
        except ObjectDoesNotExist:
            profile = None
        if profile is not None:
            data.setdefault("applicant_name", profile.real_name)
            data.setdefault("id_number", profile.reveal_id_number())
    else:
        membership = applicant.enterprise_memberships.select_related("enterprise").first()
        if membership is not None:
            data.setdefault("applicant_name", membership.enterprise.name)
            data.setdefault("uscc", membership.enterprise.uscc)
        data.setdefault("contact_name", applicant.display_name or applicant.username)
    if applicant.mobile:
        data.setdefault("phone", applicant.mobile)
    return data


def applicant_kind(applicant) -> str:
    """The :class:`ApplicantKind` an account applies as (citizen → person, enterprise user →
    legal person); it selects the form fields that apply."""
    if applicant.kind == AccountKind.CITIZEN:
        return ApplicantKind.PERSON
    return ApplicantKind.LEGAL_PERSON


def _not_online(names: list[str]) -> InvalidInput:
    message = _("%(items)s cannot be applied for online; apply at the service window.") % {
        "items": "、".join(names)
    }
    return common.invalid("item_id", "cases.not_online", message)


def _check_files(
    slots: list[slotlib.Slot],
    files: Mapping[str, Any],
    required: set[str],
    max_bytes: int,
) -> list[dict]:
    known = {s.code for s in slots}
    errors: list[dict] = []
    for code, uploaded in files.items():
        if code not in known:
            errors.append(
                {
                    "field": f"files.{code}",
                    "code": "cases.unknown_material",
                    "message": _("This item asks for no material %(code)s.") % {"code": code},
                }
            )
            continue
        errors += common.upload_errors(uploaded, f"files.{code}", max_bytes)
    for slot in slots:
        if slot.code in required and slot.code not in files:
            errors.append(
                {
                    "field": f"files.{slot.code}",
                    "code": "cases.missing_material",
                    "message": _("Missing material: %(name)s.") % {"name": slot.name},
                }
            )
    return errors


def _raise(errors: list[dict]) -> None:
    if not errors:
        return
    missing = [e for e in errors if e["code"] == "cases.missing_material"]
    if missing and len(missing) == len(errors):
        message = _("%(n)d required material(s) are missing.") % {"n": len(missing)}
        raise InvalidInput("cases.missing_material", message, errors=errors)
    raise InvalidInput(errors[0]["code"], "; ".join(e["message"] for e in errors), errors=errors)


def _identity(case: Case, cleaned: dict[str, Any]) -> None:
    case.applicant_name = cleaned.get("applicant_name", "")
    case.phone = cleaned.get("phone", "")
    case.contact_name = cleaned.get("contact_name", "")
    if case.applicant_kind == ApplicantKind.PERSON:
        case.set_id_number(cleaned["id_number"])
    else:
        case.uscc = cleaned["uscc"]


def _district_of(organisation_id: int) -> int | None:
    return common.district_of(organisation_id)


def _store(files, slots, actor, at) -> dict[str, Material]:
    by_code = {s.code: s for s in slots}
    stored: dict[str, Material] = {}
    try:
        for code, uploaded in files.items():
            stored[code] = common.material_build(
                case=None,
                slot=code,
                material_name=by_code[code].name,
                uploaded=uploaded,
                actor=actor,
                at=at,
            )
    except BaseException:
        common.discard_files(list(stored.values()))
        raise
    return stored


def _clock_start(case: Case, policy) -> None:
    case.acceptance_deadline = worktime.add_working_days(
        case.received_at, policy.acceptance_days
    ).deadline
    case.deadline = common.decision_deadline(case)


def application_submit(
    *,
    actor,
    item_id: int,
    form: Mapping[str, Any],
    files: Mapping[str, Any],
    conditions: Iterable[str] = (),
    applicant_id: int | None = None,
) -> Case:
    """接件 of an application for the published implementation item ``item_id``."""
    applicant, agent = _applicant(actor, applicant_id)
    item = catalog.published_item_get(pk=item_id)
    if not item.applicable_online:
        raise _not_online([item.name])
    policy = common.policy_current()
    kind = applicant_kind(applicant)
    fields, rules = formdefs.definition_for([item.basic_code])
    cleaned, errors = formdefs.form_validate(
        fields, applicant_prefill(applicant, form), applicant_kind=kind
    )
    slots = slotlib.item_slots(item.materials)
    required = slotlib.required_codes(slots, declared=conditions, form=cleaned, rules=rules)
    errors += _check_files(slots, files, required, policy.max_upload_mb * 2**20)
    _raise(errors)

    at = common.now()
    case = Case(
        applicant=applicant,
        agent=agent,
        applicant_kind=kind,
        item_id=item.id,
        item_version_id=item.version_id,
        item_name=item.name,
        basic_code=item.basic_code,
        organisation_id=item.organisation_id,
        district_id=_district_of(item.organisation_id),
        form_data={k: v for k, v in cleaned.items() if k != "id_number"},
        declared_conditions=sorted(set(conditions)),
        slots=[s.as_dict() for s in slots],
        steps=list(item.steps),
        limit_value=item.promised_limit,
        limit_unit=item.promised_limit_unit,
        legal_limit_value=item.legal_limit,
        joint=item.handling_type == "joint",
        submitted_at=at,
        received_at=at,
    )
    _identity(case, cleaned)
    _clock_start(case, policy)
    stored = _store(files, slots, actor, at)
    try:
        with transaction.atomic():
            case.number = common.next_number(at)
            common.refresh_clock(case, policy, at)
            case.save(force_insert=True)
            for material in stored.values():
                material.case = case
            Material.objects.bulk_create(stored.values())
            common.event(
                case, action=CaseAction.SUBMIT, actor=actor, from_status="", note="", at=at
            )
            audit_record(
                actor=actor,
                action="cases.case.submit",
                obj=case,
                after={
                    **common.snapshot_case(case, AUDIT_FIELDS),
                    "materials": sorted(stored),
                    "agent": agent.pk if agent else None,
                },
            )
            notifications.case_received(case)
    except BaseException:
        common.discard_files(list(stored.values()))
        raise
    return case


def implementation_for(
    basic_code: str, *, district_id: int | None, cache: dict[int, int | None]
) -> catalog.PublishedItem | None:
    """The published implementation of ``basic_code`` that handles a bundle's item: the one
    in district ``district_id`` when there is one, else the city-level one (``None``: not
    published). ``cache`` maps organisation id → district id across calls of one bundle; the
    bundle service and the bundle's apply page route the same way through it."""
    candidates = catalog.published_items_of_basic(basic_code=basic_code)
    city_level = None
    for item in candidates:
        if item.organisation_id not in cache:
            cache[item.organisation_id] = _district_of(item.organisation_id)
        district = cache[item.organisation_id]
        if district_id is not None and district == district_id:
            return item
        if district is None and city_level is None:
            city_level = item
    return city_level


def _check_district(district_id: int | None) -> None:
    if district_id is None:
        return
    ref = core.organisation_by_id(district_id)
    if ref is None or ref.kind not in DISTRICT_KINDS:
        raise common.invalid(
            "district_id", "cases.unknown_district", _("Choose one of the city's districts.")
        )


def bundle_submit(
    *,
    actor,
    bundle_code: str,
    form: Mapping[str, Any],
    files: Mapping[str, Any],
    conditions: Iterable[str] = (),
    district_id: int | None = None,
    applicant_id: int | None = None,
) -> Case:
    """接件 of a 一件事 bundle: the parent case the applicant follows and one sub-case per item
    routed to its implementing body (in ``district_id`` when it implements the item there,
    else at city level); materials are uploaded once, on the parent."""
    applicant, agent = _applicant(actor, applicant_id)
    bundle = catalog.bundle_get(code=bundle_code)
    _check_district(district_id)
    cache: dict[int, int | None] = {}
    items: list[catalog.PublishedItem] = []
    unavailable: list[str] = []
    for code in bundle.item_codes:
        item = implementation_for(code, district_id=district_id, cache=cache)
        if item is None:
            unavailable.append(code)
        else:
            items.append(item)
    if unavailable:
        raise common.invalid(
            "bundle_code",
            "cases.bundle_item_unavailable",
            _("Some items of this bundle are not published: %(codes)s.")
            % {"codes": ", ".join(unavailable)},
        )
    offline = [i.name for i in items if not i.applicable_online]
    if offline:
        raise _not_online(offline)
    policy = common.policy_current()
    kind = applicant_kind(applicant)
    fields, rules = formdefs.definition_for([i.basic_code for i in items])
    cleaned, errors = formdefs.form_validate(
        fields, applicant_prefill(applicant, form), applicant_kind=kind
    )
    slots = slotlib.bundle_slots(bundle.shared_materials, [i.materials for i in items])
    required = slotlib.required_codes(slots, declared=conditions, form=cleaned, rules=rules)
    errors += _check_files(slots, files, required, policy.max_upload_mb * 2**20)
    _raise(errors)

    at = common.now()
    lead = next((i for i in items if i.department == bundle.lead_department), items[0])
    form_data = {k: v for k, v in cleaned.items() if k != "id_number"}
    parent = Case(
        applicant=applicant,
        agent=agent,
        applicant_kind=kind,
        bundle_code=bundle.code,
        item_name=bundle.name,
        organisation_id=lead.organisation_id,
        district_id=district_id,
        form_data=form_data,
        declared_conditions=sorted(set(conditions)),
        slots=[s.as_dict() for s in slots],
        limit_value=bundle.promised_limit or 0,
        limit_unit=bundle.promised_limit_unit or clock.WORKING_DAY,
        joint=True,
        submitted_at=at,
        received_at=at,
        status=CaseStatus.SUBMITTED,
    )
    _identity(parent, cleaned)
    children = []
    for item in items:
        child = Case(
            applicant=applicant,
            agent=agent,
            applicant_kind=kind,
            bundle_code=bundle.code,
            item_id=item.id,
            item_version_id=item.version_id,
            item_name=item.name,
            basic_code=item.basic_code,
            organisation_id=item.organisation_id,
            district_id=cache.get(item.organisation_id),
            form_data=form_data,
            declared_conditions=parent.declared_conditions,
            steps=list(item.steps),
            limit_value=item.promised_limit,
            limit_unit=item.promised_limit_unit,
            legal_limit_value=item.legal_limit,
            joint=True,
            submitted_at=at,
            received_at=at,
        )
        _identity(child, cleaned)
        _clock_start(child, policy)
        children.append(child)
    _bundle_deadline(parent, children, bool(bundle.promised_limit))
    stored = _store(files, slots, actor, at)
    try:
        with transaction.atomic():
            parent.number = common.next_number(at)
            common.refresh_clock(parent, policy, at)
            parent.save(force_insert=True)
            for k, child in enumerate(children, start=1):
                child.parent = parent
                child.number = f"{parent.number}-{k:02d}"
                common.refresh_clock(child, policy, at)
            Case.objects.bulk_create(children)
            for material in stored.values():
                material.case = parent
            Material.objects.bulk_create(stored.values())
            for case in [parent, *children]:
                common.event(case, action=CaseAction.SUBMIT, actor=actor, from_status="", at=at)
            audit_record(
                actor=actor,
                action="cases.case.submit_bundle",
                obj=parent,
                after={
                    **common.snapshot_case(parent, AUDIT_FIELDS),
                    "bundle": bundle.code,
                    "sub_cases": [c.number for c in children],
                    "organisations": [c.organisation_id for c in children],
                    "materials": sorted(stored),
                    "agent": agent.pk if agent else None,
                },
            )
            notifications.case_received(parent)  # one notice for the bundle, none per sub-case
    except BaseException:
        common.discard_files(list(stored.values()))
        raise
    return parent


def _bundle_deadline(parent: Case, children: list[Case], has_limit: bool) -> None:
    """The overall deadline: the bundle's promised limit, else the latest of the items'."""
    if has_limit:
        parent.deadline = common.decision_deadline(parent)
    else:
        parent.deadline = max((c.deadline for c in children if c.deadline), default=None)
