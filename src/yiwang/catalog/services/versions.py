"""Implementation items and the editorial workflow of their versions.

draft → (submit) → review → (publish) → published; review → (send back) → draft;
published → (withdraw) → withdrawn. Publishing a version supersedes the item's previous
publication: each publication is a new version, and the item's ``current`` points at it.
Every change is audited; one draft-or-review version per item at a time (409 otherwise).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.catalog import elements as el
from yiwang.catalog import permissions as perms
from yiwang.catalog.choices import Operation, VersionStatus
from yiwang.catalog.models import BasicItem, ImplementationItem, ImplementationVersion
from yiwang.catalog.services.search_index import search_documents_refresh
from yiwang.core import facade as core
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import has_perm

OPERATION_CODES = {"": "00", "new": "01", "change": "02", "renew": "03", "cancel": "04"}


def implementation_code(basic: BasicItem, org, operation: str) -> str:
    """Implementation code: basic code + the body's division (6) + its USCC (18; its id,
    zero-padded, for a body without one) + the business operation (2). A demo format;
    vendors' formats differ (configurable)."""
    division = (org.division_code or "000000")[:6]
    return f"{basic.code}{division}{org.uscc or f'{org.id:018d}'}{OPERATION_CODES[operation]}"


def _may_edit(actor, org_path: str) -> bool:
    if has_perm(actor, perms.REVIEW):
        return True
    own = getattr(getattr(actor, "organisation", None), "path", None)
    return has_perm(actor, perms.EDIT) and own is not None and org_path.startswith(own)


def _item_for(actor, item_id: int, *, lock: bool = False) -> ImplementationItem:
    qs = ImplementationItem.objects.select_related("basic", "organisation")
    if lock:
        qs = qs.select_for_update()
    item = qs.filter(pk=item_id).first()
    if item is None or not (
        has_perm(actor, perms.REVIEW) or _may_edit(actor, item.organisation.path)
    ):
        raise NotFound("implementation item")
    return item


def _version_for(actor, version_id: int) -> ImplementationVersion:
    version = (
        ImplementationVersion.objects.select_for_update()
        .select_related("item__organisation", "item__basic")
        .filter(pk=version_id)
        .first()
    )
    if version is None or not _may_edit(actor, version.item.organisation.path):
        raise NotFound("implementation item version")
    return version


def _required_text(value: str, field: str, code: str, message: str, limit: int = 500) -> str:
    """``value`` stripped, or ``InvalidInput`` naming ``field`` when it is empty or too long."""
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise InvalidInput(
            code, message, errors=[{"field": field, "code": code, "message": message}]
        )
    return text


def _illegal(action: str, status: str) -> Conflict:
    return Conflict(
        "catalog.illegal_transition",
        _("%(action)s is not allowed for a version in status %(status)s.")
        % {"action": action, "status": status},
    )


def _new_version(item: ImplementationItem, elements: dict, actor) -> ImplementationVersion:
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            return ImplementationVersion.objects.create(
                item=item,
                number=number,
                status=VersionStatus.DRAFT,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                **elements,
            )
    except IntegrityError:
        raise Conflict(
            "catalog.open_version_exists",
            _("This item already has a version in draft or in review."),
        ) from None


def implementation_create(
    *, actor, basic_id: int, organisation_id: int, operation: str = ""
) -> ImplementationItem:
    """Adopt a basic item for an organisation (实施清单认领): the item and its first draft,
    whose elements are the basic item's standard."""
    basic = BasicItem.objects.filter(pk=basic_id, is_active=True).first()
    org = core.organisation_by_id(organisation_id)
    if basic is None:
        raise NotFound("basic catalogue item")
    if org is None or (actor is not None and not _may_edit(actor, org.path)):
        raise NotFound("organisation")
    if operation not in Operation.values or (operation and operation not in basic.operations):
        raise InvalidInput(
            "catalog.unknown_operation",
            _("This item has no such business operation."),
            errors=[
                {
                    "field": "operation",
                    "code": "catalog.unknown_operation",
                    "message": _("This item has no such business operation."),
                }
            ],
        )
    elements = el.clean_elements(dict(basic.standard))
    with transaction.atomic():
        try:
            with transaction.atomic():
                item = ImplementationItem.objects.create(
                    basic=basic,
                    organisation_id=org.id,
                    operation=operation,
                    code=implementation_code(basic, org, operation),
                )
        except IntegrityError:
            raise Conflict(
                "catalog.already_implemented",
                _("This organisation already implements this item."),
            ) from None
        version = _new_version(item, elements, actor)
        audit_record(
            actor=actor,
            action="catalog.implementation.create",
            obj=item,
            changes={"basic": basic.code, "organisation": org.id, "version": version.number},
        )
    return item


def version_draft(*, actor, item_id: int) -> ImplementationVersion:
    """A new draft from the item's published version (or its basic item's standard)."""
    with transaction.atomic():
        item = _item_for(actor, item_id, lock=True)
        # from the publication; after a withdrawal, from the last version that was published
        latest = item.current or (
            item.versions.exclude(status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW])
            .order_by("-number")
            .first()
        )
        source = el.elements_of(latest) if latest else dict(item.basic.standard)
        version = _new_version(item, el.clean_elements(source), actor)
        audit_record(
            actor=actor,
            action="catalog.version.draft",
            obj=version,
            changes={"item": item.code, "number": version.number},
        )
    return version


def version_update(*, actor, version_id: int, **changes) -> ImplementationVersion:
    """Edit a draft's elements. Unified elements are refused (``catalog.unified_element``);
    everything is checked together (per-field errors); nothing is saved on any error."""
    with transaction.atomic():
        version = _version_for(actor, version_id)
        if version.status != VersionStatus.DRAFT:
            raise _illegal("edit", version.status)
        before = el.elements_of(version)
        clean = el.clean_elements({**before, **changes})
        for field, value in clean.items():
            setattr(version, field, value)
        version.save()
        audit_record(
            actor=actor,
            action="catalog.version.update",
            obj=version,
            changes=el.diff(before, clean),
        )
    return version


def _transition(
    *, actor, version_id: int, action: str, allowed: str, perm: str | None = None
) -> ImplementationVersion:
    version = _version_for(actor, version_id)
    if perm is not None and not has_perm(actor, perm):
        raise Forbidden("catalog.permission_denied", _("Only a reviewer may do this."))
    if version.status != allowed:
        raise _illegal(action, version.status)
    return version


def version_submit(*, actor, version_id: int) -> ImplementationVersion:
    with transaction.atomic():
        version = _transition(
            actor=actor, version_id=version_id, action="submit", allowed=VersionStatus.DRAFT
        )
        version.status, version.submitted_at = VersionStatus.REVIEW, timezone.now()
        version.save(update_fields=["status", "submitted_at"])
        audit_record(actor=actor, action="catalog.version.submit", obj=version)
    return version


def version_send_back(*, actor, version_id: int, note: str) -> ImplementationVersion:
    note = _required_text(
        note, "note", "catalog.note_required", _("Say what must change (at most 500 characters).")
    )
    with transaction.atomic():
        version = _transition(
            actor=actor,
            version_id=version_id,
            action="send back",
            allowed=VersionStatus.REVIEW,
            perm=perms.REVIEW,
        )
        version.status = VersionStatus.DRAFT
        version.review_note, version.reviewed_at = note, timezone.now()
        version.reviewed_by = actor
        version.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor, action="catalog.version.send_back", obj=version, changes={"note": note}
        )
    return version


def version_publish(*, actor, version_id: int) -> ImplementationVersion:
    """Publish a reviewed version: it becomes the item's current one and the previous
    publication is superseded."""
    with transaction.atomic():
        version = _transition(
            actor=actor,
            version_id=version_id,
            action="publish",
            allowed=VersionStatus.REVIEW,
            perm=perms.REVIEW,
        )
        item = ImplementationItem.objects.select_for_update().get(pk=version.item_id)
        previous = item.current
        now = timezone.now()
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED
            previous.save(update_fields=["status"])
        version.status, version.published_at = VersionStatus.PUBLISHED, now
        version.reviewed_by, version.reviewed_at = actor, now
        version.save(update_fields=["status", "published_at", "reviewed_by", "reviewed_at"])
        item.current = version
        item.save(update_fields=["current"])
        # the item's search document carries the published FAQ and the publication count
        search_documents_refresh(basic_ids=[item.basic_id])
        audit_record(
            actor=actor,
            action="catalog.version.publish",
            obj=version,
            changes={
                "item": item.code,
                "number": version.number,
                "diff": el.diff(el.elements_of(previous), el.elements_of(version))
                if previous
                else {},
            },
        )
    return version


def implementation_withdraw(*, actor, item_id: int, reason: str) -> ImplementationItem:
    """Take an item off the published list (停用): its publication is withdrawn."""
    reason = _required_text(
        reason, "reason", "catalog.reason_required", _("Give the reason (at most 500 characters).")
    )
    with transaction.atomic():
        item = _item_for(actor, item_id, lock=True)
        if not has_perm(actor, perms.REVIEW):
            raise Forbidden("catalog.permission_denied", _("Only a reviewer may do this."))
        version = item.current
        if version is None:
            raise Conflict("catalog.not_published", _("This item has no published version."))
        version.status, version.withdrawn_at = VersionStatus.WITHDRAWN, timezone.now()
        version.save(update_fields=["status", "withdrawn_at"])
        item.current = None
        item.save(update_fields=["current"])
        # A revision waiting for review goes back to its editor: publishing it would put the
        # item back on the list without anyone deciding to reinstate it.
        returned = item.versions.filter(status=VersionStatus.REVIEW).update(
            status=VersionStatus.DRAFT, review_note=reason[:500]
        )
        search_documents_refresh(basic_ids=[item.basic_id])
        audit_record(
            actor=actor,
            action="catalog.implementation.withdraw",
            obj=item,
            changes={"version": version.number, "reason": reason, "returned_to_draft": returned},
        )
    return item
