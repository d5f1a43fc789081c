"""Notification templates: create, edit (versioned and audited), register module defaults."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, from_validation_error
from yiwang.core.permissions import require_perm
from yiwang.notify.models import Template
from yiwang.notify.rendering import template_check

TEMPLATE_FIELDS = ("code", "name", "subject", "body", "version")


def _validate(template: Template) -> None:
    try:
        template.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    template_check(field="subject", source=template.subject)
    template_check(field="body", source=template.body)


def template_create(*, actor, code: str, subject: str, body: str, name: str = "") -> Template:
    """A new template. ``actor=None`` is the platform itself (module defaults, seeding)."""
    if actor is not None:
        require_perm(actor, "notify.manage")
    template = Template(code=code.strip(), name=name, subject=subject, body=body)
    _validate(template)
    with transaction.atomic():
        try:
            with transaction.atomic():
                template.save()
        except IntegrityError:
            raise Conflict(
                "notify.template_exists",
                _("A notification template with code %(code)s already exists.")
                % {"code": template.code},
            ) from None
        audit_record(
            actor=actor,
            action="notify.template.create",
            obj=template,
            after=snapshot(template, TEMPLATE_FIELDS),
        )
    return template


def template_update(
    *, actor, template: Template, subject: str, body: str, name: str | None = None
) -> Template:
    """Edit subject/body/name; the version goes up by one and the change is audited."""
    require_perm(actor, "notify.manage")
    with transaction.atomic():
        current = Template.objects.select_for_update().get(pk=template.pk)
        before = snapshot(current, TEMPLATE_FIELDS)
        current.subject = subject
        current.body = body
        if name is not None:
            current.name = name
        if snapshot(current, TEMPLATE_FIELDS) == before:
            return current
        _validate(current)
        current.version = before["version"] + 1
        current.save()
        audit_record(
            actor=actor,
            action="notify.template.update",
            obj=current,
            before=before,
            after=snapshot(current, TEMPLATE_FIELDS),
        )
    return current


def template_register(*, code: str, subject: str, body: str, name: str = "") -> bool:
    """Create the template if it does not exist yet; an existing one (perhaps edited by an
    administrator) is left alone. Returns True when it was created. Safe to call on every
    start-up and from concurrent processes."""
    if Template.objects.filter(code=code).exists():
        return False
    try:
        template_create(actor=None, code=code, subject=subject, body=body, name=name)
    except Conflict:
        return False  # another process registered it first
    return True
