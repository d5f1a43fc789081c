"""Attachments of work orders: size limit, type sniffed from the bytes, storage, timeline.

The type is decided by the file's first bytes (magic numbers, :data:`SIGNATURES`), never by
its name or the declared content type; a name or declared type that disagrees with the bytes is
refused (``hotline.attachment_type_mismatch``), as is any type not in the table
(``hotline.attachment_type``). A small own table is used rather than a package: ten formats,
each with a documented signature, and Office Open XML needs a look into the zip directory for
``[Content_Types].xml`` that generic sniffers (e.g. ``filetype``) do not do.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
import zipfile
from dataclasses import dataclass

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang import config
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline import selectors
from yiwang.hotline import support as common
from yiwang.hotline.choices import Action
from yiwang.hotline.models import Attachment, WorkOrder, WorkOrderEvent

MAX_PER_ORDER = 10
NAME_MAX = 200
HEAD_BYTES = 64


@dataclass(frozen=True)
class Kind:
    mime: str
    extensions: frozenset[str]
    aliases: frozenset[str] = frozenset()  # other declared content types meaning the same


def _k(mime: str, exts: str, aliases: str = "") -> Kind:
    return Kind(mime, frozenset(exts.split()), frozenset(aliases.split()))


JPEG = _k("image/jpeg", "jpg jpeg jpe", "image/jpg image/pjpeg")
PNG = _k("image/png", "png", "image/x-png")
GIF = _k("image/gif", "gif")
WEBP = _k("image/webp", "webp")
PDF = _k("application/pdf", "pdf", "application/x-pdf")
MP3 = _k("audio/mpeg", "mp3", "audio/mp3 audio/mpeg3 audio/x-mpeg-3")
AMR = _k("audio/amr", "amr", "audio/x-amr audio/amr-wb")
WAV = _k("audio/wav", "wav", "audio/x-wav audio/wave audio/vnd.wave")
MP4 = _k("video/mp4", "mp4 m4v", "video/x-m4v application/mp4")
M4A = _k("audio/mp4", "m4a", "audio/x-m4a audio/m4a")
MOV = _k("video/quicktime", "mov")
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = _k(_OOXML + "wordprocessingml.document", "docx")
XLSX = _k(_OOXML + "spreadsheetml.sheet", "xlsx")
PPTX = _k(_OOXML + "presentationml.presentation", "pptx")

# (offset, bytes) → kind; checked in order. MP3 frames, RIFF, ftyp and zip need a closer look
# (see :func:`sniff`).
SIGNATURES: list[tuple[int, bytes, Kind]] = [
    (0, b"\xff\xd8\xff", JPEG),
    (0, b"\x89PNG\r\n\x1a\n", PNG),
    (0, b"GIF87a", GIF),
    (0, b"GIF89a", GIF),
    (0, b"%PDF-", PDF),
    (0, b"ID3", MP3),
    (0, b"#!AMR\n", AMR),
    (0, b"#!AMR-WB\n", AMR),
]
ALL_KINDS = (JPEG, PNG, GIF, WEBP, PDF, MP3, AMR, WAV, MP4, M4A, MOV, DOCX, XLSX, PPTX)
# Declared types that say nothing (browsers send them for unknown extensions).
UNINFORMATIVE = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")


def sniff(fileobj) -> Kind | None:
    """The kind of the file by its bytes, or ``None`` when it is not an accepted type."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    for offset, magic, kind in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    # MPEG audio frame without an ID3 tag: 11 sync bits, MPEG-1/2/2.5, Layer III.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and (head[1] >> 1) & 3 == 1:
        return MP3
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return M4A
        if brand == b"qt  ":
            return MOV
        return MP4
    if head[:4] == b"PK\x03\x04":
        return _ooxml(fileobj)
    return None


def _ooxml(fileobj) -> Kind | None:
    """Office Open XML is a zip holding ``[Content_Types].xml``; the part folder says which."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def max_bytes() -> int:
    return int(config.get("YIWANG_HOTLINE_ATTACHMENT_MAX_MB")) * 1024 * 1024


def _refuse(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors=[{"field": "file", "code": code, "message": message}])


def _clean_name(name: str) -> str:
    name = _CONTROL.sub("_", os.path.basename((name or "").replace("\\", "/"))).strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = stem[: NAME_MAX - len(ext) - 1] + dot + ext if dot and len(ext) < 10 else name
        name = name[:NAME_MAX]
    return name or "attachment"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _check_type(kind: Kind | None, name: str, declared: str) -> Kind:
    if kind is None:
        raise _refuse(
            "hotline.attachment_type",
            _(
                "This file type is not accepted (images, PDF, audio, MP4 video and Office "
                "documents are)."
            ),
        )
    ext = _extension(name)
    declared = (declared or "").split(";")[0].strip().lower()
    ext_ok = not ext or ext in kind.extensions
    declared_ok = declared in UNINFORMATIVE or declared == kind.mime or declared in kind.aliases
    if not (ext_ok and declared_ok):
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
    name = _clean_name(uploaded_file.name)
    kind = _check_type(sniff(uploaded_file), name, getattr(uploaded_file, "content_type", ""))
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    ext = _extension(name) or sorted(kind.extensions)[0]

    attachment = Attachment(
        order=order,
        name=name,
        content_type=kind.mime,
        size=size,
        sha256=digest.hexdigest(),
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
