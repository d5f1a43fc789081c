"""Writing policy documents: create and edit, publish (listing, with the 7-working-day check),
withdraw (with the items it carries), delete an unpublished draft, and attachments.

Transitions (``DOCUMENT_MOVES``): draft → published → withdrawn. A document is edited while
draft or published (corrections of a listed document are audited like any edit); a withdrawn
one is final. Withdrawing a document withdraws its published items with the same reason and
stops their pending pushes after the commit (``services.push.push_on_withdrawal``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core import files
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, NotFound
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy.choices import DocumentStatus, ItemStatus
from yiwang.policy.models import PolicyAttachment, PolicyDocument, PolicyItem
from yiwang.policy.services.common import (
    document_for_write,
    invalid,
    raise_errors,
    revision_check,
    text,
    transition,
    writer_check,
)
from yiwang.policy.services.push import push_on_withdrawal
from yiwang.policy.validators import document_number_normalise, document_number_year
from yiwang.worktime import facade as worktime

LISTING_WORKING_DAYS = 7  # domain.md §6: new policies are listed within 7 working days
MAX_ATTACHMENT_BYTES = 20 * 2**20
MAX_ATTACHMENTS = 20
ATTACHMENT_KINDS = (files.PDF, files.DOCX, files.XLSX, files.JPEG, files.PNG)
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = DocumentStatus

DOCUMENT_MOVES = {
    "publish": {D.DRAFT: D.PUBLISHED},
    "withdraw": {D.PUBLISHED: D.WITHDRAWN},
}
DOCUMENT_FIELDS = ("title", "organisation_id", "document_number", "issue_date", "effective_from",
                   "effective_to", "full_text", "interpretation")  # fmt: skip
AUDITED = (*DOCUMENT_FIELDS, "status", "listed_at", "listed_on_time", "withdraw_reason")


def _date(value, field: str, errors: list[dict], *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.append(
                {"field": field, "code": "policy.required", "message": _("This field is required.")}
            )
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append(
            {
                "field": field,
                "code": "policy.invalid_date",
                "message": _("Write a date as YYYY-MM-DD."),
            }
        )
        return None


def _organisation(actor, value, errors: list[dict]) -> int | None:
    try:
        org_id = int(value)
    except (TypeError, ValueError):
        org_id = None
    org = core.organisation_by_id(org_id) if org_id else None
    prefix = "/" if actor is None else selectors.scope_prefix(actor, perms.MANAGE)
    if org is None or prefix is None or not org.path.startswith(prefix):
        errors.append(
            {
                "field": "organisation_id",
                "code": "policy.invalid_organisation",
                "message": _("Choose an issuing organisation inside your own."),
            }
        )
        return None
    return org.id


def _clean(actor, data: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict] = []
    cleaned: dict[str, Any] = {
        "title": text(data.get("title"), "title", errors, limit=200, low=4),
        "organisation_id": _organisation(actor, data.get("organisation_id"), errors),
        "issue_date": _date(data.get("issue_date"), "issue_date", errors, required=True),
        "effective_from": _date(
            data.get("effective_from"), "effective_from", errors, required=True
        ),
        "effective_to": _date(data.get("effective_to"), "effective_to", errors, required=False),
        "full_text": text(
            data.get("full_text"), "full_text", errors, required=False, limit=200_000
        ),
        "interpretation": text(
            data.get("interpretation"), "interpretation", errors, required=False, limit=50_000
        ),
    }
    number = text(data.get("document_number"), "document_number", errors, limit=40)
    if number:
        try:
            number = document_number_normalise(number)
        except ValidationError as exc:
            errors.append(
                {
                    "field": "document_number",
                    "code": "policy.invalid_document_number",
                    "message": " ".join(exc.messages),
                }
            )
        else:
            issued = cleaned["issue_date"]
            if issued and document_number_year(number) != issued.year:
                errors.append(
                    {
                        "field": "document_number",
                        "code": "policy.document_number_year",
                        "message": _(
                            "The year in the document number (%(number)s) is not the year of "
                            "the issue date (%(year)d)."
                        )
                        % {"number": number, "year": issued.year},
                    }
                )
    cleaned["document_number"] = number
    start, end = cleaned["effective_from"], cleaned["effective_to"]
    if start and end and end < start:
        errors.append(
            {
                "field": "effective_to",
                "code": "policy.validity_order",
                "message": _("The end of validity is before its start."),
            }
        )
    raise_errors(errors)
    return cleaned


def _number_taken(number: str, exclude: int | None = None) -> bool:
    qs = PolicyDocument.objects.filter(document_number=number)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _duplicate(number: str):
    return invalid(
        "document_number",
        "policy.duplicate_document_number",
        _("Another policy document already has the number %(number)s.") % {"number": number},
    )


def document_create(*, actor, data: dict[str, Any]) -> PolicyDocument:
    """A draft document (``data``: the fields of ``DOCUMENT_FIELDS``)."""
    writer_check(actor)
    cleaned = _clean(actor, data)
    if _number_taken(cleaned["document_number"]):
        raise _duplicate(cleaned["document_number"])
    try:
        with transaction.atomic():
            document = PolicyDocument.objects.create(
                **cleaned, created_by=actor if getattr(actor, "is_authenticated", False) else None
            )
            audit_record(
                actor=actor,
                action="policy.document.create",
                obj=document,
                after=snapshot(document, AUDITED),
            )
    except IntegrityError:  # a concurrent create took the number between check and insert
        raise _duplicate(cleaned["document_number"]) from None
    return document


def document_update(
    *, actor, document_id: int, data: dict[str, Any], revision: int | None = None
) -> PolicyDocument:
    """Change the given fields of a draft or published document (``revision``: 409 when
    someone saved since it was read)."""
    with transaction.atomic():
        document = document_for_write(actor, document_id)
        revision_check(document, revision)
        if document.status == D.WITHDRAWN:
            raise Conflict(
                "policy.document_withdrawn", _("A withdrawn document can no longer be edited.")
            )
        before = snapshot(document, AUDITED)
        merged = {name: getattr(document, name) for name in DOCUMENT_FIELDS}
        merged.update({k: v for k, v in data.items() if k in DOCUMENT_FIELDS})
        cleaned = _clean(actor, merged)
        if _number_taken(cleaned["document_number"], exclude=document.pk):
            raise _duplicate(cleaned["document_number"])
        for name, value in cleaned.items():
            setattr(document, name, value)
        document.revision += 1
        document.save()
        audit_record(
            actor=actor,
            action="policy.document.update",
            obj=document,
            before=before,
            after=snapshot(document, AUDITED),
        )
    return document


def listing_deadline(issue_date: dt.date) -> dt.datetime:
    """The close of office hours on the 7th working day after the issue date."""
    start = dt.datetime.combine(issue_date, dt.time(0, 0), tzinfo=SHANGHAI)
    return worktime.add_working_days(start, LISTING_WORKING_DAYS).deadline


def document_publish(*, actor, document_id: int, at: dt.datetime | None = None) -> PolicyDocument:
    """List the document (its items are published one by one). The first listing records
    ``listed_at`` and whether it was within 7 working days of the issue date."""
    at = at or timezone.now()
    with transaction.atomic():
        document = document_for_write(actor, document_id)
        before = snapshot(document, AUDITED)
        document.status = transition(DOCUMENT_MOVES, "publish", document.status, DocumentStatus)
        if document.listed_at is None:
            document.listed_at = at
            document.listed_on_time = at <= listing_deadline(document.issue_date)
        document.revision += 1
        document.save()
        audit_record(
            actor=actor,
            action="policy.document.publish",
            obj=document,
            before=before,
            after=snapshot(document, AUDITED),
        )
    return document


def _reason(reason: str) -> str:
    errors: list[dict] = []
    value = text(reason, "reason", errors, limit=500, low=2)
    raise_errors(errors)
    return value


def document_withdraw(*, actor, document_id: int, reason: str) -> PolicyDocument:
    """Withdraw a published document and every published item of it (same reason)."""
    now = timezone.now()
    with transaction.atomic():
        document = document_for_write(actor, document_id)  # 403 / 404 before any 422
        reason = _reason(reason)
        before = snapshot(document, AUDITED)
        document.status = transition(DOCUMENT_MOVES, "withdraw", document.status, DocumentStatus)
        document.withdrawn_at, document.withdraw_reason = now, reason
        document.revision += 1
        document.save()
        audit_record(
            actor=actor,
            action="policy.document.withdraw",
            obj=document,
            before=before,
            after=snapshot(document, AUDITED),
        )
        items = list(
            PolicyItem.objects.select_for_update().filter(
                document=document, status=ItemStatus.PUBLISHED
            )
        )
        for item in items:
            item.status, item.withdrawn_at, item.withdraw_reason = ItemStatus.WITHDRAWN, now, reason
            item.revision += 1
            item.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "revision",
                                     "updated_at"])  # fmt: skip
            audit_record(
                actor=actor,
                action="policy.item.withdraw",
                obj=item,
                changes={
                    "status": [ItemStatus.PUBLISHED, ItemStatus.WITHDRAWN],
                    "reason": reason,
                    "with_document": document.pk,
                },
            )
            transaction.on_commit(partial(push_on_withdrawal, item.pk, actor, reason))
    return document


def document_delete(*, actor, document_id: int) -> None:
    """Delete a draft that was never published (its draft items and files go with it)."""
    with transaction.atomic():
        document = document_for_write(actor, document_id)
        if document.status != D.DRAFT or document.listed_at is not None:
            raise Conflict(
                "policy.document_not_deletable",
                _("Only a draft that was never published can be deleted; withdraw it instead."),
            )
        if document.items.filter(version__gt=0).exists():
            raise Conflict(
                "policy.document_not_deletable",
                _("Only a draft that was never published can be deleted; withdraw it instead."),
            )
        attachments = list(document.attachments.all())
        audit_record(
            actor=actor,
            action="policy.document.delete",
            obj=document,
            before=snapshot(document, AUDITED),
        )
        document.items.all().delete()
        document.delete()
        transaction.on_commit(lambda: [a.file.delete(save=False) for a in attachments])


# --- attachments ----------------------------------------------------------------------------------


def _upload_problem(uploaded) -> dict | None:
    size = getattr(uploaded, "size", None)
    if size is None or size > MAX_ATTACHMENT_BYTES:
        return {
            "field": "file",
            "code": "policy.attachment_too_large",
            "message": _("The file is larger than %(mb)d MB.")
            % {"mb": MAX_ATTACHMENT_BYTES // 2**20},
        }
    if size == 0:
        return {
            "field": "file",
            "code": "policy.attachment_empty",
            "message": _("The file is empty."),
        }
    kind = files.sniff(uploaded)
    problem = files.type_problem(
        kind, files.clean_name(uploaded.name), getattr(uploaded, "content_type", ""),
        ATTACHMENT_KINDS,
    )  # fmt: skip
    if problem == files.UNKNOWN:
        return {
            "field": "file",
            "code": "policy.attachment_type",
            "message": _("This file type is not accepted (PDF, Word, Excel, JPEG and PNG are)."),
        }
    if problem == files.MISMATCH:
        return {
            "field": "file",
            "code": "policy.attachment_type_mismatch",
            "message": _("The file's name or declared type does not match its content (%(type)s).")
            % {"type": kind.mime},
        }
    return None


def attachment_add(*, actor, document_id: int, uploaded) -> PolicyAttachment:
    """Attach a file (PDF, Word, Excel, JPEG, PNG up to 20 MB; type from the bytes)."""
    with transaction.atomic():
        document = document_for_write(actor, document_id)  # 403 / 404 before any 422
        problem = _upload_problem(uploaded)
        if problem:
            raise_errors([problem])
        name = files.clean_name(uploaded.name)
        kind = files.sniff(uploaded)
        ext = files.extension(name) or sorted(kind.extensions)[0]
        if document.status == D.WITHDRAWN:
            raise Conflict(
                "policy.document_withdrawn", _("A withdrawn document can no longer be edited.")
            )
        if document.attachments.count() >= MAX_ATTACHMENTS:
            raise invalid(
                "file",
                "policy.too_many_attachments",
                _("A document has at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS},
            )
        attachment = PolicyAttachment(
            document=document,
            name=name,
            content_type=kind.mime,
            size=uploaded.size,
            sha256=files.sha256_of(uploaded),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{ext}", File(uploaded), save=False)
        try:
            attachment.save()
            audit_record(
                actor=actor,
                action="policy.attachment.add",
                obj=attachment,
                after=snapshot(
                    attachment, ["document_id", "name", "content_type", "size", "sha256"]
                ),
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def attachment_remove(*, actor, attachment_id: int) -> None:
    with transaction.atomic():
        attachment = PolicyAttachment.objects.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound("policy attachment")
        document = document_for_write(actor, attachment.document_id)
        if document.status == D.WITHDRAWN:
            raise Conflict(
                "policy.document_withdrawn", _("A withdrawn document can no longer be edited.")
            )
        audit_record(
            actor=actor,
            action="policy.attachment.remove",
            obj=attachment,
            before=snapshot(attachment, ["document_id", "name", "sha256"]),
        )
        attachment.delete()
        transaction.on_commit(lambda: attachment.file.delete(save=False))
