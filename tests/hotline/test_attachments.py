"""Attachments of work orders: type sniffing, size and count limits, scoping, download."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.core.models import AuditLog
from yiwang.hotline.models import Attachment, WorkOrderEvent
from yiwang.hotline.services import attachment_add

BASE = "/api/v1/hotline"


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CT = b'<?xml version="1.0"?><Types/>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SAMPLES = [
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64, "image/jpeg"),
    ("photo.png", PNG, "image/png"),
    ("anim.gif", b"GIF89a" + b"\x00" * 64, "image/gif"),
    ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "image/webp"),
    ("doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64, "application/pdf"),
    ("call.mp3", b"ID3\x04\x00\x00" + b"\x00" * 64, "audio/mpeg"),
    ("frame.mp3", b"\xff\xfb\x90\x64" + b"\x00" * 64, "audio/mpeg"),
    ("voice.amr", b"#!AMR\n" + b"\x00" * 64, "audio/amr"),
    ("rec.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64, "audio/wav"),
    ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"),
    (
        "report.docx",
        _zip({"[Content_Types].xml": CT, "word/document.xml": b"<w/>"}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "table.xlsx",
        _zip({"[Content_Types].xml": CT, "xl/workbook.xml": b"<x/>"}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("no-extension", PNG, "image/png"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def citizen(db):
    from yiwang.core.models import User

    return User.objects.create(username="att-c1", kind=AccountKind.CITIZEN, display_name="甲")


@pytest.fixture
def order(make_order, citizen):
    made = make_order(actor=citizen, channel="web")
    assert made.lead_unit_id is not None  # dispatched to 香洲区市场监督管理局
    return made


def _file(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(("name", "data", "mime"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_accepted_types_are_sniffed_from_bytes(hl, order, name, data, mime):
    att = attachment_add(actor=hl.operator, order_id=order.pk, uploaded_file=_file(name, data))
    assert att.content_type == mime and att.size == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.file.read() == data and name not in att.file.name  # stored under a random name


def test_declared_type_agreeing_with_the_bytes_is_accepted(hl, order):
    att = attachment_add(
        actor=hl.operator,
        order_id=order.pk,
        uploaded_file=_file("a.JPG", SAMPLES[0][1], "image/jpg"),
    )
    assert att.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "data", "declared", "code"),
    [
        ("photo.pdf", PNG, "application/octet-stream", "hotline.attachment_type_mismatch"),
        ("photo.png", PNG, "application/pdf", "hotline.attachment_type_mismatch"),
        ("doc.exe", b"%PDF-1.4\n" + b"0" * 32, "", "hotline.attachment_type_mismatch"),
        (
            "page.png",
            b"<html><script>alert(1)</script></html>",
            "image/png",
            "hotline.attachment_type",
        ),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 64, "", "hotline.attachment_type"),
        ("data.zip", _zip({"a.txt": b"x"}), "", "hotline.attachment_type"),
        ("fake.docx", b"PK\x03\x04garbage" + b"\x00" * 64, "", "hotline.attachment_type"),
        ("empty.png", b"", "image/png", "hotline.attachment_type"),
        ("notes.txt", "纯文本".encode(), "text/plain", "hotline.attachment_type"),
    ],
)
def test_unknown_or_mismatching_types_are_refused(hl, order, name, data, declared, code):
    with pytest.raises(InvalidInput) as err:
        attachment_add(
            actor=hl.operator, order_id=order.pk, uploaded_file=_file(name, data, declared)
        )
    assert err.value.code == code and err.value.errors[0]["field"] == "file"
    assert not Attachment.objects.exists()


def test_too_large_is_refused_by_the_configured_limit(hl, order, monkeypatch):
    monkeypatch.setenv("YIWANG_HOTLINE_ATTACHMENT_MAX_MB", "1")
    big = PNG + b"\x00" * (1024 * 1024)
    with pytest.raises(InvalidInput) as err:
        attachment_add(actor=hl.operator, order_id=order.pk, uploaded_file=_file("big.png", big))
    assert err.value.code == "hotline.attachment_too_large"
    fits = PNG + b"\x00" * (1024 * 1024 - len(PNG))
    attachment_add(actor=hl.operator, order_id=order.pk, uploaded_file=_file("ok.png", fits))


def test_at_most_ten_attachments_per_order(hl, order, settings):
    for i in range(10):
        attachment_add(actor=hl.operator, order_id=order.pk, uploaded_file=_file(f"{i}.png", PNG))
    with pytest.raises(Conflict) as err:
        attachment_add(actor=hl.operator, order_id=order.pk, uploaded_file=_file("11.png", PNG))
    assert err.value.code == "hotline.attachment_limit"
    assert Attachment.objects.filter(order=order).count() == 10
    stored = list((settings.MEDIA_ROOT / "hotline").rglob("*.png"))
    assert len(stored) == 10  # the refused file was removed again


def test_who_may_attach(hl, order, citizen, make_staff):
    from yiwang.core.models import User

    for actor in (citizen, hl.operator, hl.handler):
        attachment_add(actor=actor, order_id=order.pk, uploaded_file=_file("x.png", PNG))
    stranger = User.objects.create(username="att-c2", kind=AccountKind.CITIZEN, display_name="乙")
    for actor in (stranger, hl.dm_handler, hl.housing_handler):
        with pytest.raises(NotFound):
            attachment_add(actor=actor, order_id=order.pk, uploaded_file=_file("x.png", PNG))
    with pytest.raises(Forbidden):  # leaders read the order but do not add to it
        attachment_add(actor=hl.leader, order_id=order.pk, uploaded_file=_file("x.png", PNG))
    assert Attachment.objects.filter(order=order).count() == 3


def test_attach_is_on_the_timeline_and_audited_without_a_version_bump(hl, order):
    version = order.version
    att = attachment_add(
        actor=hl.operator, order_id=order.pk, uploaded_file=_file("现场照片.png", PNG)
    )
    event = WorkOrderEvent.objects.get(order=order, action="attach")
    assert event.note == "现场照片.png" and event.actor_id == hl.operator.pk
    assert AuditLog.objects.filter(action="hotline.attachment.add", object_id=str(att.pk)).exists()
    order.refresh_from_db()
    assert order.version == version


def test_file_names_are_sanitised(hl, order):
    att = attachment_add(
        actor=hl.operator, order_id=order.pk, uploaded_file=_file("../../etc/\x00a.png", PNG)
    )
    assert att.name == "_a.png"
    long = attachment_add(
        actor=hl.operator, order_id=order.pk, uploaded_file=_file("长" * 300 + ".png", PNG)
    )
    assert len(long.name) == 200 and long.name.endswith(".png")


# --- API ------------------------------------------------------------------------------------


def test_api_upload_list_download(client, hl, order, citizen):
    url = f"{BASE}/orders/{order.pk}/attachments"
    client.force_login(citizen)
    response = client.post(url, {"file": _file("现场.png", PNG, "image/png")})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["uploaded_by_requester"] is True
    assert body["uploaded_by"] is None
    client.force_login(hl.handler)
    listing = client.get(url).json()
    assert [a["name"] for a in listing] == ["现场.png"]
    download = client.get(listing[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_api_errors_are_problem_details(client, hl, order, monkeypatch):
    url = f"{BASE}/orders/{order.pk}/attachments"
    client.force_login(hl.operator)
    mismatch = client.post(url, {"file": _file("a.pdf", PNG, "application/pdf")})
    assert mismatch.status_code == 422
    assert mismatch["Content-Type"].startswith("application/problem+json")
    assert mismatch.json()["code"] == "hotline.attachment_type_mismatch"
    missing = client.post(url, {})
    assert missing.status_code == 422
    monkeypatch.setenv("YIWANG_HOTLINE_ATTACHMENT_MAX_MB", "1")
    big = client.post(url, {"file": _file("big.png", PNG + b"\x00" * (1024 * 1024))})
    assert big.status_code == 422 and big.json()["code"] == "hotline.attachment_too_large"


def test_api_scoping(client, hl, order, make_order):
    url = f"{BASE}/orders/{order.pk}/attachments"
    assert client.get(url).status_code == 401
    client.force_login(hl.operator)
    att = client.post(url, {"file": _file("a.png", PNG)}).json()
    other = make_order(content="斗门区井岸镇某超市出售过期食品", address="珠海市斗门区井岸镇")
    client.force_login(hl.dm_handler)
    assert client.get(url).status_code == 404
    assert client.get(att["download_url"]).status_code == 404
    assert client.post(url, {"file": _file("b.png", PNG)}).status_code == 404
    # an attachment id of another order through a visible order is 404 as well
    client.force_login(hl.operator)
    assert client.get(f"{BASE}/orders/{other.pk}/attachments/{att['id']}").status_code == 404
    assert client.get(f"{BASE}/orders/{order.pk}/attachments/999999").status_code == 404
    client.force_login(hl.leader)
    assert client.get(url).status_code == 200
    assert client.post(url, {"file": _file("c.png", PNG)}).status_code == 403
