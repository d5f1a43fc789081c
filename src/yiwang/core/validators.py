"""Check-character validation of national identifiers (GB 32100, GB 11643, GB/T 2260).

Pure functions returning a normalised value or raising ``ValidationError`` with a message that
says exactly what is wrong, so forms, the API and imports share one implementation.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters, no I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11643-1999
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB/T 2260 provincial-level prefixes (mainland, plus 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the upper-cased USCC or raise ValidationError (code ``invalid_uscc``)."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; got %(n)d."),
            code="invalid_uscc",
            params={"n": len(code)},
        )
    if not _USCC_RE.match(code):
        raise ValidationError(
            _(
                "The unified social credit code contains characters outside GB 32100 "
                "(letters I, O, S, V, Z are never used)."
            ),
            code="invalid_uscc",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "Check character of the unified social credit code is wrong "
                "(expected %(expected)s, got %(got)s)."
            ),
            code="invalid_uscc",
            params={"expected": expected, "got": code[17]},
        )
    return code


def id_number_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character resident ID number or raise ValidationError."""
    number = (value or "").strip().upper()
    if not _ID_RE.match(number):
        raise ValidationError(
            _("A resident identity number has 17 digits followed by a digit or X."),
            code="invalid_id_number",
        )
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("The identity number starts with an unknown division code."),
            code="invalid_id_number",
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The identity number contains an impossible birth date."), code="invalid_id_number"
        ) from None
    if birth.year < 1880 or birth > (today or dt.date.today()):
        raise ValidationError(
            _("The identity number contains an impossible birth date."), code="invalid_id_number"
        )
    expected = id_number_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("Check digit of the identity number is wrong (expected %(expected)s, got %(got)s)."),
            code="invalid_id_number",
            params={"expected": expected, "got": number[17]},
        )
    return number


def validate_division_code_format(value: str) -> str:
    """Shape check of a 6-digit (GB/T 2260) or 12-digit statistical division code."""
    code = (value or "").strip()
    if not re.fullmatch(r"\d{6}|\d{12}", code):
        raise ValidationError(
            _("A division code has 6 or 12 digits."), code="invalid_division_code"
        )
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("Unknown division code %(code)s."),
            code="unknown_division_code",
            params={"code": code},
        )
    return code


def normalise_division_code(code: str) -> str:
    """Extend a 6-digit code to the 12-digit statistical form (440402 → 440402000000)."""
    return code.ljust(12, "0")
