import pytest
from django.core.exceptions import ValidationError

from yiwang.core.validators import (
    id_number_check_char,
    uscc_check_char,
    validate_division_code_format,
    validate_id_number,
    validate_uscc,
)

# Published example codes with correct check characters.
VALID_USCC = "91350100M000100Y43"
VALID_ID = "11010519491231002X"


def test_uscc_check_character_accepts_valid_and_normalises_case():
    assert validate_uscc(VALID_USCC.lower()) == VALID_USCC
    assert uscc_check_char(VALID_USCC[:17]) == "3"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("91350100M000100Y44", "expected 3, got 4"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M0001I0Y43", "I, O, S, V, Z"),
        ("", "18 characters"),
    ],
)
def test_uscc_rejections_say_what_is_wrong(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert exc.value.code == "invalid_uscc"
    assert fragment in " ".join(exc.value.messages)


def test_id_number_valid_with_x_check_digit():
    assert validate_id_number(VALID_ID.lower()) == VALID_ID
    assert id_number_check_char(VALID_ID[:17]) == "X"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("110105194912310021", "expected X, got 1"),
        ("11010519491331002X", "impossible birth date"),
        ("99010519491231002X", "unknown division code"),
        ("1101051949123100", "17 digits"),
    ],
)
def test_id_number_rejections(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == "invalid_id_number"
    assert fragment in " ".join(exc.value.messages)


def test_division_code_shape_and_province():
    assert validate_division_code_format("440402") == "440402"
    with pytest.raises(ValidationError) as exc:
        validate_division_code_format("990402")
    assert exc.value.code == "unknown_division_code"
    with pytest.raises(ValidationError):
        validate_division_code_format("44040")
