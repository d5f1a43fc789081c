"""Values an AST (the builder, the API) can carry that the text form cannot: refused with a
precise error instead of failing later (evaluation, the text round trip)."""

from __future__ import annotations

import pytest

from yiwang.policy import rules


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"op": "cmp", "field": "founded_on", "cmp": "=", "value": "2024-02-30"},
         "2024-02-30 is not a calendar date."),
        ({"op": "holds", "kind": "high_tech", "on": "2025-13-01"},
         "2025-13-01 is not a calendar date."),
        ({"op": "cmp", "field": "revenue", "cmp": ">", "value": float("nan")}, "is not a number"),
        ({"op": "cmp", "field": "revenue", "cmp": ">", "value": float("inf")}, "is not a number"),
        ({"op": "ratio", "num": "rd_spend", "den": "revenue", "cmp": ">", "value": float("nan")},
         "ratio() is compared with a number."),
        ({"op": "in", "field": "district", "values": ["香洲区\n斗门区"]}, "is not text in quotes"),
        ({"op": "has", "field": "tags", "values": ["外贸\t"]}, "is not text in quotes"),
        ({"op": "cmp", "field": "park", "cmp": "=", "value": "园" * 201}, "is not text in quotes"),
    ],
)  # fmt: skip
def test_values_the_text_form_cannot_carry_are_refused(node, message):
    with pytest.raises(rules.RuleError) as exc:
        rules.validate(node)
    assert message in exc.value.message


@pytest.mark.parametrize("value", [0.00001, 1e-7, 12345678901234567890.0, 0.1])
def test_small_and_large_floats_round_trip_through_the_text(value):
    tree = rules.validate(
        {"op": "ratio", "num": "rd_spend", "den": "revenue", "cmp": ">=", "value": value}
    )
    text = rules.to_text(tree)
    assert "e" not in text.rsplit(" ", 1)[1]  # the constant, without an exponent
    assert float(rules.parse(text)["value"]) == value
