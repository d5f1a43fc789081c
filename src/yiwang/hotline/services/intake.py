"""Intake (受理): validation, exclusions, emergency transfer, idempotency, numbering."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_entry, audit_record_many, snapshot
from yiwang.core.choices import AccountKind, OrgKind
from yiwang.core.errors import Conflict, Forbidden, InvalidInput
from yiwang.core.permissions import has_perm
from yiwang.core.validators import validate_uscc
from yiwang.hotline import permissions as perms
from yiwang.hotline import support as common
from yiwang.hotline.choices import (
    Action,
    Category,
    Channel,
    EmergencyService,
    ExclusionReason,
    Lane,
    RequesterKind,
    Status,
)
from yiwang.hotline.models import CONTENT_MAX_LENGTH, DailyCounter, WorkOrder, WorkOrderEvent
from yiwang.hotline.suggestions import is_repeat

_GENERATED = tuple(
    f.attname
    for f in WorkOrder._meta.concrete_fields
    if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SERVICE_NUMBER = re.compile(r"^[48]00\d{7}$")


def normalise_phone(value: str) -> str:
    """Digits only (spaces, dashes and a leading +86 dropped) or ``ValidationError``."""
    phone = re.sub(r"[\s\-()]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone) or _SERVICE_NUMBER.match(phone)):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits) or a landline with its area code."),
            code="hotline.invalid_phone",
        )
    return phone


def _org_model():
    # Organisation rows are reached through our own FK: core's models are core's internals.
    return WorkOrder._meta.get_field("district").related_model


def _default_city_id(actor) -> int:
    from yiwang.hotline.selectors import city_root_id

    root = city_root_id(actor)
    if root is not None:
        return root
    city = _org_model().objects.filter(kind=OrgKind.CITY).order_by("id").first()
    if city is None:
        raise InvalidInput("hotline.no_city", _("No city is configured."))
    return city.pk


def resolve_location(
    *,
    city_id: int,
    organisation_id: int | None,
    address: str,
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
) -> tuple[int | None, int | None]:
    """(district id, street id) from a chosen organisation, else from district names in the
    address text, else from the coordinates (``hotline.geo``: simplified boundaries)."""
    district_id = street_id = None
    if organisation_id is not None:
        chain = core.organisation_ancestors(organisation_id)
        if not chain or chain[0].id != city_id:
            raise InvalidInput(
                "hotline.unknown_organisation",
                _("The organisation is not part of this city."),
                errors=[
                    {
                        "field": "organisation_id",
                        "code": "hotline.unknown_organisation",
                        "message": _("The organisation is not part of this city."),
                    }
                ],
            )
        for ref in chain:
            if ref.kind in (OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA):
                district_id = ref.id
            elif ref.kind == OrgKind.STREET:
                street_id = ref.id
        return district_id, street_id
    if address:
        city_path = f"/{city_id}/"
        candidates = _org_model().objects.filter(
            path__startswith=city_path,
            kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA, OrgKind.STREET],
        )
        for org in sorted(candidates, key=lambda o: -len(o.name)):
            short = org.name.removeprefix("珠海")
            if org.name in address or (len(short) >= 2 and short in address):
                if org.kind == OrgKind.STREET:
                    if street_id is None:
                        street_id = org.pk
                        district_id = district_id or org.parent_id
                elif district_id is None:
                    district_id = org.pk
    if district_id is None and street_id is None and lat is not None and lng is not None:
        district_id, street_id = _locate_by_coordinates(city_id=city_id, lat=lat, lng=lng)
    return district_id, street_id


def _locate_by_coordinates(*, city_id: int, lat, lng) -> tuple[int | None, int | None]:
    """Organisations of the city named like the boundaries containing the point."""
    from yiwang.hotline import geo

    place = geo.locate(lat, lng)
    if place.district is None:
        return None, None
    orgs = _org_model().objects.filter(path__startswith=f"/{city_id}/")
    district = (
        orgs.filter(kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA], name=place.district)
        .only("pk", "path")
        .first()
    )
    if district is None:
        return None, None
    street_id = None
    if place.street is not None:
        street_id = (
            orgs.filter(kind=OrgKind.STREET, name=place.street, path__startswith=district.path)
            .values_list("pk", flat=True)
            .first()
        )
    return district.pk, street_id


def next_number(*, city_id: int, at: dt.datetime) -> str:
    """``ZH20261129-000123``: city code prefix, local date, per-day sequence.

    One ``UPDATE … SET last = last + 1 … RETURNING last`` bumps the city's counter row of the
    day (created once per city and day; ``get_or_create`` survives the race via its unique
    constraint). The statement locks the row until the end of the transaction it runs in:
    :func:`work_order_create` calls it *before* opening its own transaction, so in autocommit
    mode the lock lasts one statement — concurrent intakes of a city no longer queue behind
    each other's whole dispatch. Numbers stay unique, increasing and human-readable; a request
    that fails after taking its number (a lost idempotency race, a database error) leaves a
    gap in the day's sequence, which nobody relies on.
    """
    day = timezone.localtime(at).date()
    table = DailyCounter._meta.db_table
    orgs = _org_model()._meta.db_table
    # The city's code comes back with the value: one round trip for the whole number.
    sql = (
        f"UPDATE {table} SET last = last + 1 WHERE city_id = %s AND day = %s "  # noqa: S608
        f"RETURNING last, (SELECT code FROM {orgs} WHERE id = %s)"
    )
    params = [
        city_id,
        DailyCounter._meta.get_field("day").get_db_prep_value(day, connection),
        city_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            DailyCounter.objects.get_or_create(city_id=city_id, day=day)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    value, code = row
    prefix = re.sub(r"[^A-Z]", "", (code or "").upper())[:4] or "YW"
    return f"{prefix}{day:%Y%m%d}-{value:06d}"


def ref_code(city_id: int) -> str:
    return _org_model().objects.filter(pk=city_id).values_list("code", flat=True).first() or ""


def _field_error(errors: list, field: str, code: str, message: str) -> None:
    errors.append({"field": field, "code": code, "message": str(message)})


def _validate(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    clean = dict(data)
    if data.get("channel") not in Channel.values:
        _field_error(errors, "channel", "hotline.unknown_channel", _("Unknown channel."))
    if data.get("category") not in Category.values:
        _field_error(errors, "category", "hotline.unknown_category", _("Unknown category."))
    if data.get("requester_kind") not in RequesterKind.values:
        _field_error(
            errors, "requester_kind", "hotline.unknown_requester_kind", _("Unknown requester.")
        )
    name = (data.get("requester_name") or "").strip()
    if not name or len(name) > 100:
        _field_error(
            errors,
            "requester_name",
            "hotline.invalid_name",
            _("Give the requester's name (at most 100 characters)."),
        )
    clean["requester_name"] = name
    try:
        clean["contact_phone"] = normalise_phone(data.get("contact_phone") or "")
    except ValidationError as exc:
        _field_error(errors, "contact_phone", exc.code, exc.messages[0])
    content = (data.get("content") or "").strip()
    if not content:
        _field_error(
            errors, "content", "hotline.content_empty", _("Describe the request (content).")
        )
    elif len(content) > CONTENT_MAX_LENGTH:
        _field_error(
            errors,
            "content",
            "hotline.content_too_long",
            _("The content has %(n)d characters; at most %(max)d are accepted.")
            % {"n": len(content), "max": CONTENT_MAX_LENGTH},
        )
    clean["content"] = content
    if len(data.get("title") or "") > 200:
        _field_error(errors, "title", "hotline.title_too_long", _("At most 200 characters."))
    if len(data.get("address") or "") > 300:
        _field_error(errors, "address", "hotline.address_too_long", _("At most 300 characters."))
    if data.get("requester_kind") == RequesterKind.ENTERPRISE:
        try:
            clean["enterprise_uscc"] = validate_uscc(data.get("enterprise_uscc") or "")
        except ValidationError as exc:
            _field_error(errors, "enterprise_uscc", "invalid_uscc", exc.messages[0])
        if not (data.get("enterprise_name") or "").strip():
            _field_error(
                errors,
                "enterprise_name",
                "hotline.enterprise_name_required",
                _("Give the enterprise's name."),
            )
    else:
        clean["enterprise_uscc"] = ""
        clean["enterprise_name"] = ""
    for axis, low, high in (("lat", -90, 90), ("lng", -180, 180)):
        value = data.get(axis)
        if value is not None and not (low <= Decimal(str(value)) <= high):
            _field_error(errors, axis, "hotline.invalid_coordinate", _("Out of range."))
    if data.get("emergency") and data.get("transferred_to") not in EmergencyService.values:
        _field_error(
            errors,
            "transferred_to",
            "hotline.transfer_target_required",
            _("An emergency is transferred to 110, 119, 120 or 122."),
        )
    reason = data.get("exclusion_reason") or ""
    if reason and reason not in ExclusionReason.values:
        _field_error(
            errors, "exclusion_reason", "hotline.unknown_exclusion", _("Unknown exclusion reason.")
        )
    if errors:
        raise InvalidInput(
            errors[0]["code"], "; ".join(e["message"] for e in errors), errors=errors
        )
    return clean


def work_order_create(
    *,
    actor,
    channel: str,
    category: str,
    requester_name: str,
    contact_phone: str,
    content: str,
    requester_kind: str = RequesterKind.CITIZEN,
    enterprise_name: str = "",
    enterprise_uscc: str = "",
    title: str = "",
    address: str = "",
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
    organisation_id: int | None = None,
    confidential: bool = False,
    emergency: bool = False,
    transferred_to: str = "",
    exclusion_reason: str = "",
    idempotency_key: str | None = None,
    received_at: dt.datetime | None = None,
    auto_dispatch: bool = True,
) -> tuple[WorkOrder, bool]:
    """受理: store a request; returns ``(order, created)``.

    * a replayed ``idempotency_key`` returns the stored order (``created`` False); the key is
      bound to the account that first used it (another account → 409);
    * ``exclusion_reason`` (不予受理, staff only) stores the order as ``refused`` with the reason
      — recorded, not rejected, so every contact stays countable;
    * ``emergency`` with ``transferred_to`` stores it as ``transferred`` (110/119/120/122);
    * otherwise the order is ``received`` and, with ``auto_dispatch``, routed at once by the
      dispatch catalogue (waits for manual dispatch when no rule matches).
    """
    public = actor is not None and actor.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE)
    if actor is not None and not public and not has_perm(actor, perms.INTAKE):
        raise Forbidden("hotline.permission_denied", _("You may not register work orders."))
    if public and (exclusion_reason or emergency):
        raise Forbidden(
            "hotline.permission_denied", _("Only the hotline centre decides exclusions.")
        )
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 100:
        raise InvalidInput("hotline.invalid_idempotency_key", _("At most 100 characters."))
    if key is not None:
        existing = WorkOrder.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replayed(existing, actor)
    data = _validate(
        {
            "channel": channel,
            "category": category,
            "requester_kind": requester_kind,
            "requester_name": requester_name,
            "contact_phone": contact_phone,
            "content": content,
            "title": title,
            "address": address,
            "enterprise_name": enterprise_name,
            "enterprise_uscc": enterprise_uscc,
            "lat": lat,
            "lng": lng,
            "emergency": emergency,
            "transferred_to": transferred_to,
            "exclusion_reason": exclusion_reason,
        }
    )
    received = received_at or common.now()
    city_id = _default_city_id(actor)
    status = Status.RECEIVED
    if exclusion_reason:
        status = Status.REFUSED
    elif emergency:
        status = Status.TRANSFERRED
    district_id, street_id = resolve_location(
        city_id=city_id, organisation_id=organisation_id, address=address, lat=lat, lng=lng
    )
    repeat = status == Status.RECEIVED and is_repeat(
        city_id=city_id, phone=data["contact_phone"], category=category, at=received
    )
    # Before the transaction: the counter's row lock is held for one statement (see there).
    number = next_number(city_id=city_id, at=received)
    lat, lng = _coordinate(lat, "lat"), _coordinate(lng, "lng")
    order = WorkOrder(
        number=number,
        city_id=city_id,
        channel=channel,
        category=category,
        lane=Lane.ENTERPRISE if requester_kind == RequesterKind.ENTERPRISE else Lane.GENERAL,
        status=status,
        requester_kind=requester_kind,
        requester_name=data["requester_name"],
        contact_phone=data["contact_phone"],
        enterprise_name=(data["enterprise_name"] or "").strip()[:200],
        enterprise_uscc=data["enterprise_uscc"],
        owner=actor if public else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        title=(title or "").strip() or data["content"][:30],
        content=data["content"],
        address=(address or "").strip(),
        lat=lat,
        lng=lng,
        district_id=district_id,
        street_id=street_id,
        confidential=confidential,
        emergency=emergency,
        transferred_to=transferred_to if emergency else "",
        transferred_at=received if status == Status.TRANSFERRED else None,
        exclusion_reason=exclusion_reason,
        idempotency_key=key,
        repeat=repeat,
        received_at=received,
    )
    created = snapshot(order)
    # 即接即转: routed before the INSERT, so the order is stored already dispatched.
    plan = None
    if status == Status.RECEIVED and auto_dispatch:
        from yiwang.hotline.services.dispatch import plan_fresh_dispatch

        plan = plan_fresh_dispatch(order, at=received)
    action = {Status.REFUSED: Action.REFUSE, Status.TRANSFERRED: Action.TRANSFER}.get(
        status, Action.CREATE
    )
    with transaction.atomic():
        try:
            # A savepoint only where a unique violation is expected and handled.
            with transaction.atomic() if key is not None else contextlib.nullcontext():
                order.save(force_insert=True)
                # Generated on insert: the id and the automatic timestamps.
                created.update({name: getattr(order, name) for name in _GENERATED})
        except IntegrityError:
            if key is None:
                raise
            # A concurrent request with the same key won the unique constraint.
            existing = WorkOrder.objects.filter(idempotency_key=key).first()
            if existing is None:
                raise
            return _replayed(existing, actor)
        _record_intake(order, actor=actor, action=action, created=created, plan=plan)
    return order, True


def _record_intake(order: WorkOrder, *, actor, action: str, created: dict, plan) -> None:
    """Timeline events and audit records of a new order (one INSERT each), and for an order
    dispatched at intake its co-units and the units' notification (after commit)."""
    events = [
        WorkOrderEvent(
            order=order,
            action=action,
            actor=order.created_by,
            to_status=created["status"],
            note=order.exclusion_reason or order.transferred_to,
            at=order.received_at,
        )
    ]
    audits = [audit_entry(actor=actor, action=f"hotline.order.{action}", obj=order, after=created)]
    if plan is not None:
        events.append(
            WorkOrderEvent(
                order=order,
                action=Action.DISPATCH,
                actor=order.created_by,
                from_status=created["status"],
                to_status=order.status,
                unit_id=order.lead_unit_id,
                note=plan.route.note,
                at=order.dispatched_at,
            )
        )
        audits.append(
            audit_entry(
                actor=actor,
                action=f"hotline.order.{Action.DISPATCH}",
                obj=order,
                before=plan.before,
                after=snapshot(order, list(plan.before)),
            )
        )
    WorkOrderEvent.objects.bulk_create(events)
    audit_record_many(audits)
    if plan is not None:
        from yiwang.hotline.services.dispatch import after_fresh_dispatch

        after_fresh_dispatch(order, plan)


def _coordinate(value, axis: str) -> Decimal | None:
    """The coordinate as the database returns it (the field's decimal places)."""
    if value is None:
        return None
    places = WorkOrder._meta.get_field(axis).decimal_places
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _replayed(existing: WorkOrder, actor) -> tuple[WorkOrder, bool]:
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    if existing.created_by_id != actor_id:
        raise Conflict(
            "hotline.idempotency_key_reused",
            _("This idempotency key was used by another account."),
        )
    return existing, False
