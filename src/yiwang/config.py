"""Typed access to the ``YIWANG_*`` environment variables, the platform's only configuration.

Every variable is declared once in :data:`VARIABLES` (name, type, default, help), which is also
what ``docs/configuration.md`` and ``.env.example`` document. Reading an undeclared name or a
value of the wrong type fails loudly with the variable's name. This module imports nothing
from Django so settings can use it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(Exception):
    """A configuration variable is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # str | bool | int | list | url | path
    default: str | None
    help: str
    example: str = ""
    secret: bool = False


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in [
        Variable(
            "YIWANG_DEBUG",
            "bool",
            "1",
            "Development/demo mode. Set 0 in production: then YIWANG_SECRET_KEY and "
            "YIWANG_ALLOWED_HOSTS are required and HTTPS-only cookies and HSTS are on.",
            "0",
        ),
        Variable(
            "YIWANG_SECRET_KEY",
            "str",
            None,
            "Django secret key (signing sessions, tokens). Required when YIWANG_DEBUG=0; in "
            "demo mode one is generated once into YIWANG_VAR_DIR/secret_key.",
            "a-long-random-string",
            secret=True,
        ),
        Variable(
            "YIWANG_PII_KEY",
            "str",
            None,
            "Key (Fernet, urlsafe base64 32 bytes) encrypting personal data such as ID numbers "
            "at rest. Required when YIWANG_DEBUG=0; generated into YIWANG_VAR_DIR in demo mode.",
            "generate with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
            secret=True,
        ),
        Variable(
            "YIWANG_VAR_DIR",
            "path",
            "var",
            "Directory for the embedded database, task queue, media, mail and generated "
            "secrets (relative paths are taken from the project root).",
            "/srv/yiwang/var",
        ),
        Variable(
            "YIWANG_DATABASE_URL",
            "url",
            "sqlite:///{var}/yiwang.sqlite3",
            "Database URL: sqlite:///path or postgres://user:pass@host:port/name.",
            "postgres://yiwang@127.0.0.1:5432/yiwang",
        ),
        Variable(
            "YIWANG_TASKS_URL",
            "url",
            "sqlite:///{var}/tasks.sqlite3",
            "Huey storage: sqlite:///path (embedded), redis://host:port/db, or memory:// "
            "(tests only: tasks run inline).",
            "redis://127.0.0.1:6379/1",
        ),
        Variable(
            "YIWANG_CACHE_URL",
            "url",
            "locmem://",
            "Cache: locmem:// (one process) or redis://host:port/db (shared by processes).",
            "redis://127.0.0.1:6379/2",
        ),
        Variable(
            "YIWANG_ALLOWED_HOSTS",
            "list",
            "127.0.0.1,localhost,[::1]",
            "Comma-separated host names the site answers to.",
            "gov.example.cn",
        ),
        Variable(
            "YIWANG_CSRF_TRUSTED_ORIGINS",
            "list",
            "",
            "Comma-separated origins trusted for CSRF (needed behind an HTTPS proxy).",
            "https://gov.example.cn",
        ),
        Variable(
            "YIWANG_SECURE_SSL_REDIRECT",
            "bool",
            "",
            "Redirect HTTP to HTTPS in Django (default: on when YIWANG_DEBUG=0). Turn off "
            "when a proxy already does it.",
            "0",
        ),
        Variable(
            "YIWANG_TIME_ZONE",
            "str",
            "Asia/Shanghai",
            "Time zone for display and office hours (storage is always UTC).",
            "Asia/Shanghai",
        ),
        Variable(
            "YIWANG_LANGUAGE",
            "str",
            "zh-hans",
            "Default interface language (zh-hans or en).",
            "zh-hans",
        ),
        Variable(
            "YIWANG_EMAIL_URL",
            "url",
            "file://{var}/mail",
            "Outgoing mail: file://dir (writes .eml files), smtp://user:pass@host:port, "
            "smtp+tls://... or smtp+ssl://..., console://.",
            "smtp+tls://notify%40example.cn:password@smtp.example.cn:587",
        ),
        Variable(
            "YIWANG_EMAIL_FROM",
            "str",
            "yiwang <noreply@yiwang.local>",
            "Sender address of outgoing mail.",
            "珠海市政务服务数据管理局 <noreply@zhuhai.gov.cn>",
        ),
        Variable(
            "YIWANG_SMS_PROVIDER",
            "str",
            "outbox",
            "SMS provider: 'outbox' stores messages in a table visible in the admin (demo); "
            "a dotted path to a yiwang.notify.sms.SmsProvider subclass for a real gateway.",
            "outbox",
        ),
        Variable(
            "YIWANG_AUDIT_RETENTION_DAYS",
            "int",
            "180",
            "Days audit records are kept before the purge task removes them (minimum 180, "
            "网络安全法 §21).",
            "365",
        ),
        Variable(
            "YIWANG_HOTLINE_DUPLICATE_DAYS",
            "int",
            "30",
            "Hotline: days back in which an earlier order counts as a possible duplicate "
            "(same phone, address or near-identical text) and a same-phone same-category order "
            "marks a repeat request.",
            "30",
        ),
        Variable(
            "YIWANG_HOTLINE_ATTACHMENT_MAX_MB",
            "int",
            "10",
            "Largest file (in MB) accepted as a hotline work-order attachment.",
            "20",
        ),
        Variable(
            "YIWANG_HOTLINE_MAILDIR",
            "path",
            "",
            "Hotline email-to-order: the Maildir the mail server delivers the hotline mailbox "
            "into; its new messages become work orders every minute (channel email). Empty: "
            "email intake off.",
            "/srv/mail/12345/Maildir",
        ),
        Variable(
            "YIWANG_WEB_THREADS",
            "int",
            "4",
            "Worker threads of the WSGI server per process (yiwang serve).",
            "8",
        ),
        Variable(
            "YIWANG_WEB_WORKERS",
            "int",
            "1",
            "WSGI server processes (yiwang serve).",
            "2",
        ),
        Variable(
            "YIWANG_WORKER_CONCURRENCY",
            "int",
            "2",
            "Task worker threads (yiwang worker / serve).",
            "4",
        ),
        Variable(
            "YIWANG_LOG_LEVEL",
            "str",
            "INFO",
            "Log level of the yiwang loggers.",
            "WARNING",
        ),
        Variable(
            "YIWANG_HOTLINE_CITY_CODE",
            "str",
            "",
            "This instance's city code in 跨市联动 (cross-city transfer) messages, sent as "
            "X-Yiwang-City (default: the code of the first city organisation).",
            "zh",
        ),
        Variable(
            "YIWANG_HOTLINE_PEERS",
            "str",
            "",
            "跨市联动 peers as a JSON object keyed by city code: "
            '{"gz": {"name": "...", "url": "https://...", "secret": "..."}}. The secret '
            "(at least 32 characters) is shared with that city and signs messages both ways.",
            '{"gz": {"name": "广州市", "url": "https://12345.gz.example/", '
            '"secret": "a-random-string-of-at-least-32-characters"}}',
            secret=True,
        ),
        Variable(
            "YIWANG_POLICY_ANSWER_DAYS",
            "int",
            "3",
            "Policy consultation (政策咨询): working days the issuing department has to answer "
            "an enterprise's question on a policy item (due at the close of office hours of "
            "the last day).",
            "5",
        ),
        Variable(
            "YIWANG_POLICY_PUSH_PER_MINUTE",
            "int",
            "6000",
            "Precise push (精准推送): enterprises notified per minute (inbox and SMS); a push "
            "job sends its batches of 500 spaced to keep to this rate.",
            "1200",
        ),
    ]
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    if name not in VARIABLES:
        raise ConfigError(f"{name} is not a known yiwang configuration variable")
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    return value


def get(name: str) -> Any:
    """Return the typed value of ``name`` (its default when unset, ``None`` if no default)."""
    raw = _raw(name)  # raises for an undeclared name
    var = VARIABLES[name]
    if raw is None:
        raw = var.default
        if raw is None or raw == "":
            return None if var.kind != "list" else []
    raw = raw.replace("{var}", str(var_dir())) if name != "YIWANG_VAR_DIR" else raw
    try:
        return _convert(var.kind, raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a valid {var.kind}: {exc}") from exc


def _convert(kind: str, raw: str) -> Any:
    if kind == "bool":
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError("expected one of 1/0, true/false, yes/no, on/off")
    if kind == "int":
        return int(raw)
    if kind == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    if kind == "url":
        if "://" not in raw:
            raise ValueError("expected a URL such as scheme://...")
        return raw
    if kind == "path":
        path = Path(raw)
        return path if path.is_absolute() else PROJECT_ROOT / path
    return raw


def require(name: str) -> Any:
    """Like :func:`get` but a missing value is a :class:`ConfigError` naming the variable."""
    value = get(name)
    if value is None or value == []:
        raise ConfigError(f"{name} must be set ({VARIABLES[name].help})")
    return value


def test_worker() -> str:
    """The pytest-xdist worker id (``gw0``, ``gw1`` …) when the suite runs in parallel, else
    ``""``. Each worker gets its own var dir, task queue name and cache key prefix, so parallel
    workers never run each other's tasks or read each other's files."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_redis_url(url: str) -> str:
    """A Redis URL of its own for each parallel test worker: the database number counts down
    from the configured one (gw0 keeps it, gw1 takes the one below …), because tests clear the
    cache and a Redis ``FLUSHDB`` would wipe the other worker's keys. Unchanged outside tests."""
    worker = test_worker()
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0) - int(worker[2:])
    if db < 0:
        raise ConfigError(f"{url}: no Redis database left for test worker {worker}")
    return urlunsplit(parts._replace(path=f"/{db}"))


def var_dir() -> Path:
    base = get("YIWANG_VAR_DIR")
    worker = test_worker()
    return base / worker if worker else base


def generated_secret(name: str, filename: str, factory) -> str:
    """Read a demo-mode secret from ``var/filename``, creating it once with ``factory()``."""
    path = var_dir() / filename
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = factory()
    # Exclusive create: two processes starting together keep the first one's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def secret_key(debug: bool) -> str:
    value = get("YIWANG_SECRET_KEY")
    if value:
        return value
    if not debug:
        raise ConfigError(
            "YIWANG_SECRET_KEY must be set when YIWANG_DEBUG=0 "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    return generated_secret("YIWANG_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))


def pii_key(debug: bool) -> str:
    value = get("YIWANG_PII_KEY")
    if value:
        return value
    if not debug:
        raise ConfigError("YIWANG_PII_KEY must be set when YIWANG_DEBUG=0")

    def make() -> str:
        import base64

        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    return generated_secret("YIWANG_PII_KEY", "pii_key", make)
