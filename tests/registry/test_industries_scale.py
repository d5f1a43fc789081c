"""GB/T 4754 industry codes in their canonical form, and the statistical scale rule (2017)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from yiwang.registry.industries import (
    industry_choices,
    industry_get,
    industry_normalise,
    industry_prefixes,
)
from yiwang.registry.scale import scale_derive, scale_group


@pytest.mark.parametrize(
    "raw, canonical",
    [("3911", "C3911"), ("c3911", "C3911"), (" C39 ", "C39"), ("I", "I"), ("62", "H62"),
     ("6513", "I6513"), ("01", "A01")],
)  # fmt: skip
def test_codes_take_one_canonical_form(raw, canonical):
    assert industry_normalise(raw) == canonical


@pytest.mark.parametrize(
    "raw, message",
    [("", "not a GB/T 4754"), ("C39111", "not a GB/T 4754"), ("X12", "not a GB/T 4754"),
     ("9", "not a GB/T 4754"), ("98", "division 98 does not exist"),
     ("H3911", "belongs to section C, not H"), ("食品", "not a GB/T 4754")],
)  # fmt: skip
def test_bad_codes_are_refused_with_the_reason(raw, message):
    with pytest.raises(ValidationError) as error:
        industry_normalise(raw)
    assert error.value.code == "invalid_industry"
    assert message in str(error.value.messages[0] % (error.value.params or {}))


def test_the_table_has_20_sections_and_97_divisions_and_names_the_most_precise_level():
    levels = [i.level for i in industry_choices(max_level=3)]
    assert levels.count("section") == 20 and levels.count("division") == 97
    assert industry_get("C3911").name == "计算机整机制造"
    # a class the table does not list is named after its group or division
    assert industry_get("C3919").name == "计算机制造"
    assert industry_get("C3350").name == "金属制品业"
    assert industry_prefixes("C3911") == ("C", "C39", "C391", "C3911")
    assert industry_prefixes("C") == ("C",)


@pytest.mark.parametrize(
    "industry, employees, revenue, assets, scale",
    [
        # 工业: employees and revenue must both reach the bound
        ("C3911", 1200, 50000, None, "large"),
        ("C3911", 1200, 30000, None, "medium"),  # revenue below the large bound: one size down
        ("C3911", 300, 2000, None, "medium"),
        ("C3911", 299, 100000, None, "small"),
        ("C3911", 20, 300, None, "small"),
        ("C3911", 19, 300, None, "micro"),  # micro needs to miss only one bound
        ("C3911", 50, 299, None, "micro"),
        # 零售业 and 批发业 differ
        ("F5212", 60, 600, None, "medium"),
        ("F51", 60, 600, None, "micro"),
        # 软件和信息技术服务业
        ("I6513", 10, 50, None, "small"),
        ("I6513", 150, 1500, None, "medium"),
        # 建筑业 by revenue and total assets
        ("E47", 5, 90000, 85000, "large"),
        ("E47", 5000, 90000, 1000, "small"),
        # 农、林、牧、渔业 by revenue only
        ("A01", None, 600, None, "medium"),
        # 其他未列明行业 by employees only; unknown figures → micro
        ("M73", 120, None, None, "medium"),
        ("M73", None, None, None, "micro"),
        ("C39", 500, None, None, "micro"),
    ],
)
def test_scale_follows_the_2017_statistical_rule(industry, employees, revenue, assets, scale):
    assert (
        scale_derive(industry=industry, employees=employees, revenue=revenue, assets=assets)
        == scale
    )


def test_groups_pick_the_most_specific_prefix():
    assert scale_group("K701").key == "property_development"
    assert scale_group("K70").key == "other"  # 房地产业 without the group: not listed
    assert scale_group("G5990").key == "warehousing"
    assert scale_group("G54").key == "transport"
    assert scale_group("").key == "other"
    assert scale_derive(industry="C39", employees=400, revenue=Decimal("2000.5")) == "medium"
