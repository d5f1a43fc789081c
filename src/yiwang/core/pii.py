"""Personal data: masking for display/exports/logs and encryption at rest.

Masking rules: ID numbers keep the 4 leading and the 4 trailing characters
(``4404**********123X``), mobile numbers keep 3 + 4 (``138****5678``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number appearing inside free text."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(settings.PII_KEY.encode())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def digest(value: str) -> str:
    """Keyed digest used to look up or de-duplicate a value without storing it in clear."""
    return hmac.new(settings.PII_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class MaskPiiLogFilter(logging.Filter):
    """Rewrites log records so ID and phone numbers are masked; adds ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        from yiwang.core.context import current

        record.request_id = current().request_id or "-"
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        return True
