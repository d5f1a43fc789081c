"""Row-local checks of policy documents and items: the document number (文号) and the contact
telephone number. Each returns the normalised value or raises ``ValidationError``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 发文字号 (GB/T 9704-2012 §7.2.3): the issuer's abbreviation, the year in hexagonal brackets
# 〔〕 and the serial number followed by 号, e.g. 珠府〔2026〕12号, 珠科创〔2025〕3号.
DOCUMENT_NUMBER_RE = re.compile(r"^([\u4e00-\u9fff]{1,16})〔(\d{4})〕(\d{1,5})号$")
# Brackets people type instead of 〔〕: [] 【】 （） () ［］ — normalised, not refused.
_BRACKETS = str.maketrans("[【（(［﹝]】）)］﹞", "〔〔〔〔〔〔〕〕〕〕〕〕")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{5})$")


def document_number_normalise(value: str) -> str:
    """``珠府[2026]12号`` → ``珠府〔2026〕12号``; anything that is not issuer〔year〕number号 is
    refused with an example."""
    text = re.sub(r"\s+", "", value or "").translate(_BRACKETS)
    match = DOCUMENT_NUMBER_RE.match(text)
    if not match:
        raise ValidationError(
            _(
                "A document number is the issuer's abbreviation, the year in 〔〕 and the "
                "serial number with 号, e.g. 珠府〔2026〕12号."
            ),
            code="policy.invalid_document_number",
        )
    year = int(match.group(2))
    if not 1949 <= year <= 2100:
        raise ValidationError(
            _("The year %(year)d of the document number is not plausible.") % {"year": year},
            code="policy.invalid_document_number",
        )
    if int(match.group(3)) == 0:
        raise ValidationError(
            _("The serial number of the document number starts at 1."),
            code="policy.invalid_document_number",
        )
    return text


def document_number_year(value: str) -> int:
    return int(DOCUMENT_NUMBER_RE.match(value).group(2))


def phone_normalise(value: str) -> str:
    """A mainland mobile number, a landline with its area code (0756-2212345, extension
    allowed) or a five-digit service line (12345); spaces are dropped."""
    text = re.sub(r"[\s()（）]", "", value or "")
    if not PHONE_RE.match(text):
        raise ValidationError(
            _("Write a mobile number, a landline with its area code (0756-2212345) or 12345."),
            code="policy.invalid_phone",
        )
    return text
