"""Uploaded files: the type sniffed from the bytes, safe names, digests (a kernel module).

The type is decided by the file's first bytes (magic numbers, :data:`SIGNATURES`), never by its
name or the declared content type; :func:`type_problem` says whether the bytes are an accepted
kind and whether the name and declared type agree with them. A small own table is used rather
than a package: a dozen formats, each with a documented signature, and Office Open XML needs a
look into the zip directory for ``[Content_Types].xml`` that generic sniffers (e.g.
``filetype``) do not do. Apps keep their own limits, error codes and messages (hotline
attachments, case materials).
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

HEAD_BYTES = 64
NAME_MAX = 200


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
DOCUMENT_KINDS = (JPEG, PNG, PDF, DOCX, XLSX)  # scans, photos and documents
# Declared types that say nothing (browsers send them for unknown extensions).
UNINFORMATIVE = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")

UNKNOWN = "unknown"
MISMATCH = "mismatch"


def sniff(fileobj) -> Kind | None:
    """The kind of the file by its bytes, or ``None`` when it is not a known type."""
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


def clean_name(name: str, default: str = "attachment") -> str:
    """The user's file name without directories or control characters, at most 200 long."""
    name = _CONTROL.sub("_", os.path.basename((name or "").replace("\\", "/"))).strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = stem[: NAME_MAX - len(ext) - 1] + dot + ext if dot and len(ext) < 10 else name
        name = name[:NAME_MAX]
    return name or default


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def type_problem(
    kind: Kind | None, name: str, declared: str, accepted: Iterable[Kind] = ALL_KINDS
) -> str | None:
    """``None`` when the sniffed ``kind`` is accepted and the file's name and declared content
    type agree with it; :data:`UNKNOWN` for a type outside ``accepted``; :data:`MISMATCH` when
    the name's extension or the declared type says something else than the bytes."""
    if kind is None or kind not in tuple(accepted):
        return UNKNOWN
    ext = extension(name)
    declared = (declared or "").split(";")[0].strip().lower()
    ext_ok = not ext or ext in kind.extensions
    declared_ok = declared in UNINFORMATIVE or declared == kind.mime or declared in kind.aliases
    return None if ext_ok and declared_ok else MISMATCH


def sha256_of(uploaded_file) -> str:
    """Hex SHA-256 of an uploaded file (read in chunks; the file is rewound)."""
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()
