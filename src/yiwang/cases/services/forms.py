"""Application forms per basic item: create or change one (checked, audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases import formdefs
from yiwang.cases import permissions as perms
from yiwang.cases.models import FormDefinition
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Forbidden, InvalidInput
from yiwang.core.permissions import has_perm

FIELDS = ["basic_code", "title", "fields", "material_conditions", "active"]


def form_definition_save(
    *,
    actor,
    basic_code: str,
    title: str,
    fields: list[dict[str, Any]],
    material_conditions: list[dict[str, Any]] | None = None,
    active: bool = True,
) -> FormDefinition:
    """Create or replace the form of ``basic_code`` (``actor=None``: the seed)."""
    if actor is not None and not has_perm(actor, perms.MANAGE_FORMS):
        raise Forbidden("cases.permission_denied", _("You may not edit application forms."))
    errors = formdefs.definition_errors(fields, material_conditions or [])
    if not (title or "").strip():
        errors.append({"field": "title", "code": "cases.required", "message": _("Give a title.")})
    if errors:
        raise InvalidInput(errors[0]["code"], errors[0]["message"], errors=errors)
    with transaction.atomic():
        form = FormDefinition.objects.select_for_update().filter(basic_code=basic_code).first()
        before = snapshot(form, FIELDS) if form else None
        form = form or FormDefinition(basic_code=basic_code)
        form.title = title.strip()
        form.fields = fields
        form.material_conditions = material_conditions or []
        form.active = active
        form.save()
        audit_record(
            actor=actor,
            action="cases.form.save",
            obj=form,
            before=before,
            after=snapshot(form, FIELDS),
        )
    return form
