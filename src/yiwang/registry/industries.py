"""GB/T 4754-2017 national economic industry classification (国民经济行业分类).

An industry code is stored in one canonical form, the section letter followed by the digits of
the division (大类, 2), group (中类, 3) or class (小类, 4): ``C``, ``C39``, ``C391``, ``C3911``.
Every level is then a prefix of the levels below it, so "industry under 39" is a prefix test
(``C39``) in the registry, the rule language and the matching engine alike.

The table (``data/industries.tsv``) holds the 20 sections and 97 divisions and the groups and
classes the demo data and policies use; a group or class code not in the table is accepted
when its division exists (the standard has 1,380 classes; a city loads what it needs).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TABLE = Path(__file__).parent / "data" / "industries.tsv"
_CODE_RE = re.compile(r"^([A-T])?(\d{2,4})?$")


@dataclass(frozen=True)
class Industry:
    code: str  # canonical: letter + 0, 2, 3 or 4 digits
    name: str

    @property
    def level(self) -> str:
        return {1: "section", 3: "division", 4: "group", 5: "class"}[len(self.code)]


@functools.cache
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """(canonical code → name, division digits → section letter)."""
    names: dict[str, str] = {}
    section_of: dict[str, str] = {}
    section = ""
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name = line.split("\t", 1)
        if code.isalpha():
            section = code
            names[code] = name
            continue
        if len(code) == 2:
            section_of[code] = section
        names[section_of[code[:2]] + code] = name
    return names, section_of


def industry_normalise(value: str) -> str:
    """The canonical code of ``value`` (``3911``, ``c3911`` or ``C3911`` → ``C3911``; ``C`` stays
    ``C``), or ``ValidationError`` (code ``invalid_industry``) naming what is wrong."""
    raw = (value or "").strip().upper()
    match = _CODE_RE.match(raw)
    if not raw or not match:
        raise ValidationError(
            _(
                "%(code)r is not a GB/T 4754 industry code "
                "(a section letter A–T and/or 2–4 digits)."
            ),
            code="invalid_industry",
            params={"code": value},
        )
    letter, digits = match.groups()
    _names, section_of = _table()
    if not digits:
        return letter
    section = section_of.get(digits[:2])
    if section is None:
        raise ValidationError(
            _("Industry division %(division)s does not exist in GB/T 4754-2017."),
            code="invalid_industry",
            params={"division": digits[:2]},
        )
    if letter and letter != section:
        raise ValidationError(
            _("Industry division %(division)s belongs to section %(section)s, not %(letter)s."),
            code="invalid_industry",
            params={"division": digits[:2], "section": section, "letter": letter},
        )
    return section + digits


def industry_get(code: str) -> Industry:
    """The industry of a canonical code, named after the most precise level the table knows."""
    names, _sections = _table()
    canonical = industry_normalise(code)
    for end in range(len(canonical), 0, -1):
        name = names.get(canonical[:end])
        if name:
            return Industry(canonical, name)
    raise ValidationError(_("Unknown industry %(code)s."), code="invalid_industry")


def industry_choices(max_level: int = 3) -> list[Industry]:
    """Known industries down to ``max_level`` characters (1 sections, 3 divisions, 4 groups,
    5 classes), in the standard's order."""
    names, _sections = _table()
    return [Industry(code, name) for code, name in names.items() if len(code) <= max_level]


def industry_prefixes(code: str) -> tuple[str, ...]:
    """Every level a canonical code belongs to: ``C3911`` → (``C``, ``C39``, ``C391``,
    ``C3911``) — the keys under which the matching engine indexes it."""
    return tuple(code[:end] for end in (1, 3, 4, 5) if end <= len(code))
