"""Email-to-order (来信受理): messages delivered to a Maildir become work orders.

The mail server (or fetchmail/getmail) delivers into ``YIWANG_HOTLINE_MAILDIR``; every minute
:func:`mail_fetch` (Huey ``hotline_mail_fetch_task``, or ``yiwang hotline fetch-mail``) takes the
messages in ``new/``, parses them with the standard library (:mod:`email`, ``policy=default``)
and files each through :func:`~yiwang.hotline.services.intake.work_order_create` (channel
``email``), so routing, SLA clocks, numbering and the audit trail are those of every channel.

* content = subject + body (``text/plain`` preferred; HTML is reduced to inert text);
* the From address (with its display name) is the requester; the callback phone is taken from
  the text (the hotline calls every requester back, as on the Open311 channel) — a message
  without one is rejected;
* attachments go through :func:`~yiwang.hotline.services.attachments.attachment_add` (type
  sniffed, size-limited); a refused attachment is written to the audit log and the order is
  created anyway;
* idempotent by ``Message-ID`` (the intake idempotency key ``mail:<sha256>``): a re-delivered
  message returns the existing order and only completes attachments it is missing;
* a processed message moves to ``cur/`` (flag ``S``); a rejected one to the Maildir++ folder
  ``.rejected`` with an ``X-Yiwang-Rejected: <code>; <reason>`` header line in front.

One fetch at a time per Maildir (``flock`` on ``.yiwang-fetch.lock``): a second caller returns
``None`` at once. See docs/modules/hotline-mail.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import fcntl
import hashlib
import logging
import mailbox
import os
import re
import shutil
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang import config
from yiwang.core.audit import audit_record
from yiwang.core.choices import AuditResult
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.hotline.choices import Category, Channel

__all__ = [
    "MESSAGE_MAX_BYTES",
    "MailOutcome",
    "MailRejected",
    "ParsedMail",
    "html_to_text",
    "mail_fetch",
    "maildir_path",
    "parse_message",
]

_logger = logging.getLogger(__name__)

# A message larger than this is rejected unread (ten attachments of the default 10 MB limit,
# base64-encoded, fit).
MESSAGE_MAX_BYTES = 150 * 1024 * 1024
REJECTED_FOLDER = "rejected"
REJECT_HEADER = "X-Yiwang-Rejected"
LOCK_FILE = ".yiwang-fetch.lock"
KEY_PREFIX = "mail:"
TITLE_MAX = 200
NAME_MAX = 100
# Declared charsets read as their superset: mail labelled GB2312/GBK routinely holds GB18030
# characters.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
# A text part with more undecodable bytes than this share (U+FFFD after decoding) is rejected.
MAX_REPLACED_SHARE = 0.02

# Intake refusals caused by this installation, not by the message: it is retried later.
_NOT_THE_MESSAGES_FAULT = frozenset({"hotline.no_city"})
# 诉求类型 from words of the text, first match wins; anything else is a consultation.
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("举报", Category.REPORT),
    ("投诉", Category.COMPLAINT),
    ("求助", Category.HELP),
    ("建议", Category.SUGGESTION),
    ("表扬", Category.PRAISE),
)
# Mainland mobile (optionally +86), landline with area code, 400/800 numbers; separators allowed.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\d+])(?:\+?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d){8}|0\d{2,3}[\s-]?\d{7,8}"
    r"|[48]00[\s-]?\d{3}[\s-]?\d{4})(?!\d)"
)


class MailRejected(Exception):
    """The message cannot become an order; ``code`` is stable, ``detail`` machine-facing."""

    def __init__(self, code: str, detail: str, *, message_id: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.message_id = message_id


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What an order is made of, read from one message."""

    message_id: str
    idempotency_key: str
    from_address: str
    requester_name: str
    subject: str
    content: str
    contact_phone: str
    category: str
    attachments: tuple[MailAttachment, ...] = ()


@dataclass
class MailOutcome:
    """What happened to one file of ``new/``: ``created``, ``duplicate``, ``rejected`` or
    ``error`` (left in ``new/`` for the next fetch)."""

    file: str
    status: str
    message_id: str = ""
    order_number: str = ""
    reason: str = ""
    detail: str = ""
    attachments: list[str] = field(default_factory=list)
    rejected_attachments: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", [])}


# --- parsing (no database) -------------------------------------------------------------------


class _HtmlText(HTMLParser):
    """Text content of an HTML document: no tags, no scripts or styles, entities resolved,
    block elements as line breaks."""

    SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
    BLOCK = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr", "dd", "dt"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Inert text of an HTML mail body (stored and shown as plain text, never as markup)."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _decode(payload: bytes, charset: str | None) -> str:
    """Bytes of a text part in its declared charset; UTF-8 when that fails; a few broken bytes
    are replaced, more than :data:`MAX_REPLACED_SHARE` reject the message."""
    declared = (charset or "us-ascii").strip().lower()
    declared = _CHARSET_ALIASES.get(declared, declared)
    for candidate in (declared, "utf-8"):
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            return payload.decode(candidate)
    try:
        text = payload.decode(declared, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(1, int(len(text) * MAX_REPLACED_SHARE)):
        raise MailRejected(
            "mail.undecodable", f"the text is not valid {charset or 'us-ascii'} nor UTF-8"
        )
    return text


def _header(message: EmailMessage, name: str):
    # A malformed header must not stop the fetch: it reads as missing.
    try:
        return message[name]
    except Exception:  # email's header parsers raise many kinds of errors
        return None


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    payload = part.get_payload(decode=True) or b""
    text = _decode(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return _tidy(text)


def _requester(message: EmailMessage) -> tuple[str, str]:
    """(address, requester name) from From; a missing or unusable From rejects the message."""
    header = _header(message, "From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    for address in addresses:
        addr = (address.addr_spec or "").strip()
        if "@" in addr and address.domain and len(addr) <= NAME_MAX:
            display = " ".join((address.display_name or "").split())
            if not display:
                return addr, addr
            room = NAME_MAX - len(addr) - 3
            return addr, f"{display[:room]} <{addr}>" if room > 0 else addr
    raise MailRejected("mail.missing_from", "no usable sender address (From)")


def _phone(*texts: str) -> str:
    from yiwang.hotline.services.intake import normalise_phone

    for text in texts:
        for match in _PHONE_CANDIDATE.finditer(text):
            with contextlib.suppress(ValidationError):
                return normalise_phone(match.group(0))
    return ""


def _category(subject: str, body: str) -> str:
    for text in (subject, body):
        for word, category in _CATEGORY_WORDS:
            if word in text:
                return category
    return Category.CONSULT


def _attachments(message: EmailMessage) -> tuple[MailAttachment, ...]:
    out = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        name = part.get_filename() or ""
        out.append(MailAttachment(name=name, content_type=part.get_content_type(), data=data))
    return tuple(out)


def parse_message(raw: bytes) -> ParsedMail:
    """Read one message (RFC 5322 bytes); ``MailRejected`` when it cannot become an order."""
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    address, name = _requester(message)
    message_id = " ".join(str(_header(message, "Message-ID") or "").split())
    if message_id:
        key = KEY_PREFIX + hashlib.sha256(message_id.strip("<>").encode()).hexdigest()
    else:
        # Without a Message-ID only the identical bytes are recognised as a re-delivery.
        key = KEY_PREFIX + "raw:" + hashlib.sha256(raw).hexdigest()
    subject = " ".join(str(_header(message, "Subject") or "").split())
    body = _body(message)
    if not body and not subject:
        raise MailRejected("mail.empty", "neither a subject nor a text body")
    content = f"{subject}\n\n{body}" if subject and body else subject or body
    phone = _phone(subject, body)
    if not phone:
        raise MailRejected(
            "mail.no_phone", "no callback phone number (mobile or landline) in the text"
        )
    return ParsedMail(
        message_id=message_id,
        idempotency_key=key,
        from_address=address,
        requester_name=name,
        subject=subject,
        content=content,
        contact_phone=phone,
        category=_category(subject, body),
        attachments=_attachments(message),
    )


# --- the Maildir ------------------------------------------------------------------------------


def maildir_path() -> Path | None:
    """``YIWANG_HOTLINE_MAILDIR`` or ``None`` (email intake off)."""
    return config.get("YIWANG_HOTLINE_MAILDIR")


@contextlib.contextmanager
def _fetch_lock(root: Path):
    with open(root / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unique(directory: Path, name: str) -> Path:
    target, n = directory / name, 1
    while target.exists():
        target, n = directory / f"{name}.{n}", n + 1
    return target


def _mark_processed(root: Path, source: Path) -> None:
    base = source.name.split(":", 1)[0]
    os.replace(source, _unique(root / "cur", f"{base}:2,S"))


def _move_rejected(root: Path, source: Path, code: str, detail: str) -> None:
    """Into ``.rejected/new`` with the reason as the first header line (streamed: a huge
    message is never read into memory)."""
    mailbox.Maildir(root, create=True).add_folder(REJECTED_FOLDER)  # Maildir++: .rejected
    folder = root / f".{REJECTED_FOLDER}"
    reason = re.sub(r"[^\x20-\x7e]", "?", f"{code}; {detail}")
    tmp = _unique(folder / "tmp", source.name)
    with open(tmp, "wb") as out, open(source, "rb") as src:
        first = src.readline()
        newline = b"\r\n" if first.endswith(b"\r\n") else b"\n"
        out.write(f"{REJECT_HEADER}: {reason}".encode("ascii") + newline + first)
        shutil.copyfileobj(src, out)
    os.replace(tmp, _unique(folder / "new", source.name.split(":", 1)[0]))
    source.unlink()


def _received_at(path: Path) -> dt.datetime:
    """Delivery time (the file's mtime), never later than now: the request reached the centre
    when the mail server accepted it, not when the next fetch ran."""
    from yiwang.hotline.support import now

    delivered = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return min(delivered, now())


def _add_attachments(order, parsed: ParsedMail, outcome: MailOutcome, *, replay: bool) -> None:
    from yiwang.hotline.models import Attachment
    from yiwang.hotline.services.attachments import attachment_add

    stored = set(Attachment.objects.filter(order=order).values_list("sha256", flat=True))
    for item in parsed.attachments:
        if hashlib.sha256(item.data).hexdigest() in stored:
            continue  # a re-delivery, or a resumed fetch that stopped half-way
        upload = SimpleUploadedFile(item.name or "attachment", item.data, item.content_type)
        try:
            attachment = attachment_add(actor=None, order_id=order.pk, uploaded_file=upload)
        except DomainError as exc:
            if replay:
                continue  # reported when the order was created
            refused = {
                "name": item.name,
                "content_type": item.content_type,
                "size": len(item.data),
                "code": exc.code,
                "reason": exc.message,
            }
            outcome.rejected_attachments.append(refused)
            audit_record(
                actor=None,
                action="hotline.mail.attachment_rejected",
                obj=order,
                changes=refused,
                result=AuditResult.FAILURE,
            )
            continue
        stored.add(attachment.sha256)
        outcome.attachments.append(attachment.name)


def _process(root: Path, path: Path) -> MailOutcome:
    from yiwang.hotline.services.intake import work_order_create

    outcome = MailOutcome(file=path.name, status="created")
    if path.stat().st_size > MESSAGE_MAX_BYTES:
        raise MailRejected("mail.too_large", f"larger than {MESSAGE_MAX_BYTES} bytes")
    parsed = parse_message(path.read_bytes())
    outcome.message_id = parsed.message_id
    try:
        order, created = work_order_create(
            actor=None,
            channel=Channel.EMAIL,
            category=parsed.category,
            requester_name=parsed.requester_name,
            contact_phone=parsed.contact_phone,
            content=parsed.content,
            title=parsed.subject[:TITLE_MAX],
            idempotency_key=parsed.idempotency_key,
            received_at=_received_at(path),
        )
    except InvalidInput as exc:
        if exc.code in _NOT_THE_MESSAGES_FAULT:
            raise
        # Intake's own validation of the message (e.g. content longer than 5000 characters).
        raise MailRejected(exc.code, exc.message, message_id=parsed.message_id) from exc
    outcome.order_number = order.number
    if not created:
        outcome.status = "duplicate"
    _add_attachments(order, parsed, outcome, replay=not created)
    return outcome


def _reject(root: Path, path: Path, outcome: MailOutcome, code: str, detail: str) -> None:
    outcome.status, outcome.reason, outcome.detail = "rejected", code, detail
    _move_rejected(root, path, code, detail)
    audit_record(
        actor=None,
        action="hotline.mail.rejected",
        object_type="hotline.mail",
        object_id=path.name.split(":", 1)[0][:64],
        changes={"file": path.name, "message_id": outcome.message_id, "code": code},
        result=AuditResult.FAILURE,
    )
    _logger.warning("hotline mail %s rejected: %s (%s)", path.name, code, detail)


def mail_fetch(*, maildir: Path | str | None = None, limit: int | None = None):
    """Turn the messages of ``new/`` into orders (oldest first); returns one
    :class:`MailOutcome` per message, or ``None`` when another fetch holds the Maildir.

    ``maildir`` defaults to ``YIWANG_HOTLINE_MAILDIR`` (``ValueError`` when neither is set);
    the Maildir (``new``, ``cur``, ``tmp``) is created when missing. A message that fails in
    an unexpected way stays in ``new/`` and is retried by the next fetch.
    """
    root = Path(maildir) if maildir is not None else maildir_path()
    if root is None:
        raise ValueError("no Maildir: set YIWANG_HOTLINE_MAILDIR")
    mailbox.Maildir(root, create=True)
    with _fetch_lock(root) as locked:
        if not locked:
            return None
        new = root / "new"
        names = sorted(
            (p for p in new.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        outcomes = []
        for path in names[:limit] if limit is not None else names:
            try:
                outcome = _process(root, path)
            except MailRejected as exc:
                outcome = MailOutcome(file=path.name, status="rejected", message_id=exc.message_id)
                _reject(root, path, outcome, exc.code, exc.detail)
            except FileNotFoundError:
                continue  # taken away meanwhile (e.g. by an operator)
            except Exception as exc:
                # Not the message's fault (database down, disk full, a bug): it stays in new/
                # for the next fetch, and the other messages go on.
                _logger.exception("hotline mail %s not processed; will retry", path.name)
                detail = f"{exc.code}: {exc}" if isinstance(exc, DomainError) else repr(exc)
                outcome = MailOutcome(file=path.name, status="error", detail=detail[:300])
            else:
                _mark_processed(root, path)
            outcomes.append(outcome)
        return outcomes
