"""Rules in words (describe), explanations with the enterprise's values, and "what you miss"."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.policy import rules
from yiwang.policy.describe import describe, explain, format_ratio, format_value, misses

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("employees <= 500", "employees is at most 500 persons"),
        ("employees != 0", "employees is not 0 persons"),
        ("revenue > 2000.5", "operating revenue is above 2000.5 10,000 yuan"),
        ("founded_on < 2020-01-01", "founding date is before 2020-01-01"),
        ("founded_on >= 2020-01-01", "founding date is on or after 2020-01-01"),
        ("employees between 10 and 300", "employees is between 10 persons and 300 persons"),
        ('scale in ("small", "micro")', "scale is one of Small enterprise、Micro enterprise"),
        ('scale not in ("large")', "scale is none of Large enterprise"),
        ('industry ^= "C39"', "industry (GB/T 4754) is under C39 计算机、通信和其他电子设备制造业"),
        (
            'not industry ^= "I"',
            "industry (GB/T 4754) is not under I 信息传输、软件和信息技术服务业",
        ),
        ('tags has ("外贸", "老字号")', "tags include any of 外贸、老字号"),
        ('not tags has "外贸"', "tags include none of 外贸"),
        ("founded_on within 3 years", "founding date is within the last 3 years"),
        ("founded_on within 1 years", "founding date is within the last year"),
        ("founded_on over 1 days", "founding date is at least a day ago"),
        ("founded_on over 6 months", "founding date is at least 6 months ago"),
        ('holds "high_tech"', "holds a valid High-tech enterprise (高新技术企业) qualification"),
        (
            'holds "tech_sme" on 2026-12-31',
            "holds a Technology-based SME (科技型中小企业) qualification valid on 2026-12-31",
        ),
        (
            'not holds "high_tech"',
            "does not hold a valid High-tech enterprise (高新技术企业) qualification",
        ),
        (
            "ratio(rd_spend, revenue) >= 0.05",
            "the ratio of R&D spend to operating revenue is at least 5%",
        ),
        (
            "ratio(revenue, employees) > 50",
            "the ratio of operating revenue to employees is above 50",
        ),
        ("not employees > 5", "not: employees is above 5 persons"),
        ("employees > 1 and revenue > 1", "all of the following"),
        ("employees > 1 or revenue > 1", "any of the following"),
    ],
)
def test_describe(text, words):
    assert describe(rules.parse(text)) == words


def test_values_are_shown_with_units():
    assert format_value("revenue", "3000.00") == "3000 10,000 yuan"
    assert format_value("employees", None) == "no data"
    assert format_value("scale", "micro") == "Micro enterprise"
    assert format_value("tags", []) == "none"
    node = rules.parse("ratio(rd_spend, revenue) >= 0.05")
    assert format_ratio(node, 0.0666666) == "6.67%"


PROFILE = {
    "employees": 80,
    "revenue": 3000,
    "rd_spend": 200,
    "district": "香洲区",
    "scale": "small",
    "tags": [],
    "founded_on": dt.date(2020, 3, 1),
    "qualifications": [("high_tech", dt.date(2026, 1, 1), dt.date(2028, 12, 31))],
}


def test_explain_shows_every_condition_with_its_value():
    tree = rules.parse(
        'holds "high_tech" and (employees <= 50 or revenue >= 5000) and not tags has "外贸"'
    )
    row = explain(rules.evaluate(tree, PROFILE, today=TODAY))
    assert row.kind == "all" and row.passed is False
    holds, either, no_tags = row.children
    assert holds.passed and holds.actual == "2026-01-01 – 2028-12-31"
    assert either.kind == "any" and not either.passed
    assert [c.actual for c in either.children] == ["80 persons", "3000 10,000 yuan"]
    assert no_tags.passed and no_tags.text == "tags include none of 外贸"


def test_misses_lists_the_failed_conditions_of_an_and():
    tree = rules.parse(
        'district = "香洲区" and employees >= 100 and (scale = "large" or revenue >= 5000) '
        "and founded_on within 3 years"
    )
    rows = misses(rules.evaluate(tree, PROFILE, today=TODAY))
    assert [r.text for r in rows] == [
        "employees is at least 100 persons",
        "any of the following",
        "founding date is within the last 3 years",
    ]
    assert rows[0].actual == "80 persons" and rows[2].actual == "2020-03-01"
    assert misses(rules.evaluate(rules.parse("employees > 1"), PROFILE, today=TODAY)) == []


def test_missing_values_read_no_data():
    row = explain(rules.evaluate(rules.parse("tax_paid > 10"), PROFILE, today=TODAY))
    assert row.passed is False and row.actual == "no data"
