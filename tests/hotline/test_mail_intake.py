"""Email-to-order: messages delivered to a real Maildir become work orders through intake
(``yiwang.hotline.mail``), via the function, the CLI and the periodic task."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import mailbox
import os
from email.message import EmailMessage

import pytest

from yiwang.cli import main
from yiwang.core.models import AuditLog
from yiwang.hotline import mail
from yiwang.hotline.choices import Action, Category, Channel, Status
from yiwang.hotline.models import Attachment, WorkOrder, WorkOrderEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
ELEVATOR = "小区物业不修电梯，老人上下楼很困难。联系电话：138-0013-8000"


def _message(
    *,
    subject: str | None = "投诉：物业不修电梯",
    body: str | None = ELEVATOR,
    sender: str | None = "张三 <zhangsan@example.com>",
    message_id: str | None = "<m1@example.com>",
    html: str | None = None,
    attachments: tuple = (),
) -> EmailMessage:
    msg = EmailMessage()
    if sender is not None:
        msg["From"] = sender
    msg["To"] = "12345@zhuhai.gov.example"
    if subject is not None:
        msg["Subject"] = subject
    if message_id is not None:
        msg["Message-ID"] = message_id
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is not None:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


@pytest.fixture
def maildir(tmp_path):
    return tmp_path / "Maildir"


def deliver(maildir, message) -> str:
    """Deliver like an MTA: into ``new/`` through ``tmp/``."""
    box = mailbox.Maildir(maildir, create=True)
    raw = message if isinstance(message, bytes) else message.as_bytes()
    return box.add(raw)


def _files(maildir, sub) -> list[str]:
    path = maildir / sub
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def _rejected(maildir) -> list[bytes]:
    folder = maildir / ".rejected" / "new"
    return [p.read_bytes() for p in sorted(folder.iterdir())] if folder.exists() else []


# --- the happy path ----------------------------------------------------------------------------


def test_a_plain_message_becomes_a_routed_order(hl, maildir):
    key = deliver(maildir, _message())
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created" and outcome.message_id == "<m1@example.com>"
    order = WorkOrder.objects.get()
    assert outcome.order_number == order.number
    assert order.channel == Channel.EMAIL and order.category == Category.COMPLAINT
    assert order.requester_name == "张三 <zhangsan@example.com>"
    assert order.contact_phone == "13800138000"
    assert order.title == "投诉：物业不修电梯"
    assert order.content == f"投诉：物业不修电梯\n\n{ELEVATOR}"
    assert order.created_by is None and order.owner is None
    # Routed by the catalogue like every channel (物业 → 市住房和城乡建设局).
    assert order.status == Status.DISPATCHED and order.lead_unit_id == hl.housing.pk
    assert order.idempotency_key.startswith("mail:")
    # Processed: moved to cur/ and flagged seen; nothing left in new/.
    assert _files(maildir, "new") == []
    assert _files(maildir, "cur") == [f"{key}:2,S"]
    assert AuditLog.objects.filter(action="hotline.order.create", object_id=str(order.pk)).exists()


def test_received_at_is_the_delivery_time(hl, maildir):
    key = deliver(maildir, _message())
    delivered = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
    os.utime(maildir / "new" / key, (delivered.timestamp(), delivered.timestamp()))
    mail.mail_fetch(maildir=maildir)
    assert WorkOrder.objects.get().received_at == delivered


def test_plain_text_is_preferred_to_html(hl, maildir):
    deliver(maildir, _message(html="<p>HTML 版本 13900000000</p>"))
    mail.mail_fetch(maildir=maildir)
    order = WorkOrder.objects.get()
    assert "HTML" not in order.content and order.contact_phone == "13800138000"


def test_html_only_mail_becomes_inert_text(hl, maildir):
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>香洲区路灯坏了&nbsp;一个月</p><script>alert('x')</script>"
        '<img src=x onerror="alert(1)"><div>电话 13900001111 &lt;b&gt;急&lt;/b&gt;</div>'
        "</body></html>"
    )
    deliver(maildir, _message(subject="路灯", body=None, html=html))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"
    order = WorkOrder.objects.get()
    assert order.content == "路灯\n\n香洲区路灯坏了 一个月\n\n电话 13900001111 <b>急</b>"
    assert "alert" not in order.content and "color" not in order.content
    assert "<p>" not in order.content and "onerror" not in order.content


def test_html_to_text():
    assert mail.html_to_text("<p>a</p><p>b<br>c</p>") == "a\n\nb\nc"
    assert mail.html_to_text("<ul><li>一</li><li>二</li></ul>") == "一\n\n二"
    assert mail.html_to_text("<script>x()</script><style>y</style>&amp;&#x4e00;") == "&一"
    assert mail.html_to_text("") == ""


@pytest.mark.parametrize(
    ("subject", "body", "category"),
    [
        ("举报非法排污", "河涌有人偷排，13800138000", Category.REPORT),
        ("咨询社保", "我想投诉也想咨询，13800138000", Category.COMPLAINT),
        ("求助", "家里停水，13800138000", Category.HELP),
        ("一点建议", "13800138000", Category.SUGGESTION),
        ("表扬", "感谢环卫工人，13800138000", Category.PRAISE),
        ("请问", "怎么办理居住证？13800138000", Category.CONSULT),
    ],
)
def test_category_from_the_words_of_the_mail(subject, body, category):
    parsed = mail.parse_message(_message(subject=subject, body=body).as_bytes())
    assert parsed.category == category


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("电话：+86 139 0000 1111", "13900001111"),
        ("座机 0756-2212345 谢谢", "07562212345"),
        ("订单号 202611291234567890，手机 13800138000", "13800138000"),
        ("热线 400-123-4567", "4001234567"),
    ],
)
def test_the_callback_phone_is_found_in_the_text(text, phone):
    assert mail.parse_message(_message(body=text).as_bytes()).contact_phone == phone


def test_a_subject_alone_is_a_request(hl, maildir):
    deliver(maildir, _message(subject="路灯坏了一个月 13800138000", body=None))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"
    assert WorkOrder.objects.get().content == "路灯坏了一个月 13800138000"


def test_gbk_mail_is_decoded(hl, maildir):
    body = "香洲区路灯坏了，电话13800138000。𠀀".encode("gb18030")
    raw = (
        b"From: li@example.com\r\nSubject: =?gbk?b?"
        + __import__("base64").b64encode("路灯".encode("gbk"))
        + b"?=\r\nMessage-ID: <gbk@example.com>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    deliver(maildir, raw)
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"
    order = WorkOrder.objects.get()
    assert order.content == "路灯\n\n香洲区路灯坏了，电话13800138000。𠀀"
    assert order.requester_name == "li@example.com"


def _raw(body: bytes, charset: str = "GBK", message_id: str = "<raw@example.com>") -> bytes:
    return (
        f"From: li@example.com\r\nSubject: x\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


def test_utf8_mislabelled_as_ascii_is_read_as_utf8(hl, maildir):
    deliver(maildir, _raw("路灯坏了 13800138000".encode(), charset="us-ascii"))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"
    assert WorkOrder.objects.get().content == "x\n\n路灯坏了 13800138000"


def test_a_stray_broken_byte_is_replaced(hl, maildir):
    text = "香洲区凤凰北路的路灯已经坏了一个多月，晚上很黑，老人小孩出行不安全，电话13800138000。"
    deliver(maildir, _raw(text.encode("gbk") * 2 + b"\xff"))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"
    assert WorkOrder.objects.get().content.endswith("\ufffd")


def test_undecodable_gbk_is_rejected(hl, maildir):
    broken = "路灯坏了，电话13800138000".encode("gbk") + b"\xff" * 30 + b"\x80" * 30
    key = deliver(maildir, _raw(broken))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert (outcome.status, outcome.reason) == ("rejected", "mail.undecodable")
    assert not WorkOrder.objects.exists()
    (kept,) = _rejected(maildir)
    header = b"X-Yiwang-Rejected: mail.undecodable; the text is not valid gbk nor UTF-8\r\n"
    assert kept == header + _raw(broken)  # the original bytes, untouched
    assert _files(maildir, "new") == [] and _files(maildir, "cur") == []
    audit = AuditLog.objects.get(action="hotline.mail.rejected")
    assert audit.object_id == key and audit.changes["code"] == "mail.undecodable"
    assert audit.result == "failure"


def test_an_unknown_charset_falls_back_to_utf8(hl, maildir):
    deliver(maildir, _raw("路灯 13800138000".encode(), charset="x-nonsense"))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "created"


# --- bad messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (_message(subject=None, body=None), "mail.empty"),
        (_message(subject="", body="   \n\n "), "mail.empty"),
        (
            _message(subject=None, body=None, attachments=[("a.png", PNG, "image/png")]),
            "mail.empty",
        ),
        (_message(body="物业不修电梯，请尽快处理"), "mail.no_phone"),
        (_message(body="电话 12345678"), "mail.no_phone"),
        (_message(sender=None), "mail.missing_from"),
        (_message(sender="nobody"), "mail.missing_from"),
        (_message(sender="张三 <>"), "mail.missing_from"),
        (_message(body="字" * 5001 + " 13800138000"), "hotline.content_too_long"),
    ],
    ids=[
        "no-body-no-subject",
        "blank-body",
        "attachment-only",
        "no-phone",
        "not-a-phone",
        "no-from",
        "from-without-domain",
        "empty-address",
        "too-long",
    ],
)
def test_bad_messages_are_rejected_with_a_reason(hl, maildir, message, code):
    deliver(maildir, message)
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert (outcome.status, outcome.reason) == ("rejected", code)
    if code == "hotline.content_too_long":  # rejected by intake, after parsing
        assert outcome.message_id == "<m1@example.com>"
    assert not WorkOrder.objects.exists()
    (kept,) = _rejected(maildir)
    first, rest = kept.split(b"\n", 1)
    assert first.startswith(f"X-Yiwang-Rejected: {code}; ".encode())
    assert rest == message.as_bytes()
    assert _files(maildir, "new") == []
    assert AuditLog.objects.filter(action="hotline.mail.rejected").count() == 1


def test_an_oversized_message_is_rejected_unread(hl, maildir, monkeypatch):
    monkeypatch.setattr(mail, "MESSAGE_MAX_BYTES", 1000)
    deliver(maildir, _message(body=ELEVATOR + "。" * 1000))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert (outcome.status, outcome.reason) == ("rejected", "mail.too_large")
    assert len(_rejected(maildir)) == 1 and not WorkOrder.objects.exists()


def test_a_bad_message_does_not_stop_the_others(hl, maildir):
    deliver(maildir, _message(sender=None, message_id="<a@x>"))
    deliver(maildir, _message(message_id="<b@x>"))
    outcomes = mail.mail_fetch(maildir=maildir)
    assert sorted(o.status for o in outcomes) == ["created", "rejected"]
    assert WorkOrder.objects.count() == 1


def test_without_a_city_the_message_waits_in_new(db, maildir):
    key = deliver(maildir, _message())
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "error" and "hotline.no_city" in outcome.detail
    assert _files(maildir, "new") == [key] and _rejected(maildir) == []


# --- attachments -------------------------------------------------------------------------------


def test_attachments_are_stored_and_bad_ones_reported(hl, maildir, monkeypatch):
    monkeypatch.setenv("YIWANG_HOTLINE_ATTACHMENT_MAX_MB", "1")
    big = PNG + b"\x00" * (1024 * 1024)
    deliver(
        maildir,
        _message(
            attachments=[
                ("现场.png", PNG, "image/png"),
                ("huge.png", big, "image/png"),  # over the size limit
                ("invoice.pdf", EXE, "application/pdf"),  # not an accepted type
                ("photo.jpg", PNG + b"\x01", "image/jpeg"),  # lies about its type
            ]
        ),
    )
    (outcome,) = mail.mail_fetch(maildir=maildir)
    order = WorkOrder.objects.get()  # created although attachments were refused
    assert outcome.status == "created" and outcome.attachments == ["现场.png"]
    (stored,) = Attachment.objects.filter(order=order)
    assert (stored.name, stored.content_type, stored.size) == ("现场.png", "image/png", len(PNG))
    assert stored.uploaded_by is None
    assert WorkOrderEvent.objects.filter(order=order, action=Action.ATTACH).count() == 1
    refused = {r["name"]: r["code"] for r in outcome.rejected_attachments}
    assert refused == {
        "huge.png": "hotline.attachment_too_large",
        "invoice.pdf": "hotline.attachment_type",
        "photo.jpg": "hotline.attachment_type_mismatch",
    }
    logged = AuditLog.objects.filter(
        action="hotline.mail.attachment_rejected", object_id=str(order.pk)
    )
    assert sorted(a.changes["name"] for a in logged) == ["huge.png", "invoice.pdf", "photo.jpg"]
    assert {a.result for a in logged} == {"failure"}
    assert _files(maildir, "new") == []


def test_more_attachments_than_allowed_are_reported(hl, maildir):
    from yiwang.hotline.services.attachments import MAX_PER_ORDER

    files = [(f"p{i}.png", PNG + bytes([i]), "image/png") for i in range(MAX_PER_ORDER + 1)]
    deliver(maildir, _message(attachments=files))
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert len(outcome.attachments) == MAX_PER_ORDER
    assert [r["code"] for r in outcome.rejected_attachments] == ["hotline.attachment_limit"]


# --- idempotency -------------------------------------------------------------------------------


def test_a_redelivered_message_never_makes_a_second_order(hl, maildir):
    message = _message(attachments=[("现场.png", PNG, "image/png")])
    deliver(maildir, message)
    (first,) = mail.mail_fetch(maildir=maildir)
    deliver(maildir, message)
    (again,) = mail.mail_fetch(maildir=maildir)
    assert (first.status, again.status) == ("created", "duplicate")
    assert again.order_number == first.order_number
    assert WorkOrder.objects.count() == 1 and Attachment.objects.count() == 1
    assert len(_files(maildir, "cur")) == 2 and _files(maildir, "new") == []


def test_the_same_message_id_twice_in_one_fetch(hl, maildir):
    deliver(maildir, _message())
    deliver(maildir, _message(body="另一封信，同一个 Message-ID，13900000000"))
    outcomes = mail.mail_fetch(maildir=maildir)
    assert [o.status for o in outcomes] == ["created", "duplicate"]
    assert WorkOrder.objects.count() == 1


def test_a_resumed_fetch_completes_missing_attachments(hl, maildir):
    """A fetch that stopped after the order was created (before its attachments) is completed
    by the next one: the file is still in new/, the order exists, attachments are added."""
    message = _message(attachments=[("现场.png", PNG, "image/png")])
    deliver(maildir, message)
    mail.mail_fetch(maildir=maildir)
    order = WorkOrder.objects.get()
    Attachment.objects.all().delete()  # as if the first fetch had stopped right there
    deliver(maildir, message)
    (outcome,) = mail.mail_fetch(maildir=maildir)
    assert outcome.status == "duplicate" and outcome.attachments == ["现场.png"]
    assert Attachment.objects.get().order_id == order.pk


def test_without_message_id_identical_bytes_are_one_order(hl, maildir):
    raw = _message(message_id=None).as_bytes()
    deliver(maildir, raw)
    deliver(maildir, raw)
    assert [o.status for o in mail.mail_fetch(maildir=maildir)] == ["created", "duplicate"]
    assert WorkOrder.objects.count() == 1


def test_one_fetch_at_a_time(hl, maildir):
    deliver(maildir, _message())
    with open(maildir / mail.LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert mail.mail_fetch(maildir=maildir) is None
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert len(_files(maildir, "new")) == 1 and not WorkOrder.objects.exists()
    assert mail.mail_fetch(maildir=maildir)[0].status == "created"


def test_the_maildir_is_created_and_dotfiles_ignored(hl, maildir):
    assert mail.mail_fetch(maildir=maildir) == []
    assert {"new", "cur", "tmp"} <= set(os.listdir(maildir))
    (maildir / "new" / ".hidden").write_bytes(_message().as_bytes())
    assert mail.mail_fetch(maildir=maildir) == []


def test_no_maildir_configured(db, monkeypatch):
    monkeypatch.delenv("YIWANG_HOTLINE_MAILDIR", raising=False)
    assert mail.maildir_path() is None
    with pytest.raises(ValueError, match="YIWANG_HOTLINE_MAILDIR"):
        mail.mail_fetch()


# --- CLI and task ------------------------------------------------------------------------------


def test_cli_fetch_mail(hl, maildir, capsys):
    deliver(maildir, _message())
    deliver(maildir, _message(sender=None, message_id="<bad@x>"))
    assert main(["hotline", "fetch-mail", "--maildir", str(maildir)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1] == {"maildir": str(maildir), "messages": 2, "created": 1, "rejected": 1}
    created = next(line for line in lines if line.get("status") == "created")
    assert created["order_number"] == WorkOrder.objects.get().number
    rejected = next(line for line in lines if line.get("status") == "rejected")
    assert rejected["reason"] == "mail.missing_from"


def test_cli_fetch_mail_limit_and_setting(hl, maildir, capsys, monkeypatch):
    deliver(maildir, _message(message_id="<1@x>"))
    deliver(maildir, _message(message_id="<2@x>"))
    monkeypatch.setenv("YIWANG_HOTLINE_MAILDIR", str(maildir))
    assert main(["hotline", "fetch-mail", "--limit", "1"]) == 0
    assert WorkOrder.objects.count() == 1 and len(_files(maildir, "new")) == 1


@pytest.mark.parametrize(
    "argv", [[], ["--limit", "0"], ["--limit", "x"], ["--maildir", "FILE"]], ids=str
)
def test_cli_fetch_mail_bad_input_exits_2(db, tmp_path, capsys, monkeypatch, argv):
    monkeypatch.delenv("YIWANG_HOTLINE_MAILDIR", raising=False)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    argv = [str(a_file) if a == "FILE" else a for a in argv]
    assert main(["hotline", "fetch-mail", *argv]) == 2
    assert capsys.readouterr().err.strip()


def test_cli_fetch_mail_busy_exits_1(hl, maildir, capsys):
    mailbox.Maildir(maildir, create=True)
    with open(maildir / mail.LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["hotline", "fetch-mail", "--maildir", str(maildir)]) == 1
    assert "another fetch" in capsys.readouterr().err


def test_the_periodic_task(hl, maildir, monkeypatch):
    from yiwang.hotline.tasks import hotline_mail_fetch_task

    deliver(maildir, _message())
    monkeypatch.delenv("YIWANG_HOTLINE_MAILDIR", raising=False)
    hotline_mail_fetch_task.call_local()  # not configured: nothing happens
    assert not WorkOrder.objects.exists()
    monkeypatch.setenv("YIWANG_HOTLINE_MAILDIR", str(maildir))
    hotline_mail_fetch_task.call_local()
    order = WorkOrder.objects.get()
    assert order.channel == Channel.EMAIL
    assert AuditLog.objects.filter(action="hotline.order.create", channel="email").exists()
    task = hotline_mail_fetch_task.task_class()
    assert task.validate_datetime(dt.datetime(2026, 11, 29, 3, 17))  # every minute
