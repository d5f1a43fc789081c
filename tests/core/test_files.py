"""core.files: the type sniffed from the bytes, name/declared-type agreement, safe names."""

from __future__ import annotations

import hashlib
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core import files


def _zip(*names: str) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    buf.seek(0)
    return buf


def test_sniff_by_magic_numbers():
    assert files.sniff(io.BytesIO(b"%PDF-1.7 ...")) is files.PDF
    assert files.sniff(io.BytesIO(b"\xff\xd8\xff\xe0....")) is files.JPEG
    assert files.sniff(io.BytesIO(b"\x89PNG\r\n\x1a\n....")) is files.PNG
    assert files.sniff(io.BytesIO(b"RIFF\x00\x00\x00\x00WEBPVP8 ")) is files.WEBP
    assert files.sniff(io.BytesIO(b"MZ\x90\x00")) is None
    assert files.sniff(_zip("[Content_Types].xml", "word/document.xml")) is files.DOCX
    assert files.sniff(_zip("[Content_Types].xml", "xl/workbook.xml")) is files.XLSX
    assert files.sniff(_zip("just.txt")) is None  # a plain zip is not an Office document
    stream = io.BytesIO(b"%PDF-1.4")
    files.sniff(stream)
    assert stream.tell() == 0  # rewound for whoever reads it next


def test_type_problem():
    assert files.type_problem(files.PDF, "a.pdf", "application/pdf") is None
    assert files.type_problem(files.PDF, "a", "application/octet-stream") is None
    assert files.type_problem(files.JPEG, "a.jpeg", "image/pjpeg") is None
    assert files.type_problem(files.JPEG, "a.pdf", "") == files.MISMATCH
    assert files.type_problem(files.PDF, "a.pdf", "image/png") == files.MISMATCH
    assert files.type_problem(None, "a.pdf", "application/pdf") == files.UNKNOWN
    assert files.type_problem(files.MP3, "a.mp3", "", files.DOCUMENT_KINDS) == files.UNKNOWN


def test_clean_name_and_digest():
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name("C:\\Users\\x\\申请书.pdf") == "申请书.pdf"
    assert files.clean_name("  .. ") == "attachment"
    long = files.clean_name("a" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")
    assert files.extension("scan.JPG") == "jpg" and files.extension(".bashrc") == ""
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 hello")
    assert files.sha256_of(upload) == hashlib.sha256(b"%PDF-1.4 hello").hexdigest()
    assert upload.tell() == 0
