"""Attachments of work orders: size limit, type sniffed from the bytes, storage, timeline.

The type is decided by the file's first bytes (magic numbers, ``yiwang.core.files``), never by
its name or the declared content type; a name or declared type that disagrees with the bytes is
refused (``hotline.attachment_type_mismatch``), as is any type not in the table
(``hotline.attachment_type``).
"""

from __future__ import annotations

import uuid

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang import config
from yiwang.core import files
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.files import Kind, sniff
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline import support as common
from yiwang.hotline.choices import Action
from yiwang.hotline.models import Attachment, WorkOrder, WorkOrderEvent

MAX_PER_ORDER = 10


def max_bytes() -> int:
    return int(config.get("YIWANG_HOTLINE_ATTACHMENT_MAX_MB")) * 1024 * 1024


def _refuse(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": "file", "code": code, "message": message}])


def _check_type(kind: Kind | None, name: str, declared: str) -> Kind:
    problem = files.type_problem(kind, name, declared)
    if problem == files.UNKNOWN:
        raise _refuse(
            "hotline.attachment_type",
            _(
                "This file type is not accepted (images, PDF, audio, MP4 video and Office "
                "documents are)."
            ),
        )
    if problem == files.MISMATCH:
        raise _refuse(
            "hotline.attachment_type_mismatch",
            _("The file's name or declared type does not match its content (%(type)s).")
            % {"type": kind.mime},
        )
    return kind


def _may_attach(actor, order: WorkOrder) -> bool:
    """The owner, the centre (whole city) or a handler of the lead unit's subtree; visibility
    (the 404 for everyone else) is already settled by the scoped selector."""
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    if actor.kind in (AccountKind.CITIZEN, AccountKind.ENTERPRISE):
        return order.owner_id == actor.pk
    return has_perm(actor, perms.VIEW_CITY) or (
        has_perm(actor, perms.HANDLE) and order.lead_unit_id is not None
    )


def attachment_add(*, actor, order_id: int, uploaded_file) -> Attachment:
    """Attach a file to a visible order (≤ ``MAX_PER_ORDER`` files, ≤ the configured size);
    ``actor=None`` is the system itself (email intake), for which no visibility scope applies."""
    if actor is None:
        order = WorkOrder.objects.filter(pk=order_id).first()
        if order is None:
            raise NotFound("work order")
    else:
        order = selectors.work_order_get(actor=actor, pk=order_id)
    if not _may_attach(actor, order):
        raise Forbidden(
            "hotline.permission_denied", _("You may not add attachments to this work order.")
        )
    limit = max_bytes()
    size = uploaded_file.size
    if size is None or size > limit:  # before reading a byte of it
        raise _refuse(
            "hotline.attachment_too_large",
            _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
        )
    name = files.clean_name(uploaded_file.name)
    kind = _check_type(sniff(uploaded_file), name, getattr(uploaded_file, "content_type", ""))
    digest = files.sha256_of(uploaded_file)
    ext = files.extension(name) or sorted(kind.extensions)[0]

    attachment = Attachment(
        order=order,
        name=name,
        content_type=kind.mime,
        size=size,
        sha256=digest,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    uploaded_file.seek(0)
    # Stored under a random name: the user's file name is only metadata.
    attachment.file.save(f"{uuid.uuid4().hex}.{ext}", File(uploaded_file), save=False)
    try:
        with transaction.atomic():
            WorkOrder.objects.select_for_update().filter(pk=order.pk).values_list("pk").get()
            if Attachment.objects.filter(order_id=order.pk).count() >= MAX_PER_ORDER:
                raise Conflict(
                    "hotline.attachment_limit",
                    _("A work order has at most %(n)d attachments.") % {"n": MAX_PER_ORDER},
                )
            attachment.save()
            WorkOrderEvent.objects.create(
                order=order,
                action=Action.ATTACH,
                actor=attachment.uploaded_by,
                from_status=order.status,
                to_status=order.status,
                unit_id=order.lead_unit_id,
                note=name,
                at=common.now(),
            )
            audit_record(
                actor=actor,
                action="hotline.attachment.add",
                obj=attachment,
                after=snapshot(attachment, ["order_id", "name", "content_type", "size", "sha256"]),
            )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment
