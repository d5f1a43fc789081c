"""The catalogue of matchable profile fields: what an eligibility rule may name.

Each field has a type (which operators apply), a label and unit for the rule builder and the
explanations, and whether it is **verifiable** from shared government data (market
regulation, tax, statistics, science and technology): only rules over verifiable fields may
grant a benefit without an application (免申即享, ``domain.md`` §6). Free tags are the
enterprise's or an officer's own words, so they are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from yiwang.registry.choices import CreditRating, OperatingStatus, QualificationKind, Scale


class FieldType:
    INT = "int"  # whole numbers: comparisons, ranges
    MONEY = "money"  # decimals in 10,000 yuan: comparisons, ranges, ratios
    DATE = "date"  # comparisons with dates, relative dates (within / before)
    ENUM = "enum"  # one value of a closed set: =, !=, in
    TEXT = "text"  # one value of an open set (street, park): =, !=, in
    INDUSTRY = "industry"  # GB/T 4754 code: prefix at any level, in
    TAGS = "tags"  # a set of free words: has (any of)
    NUMERIC = (INT, MONEY)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    verifiable: bool = True


def _spec(name, type_, label, unit="", choices=(), verifiable=True) -> FieldSpec:
    return FieldSpec(name, type_, label, unit, tuple(choices), verifiable)


WAN = _("10,000 yuan")

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _spec("industry", FieldType.INDUSTRY, _("industry (GB/T 4754)")),
        _spec("scale", FieldType.ENUM, _("scale"), choices=Scale.values),
        _spec("district", FieldType.TEXT, _("district")),
        _spec("street", FieldType.TEXT, _("street")),
        _spec("park", FieldType.TEXT, _("industrial park")),
        _spec("status", FieldType.ENUM, _("operating status"), choices=OperatingStatus.values),
        _spec("founded_on", FieldType.DATE, _("founding date")),
        _spec("registered_capital", FieldType.MONEY, _("registered capital"), WAN),
        _spec("employees", FieldType.INT, _("employees"), _("persons")),
        _spec("revenue", FieldType.MONEY, _("operating revenue"), WAN),
        _spec("total_assets", FieldType.MONEY, _("total assets"), WAN),
        _spec("tax_paid", FieldType.MONEY, _("tax paid"), WAN),
        _spec("rd_spend", FieldType.MONEY, _("R&D spend"), WAN),
        _spec("credit_rating", FieldType.ENUM, _("tax credit rating"), choices=CreditRating.values),
        _spec("invention_patents", FieldType.INT, _("invention patents")),
        _spec("utility_patents", FieldType.INT, _("utility model patents")),
        _spec("software_copyrights", FieldType.INT, _("software copyrights")),
        _spec("trademarks", FieldType.INT, _("registered trademarks")),
        _spec("tags", FieldType.TAGS, _("tags"), verifiable=False),
    )
}

QUALIFICATIONS: tuple[str, ...] = tuple(QualificationKind.values)


def field_get(name: str) -> FieldSpec | None:
    return FIELDS.get(name)
