"""Organisation tree writes: create, update, move (keeps the materialised path in step)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import ORG_CHILD_KINDS, OrgKind
from yiwang.core.errors import InvalidInput, NotFound, from_validation_error
from yiwang.core.models import Division, Organisation
from yiwang.core.permissions import require_perm
from yiwang.core.validators import validate_division_code_format

ORG_FIELDS = (
    "name",
    "short_name",
    "kind",
    "parent_id",
    "division_id",
    "uscc",
    "code",
    "sort_order",
    "is_active",
    "path",
)


def _resolve_division(code: str | None) -> Division | None:
    if not code:
        return None
    try:
        validate_division_code_format(code)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise InvalidInput(
            "unknown_division_code",
            _("Unknown division code %(code)s.") % {"code": code},
            errors=[
                {
                    "field": "division_code",
                    "code": "unknown_division_code",
                    "message": _("Unknown division code %(code)s.") % {"code": code},
                }
            ],
        )
    return division


def _check_parent(kind: str, parent: Organisation | None) -> None:
    if parent is None:
        if kind != OrgKind.CITY:
            raise InvalidInput("core.org_parent_required", _("Only a city can be a root."))
        return
    if kind not in ORG_CHILD_KINDS[parent.kind]:
        raise InvalidInput(
            "core.org_kind_not_allowed",
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
        )


def _check_scope(actor, parent: Organisation | None) -> None:
    require_perm(actor, "core.manage_organisation")
    if (
        actor is not None
        and not actor.is_superuser
        and (
            parent is None
            or actor.organisation is None
            or not actor.organisation.is_ancestor_of(parent)
        )
    ):
        raise NotFound("organisation")


def organisation_create(
    *,
    actor,
    name: str,
    kind: str,
    code: str,
    parent: Organisation | None = None,
    division_code: str | None = None,
    uscc: str = "",
    short_name: str = "",
    sort_order: int = 0,
) -> Organisation:
    """Create a node under ``parent``. ``actor=None`` is reserved for seeding and migrations."""
    if actor is not None:
        _check_scope(actor, parent)
    _check_parent(kind, parent)
    org = Organisation(
        name=name,
        kind=kind,
        code=code,
        parent=parent,
        division=_resolve_division(division_code),
        uscc=uscc,
        short_name=short_name,
        sort_order=sort_order,
        depth=(parent.depth + 1) if parent else 0,
        path="",
    )
    try:
        org.full_clean(exclude=["path"])
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    with transaction.atomic():
        org.save()
        org.path = f"{parent.path if parent else '/'}{org.pk}/"
        org.save(update_fields=["path"])
        audit_record(
            actor=actor, action="core.organisation.create", obj=org, after=snapshot(org, ORG_FIELDS)
        )
    return org


def organisation_update(*, actor, org: Organisation, **values) -> Organisation:
    _check_scope(actor, org)
    allowed = {"name", "short_name", "uscc", "sort_order", "is_active", "division_code"}
    unknown = set(values) - allowed
    if unknown:
        raise InvalidInput("core.unknown_field", f"cannot update {sorted(unknown)}")
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        before = snapshot(org, ORG_FIELDS)
        if "division_code" in values:
            org.division = _resolve_division(values.pop("division_code"))
        for key, value in values.items():
            setattr(org, key, value)
        try:
            org.full_clean(exclude=["path"])
        except ValidationError as exc:
            raise from_validation_error(exc) from exc
        org.save()
        audit_record(
            actor=actor,
            action="core.organisation.update",
            obj=org,
            before=before,
            after=snapshot(org, ORG_FIELDS),
        )
    return org


def organisation_move(*, actor, org: Organisation, new_parent: Organisation) -> Organisation:
    """Re-parent a subtree; every descendant's path is rewritten in one UPDATE."""
    _check_scope(actor, org)
    _check_scope(actor, new_parent)
    if org.is_ancestor_of(new_parent):
        raise InvalidInput("core.org_cycle", _("An organisation cannot move under itself."))
    _check_parent(org.kind, new_parent)
    with transaction.atomic():
        before = snapshot(org, ORG_FIELDS)
        old_path = org.path
        new_path = f"{new_parent.path}{org.pk}/"
        depth_shift = new_parent.depth + 1 - org.depth
        for node in Organisation.objects.filter(path__startswith=old_path).select_for_update():
            node.path = new_path + node.path[len(old_path) :]
            node.depth += depth_shift
            node.save(update_fields=["path", "depth"])
        org.refresh_from_db()
        org.parent = new_parent
        org.save(update_fields=["parent"])
        audit_record(
            actor=actor,
            action="core.organisation.move",
            obj=org,
            before=before,
            after=snapshot(org, ORG_FIELDS),
        )
    return org
