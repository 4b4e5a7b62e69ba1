"""Tests for aidbridge.accounts.credit_code (GB 32100-2015 credit codes)."""

import random

import pytest

from aidbridge.accounts.credit_code import (
    CHARSET,
    WEIGHTS,
    check_character,
    credit_code_error,
    is_valid_credit_code,
)

# Published codes: the standard's widely cited example, Huawei Technologies
# Co., Ltd. and Shenzhen Tencent Computer Systems Co., Ltd.
VALID_CODES = [
    "91350100M000100Y43",
    "914403001922038216",
    "9144030071526726XG",
]


def _replace(code, index, ch):
    return code[:index] + ch + code[index + 1 :]


def test_charset_and_weights_follow_standard():
    assert len(CHARSET) == 31
    for forbidden in "IOSVZ":
        assert forbidden not in CHARSET
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_code(code):
    assert credit_code_error(code) is None
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]


def test_wrong_check_character():
    code = "91350100M000100Y43"
    bad = code[:17] + "4"
    assert not is_valid_credit_code(bad)
    assert credit_code_error(bad) == "check character should be '3'"


def test_altered_body_is_detected():
    code = "91350100M000100Y43"
    bad = _replace(code, 9, "1")  # M000100Y4 -> M100100Y4
    assert not is_valid_credit_code(bad)
    assert credit_code_error(bad).startswith("check character should be ")


@pytest.mark.parametrize(
    "code",
    ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100Y43 "],
)
def test_wrong_length(code):
    assert not is_valid_credit_code(code)
    assert credit_code_error(code) == "must be 18 characters"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters(letter):
    code = _replace("91350100M000100Y43", 8, letter)
    assert not is_valid_credit_code(code)
    assert credit_code_error(code) == f"contains a character not allowed: '{letter}'"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letter_as_check_character(letter):
    code = "91350100M000100Y4" + letter
    assert credit_code_error(code) == f"contains a character not allowed: '{letter}'"


def test_other_forbidden_characters():
    assert credit_code_error(_replace("91350100M000100Y43", 3, "-")) == (
        "contains a character not allowed: '-'"
    )


def test_lowercase_rejected():
    code = "91350100m000100y43"
    assert not is_valid_credit_code(code)
    error = credit_code_error(code)
    assert "upper-case" in error
    assert "'m'" in error
    # The upper-cased form is valid, so lenient callers can normalise first.
    assert is_valid_credit_code(code.upper())


def test_lowercase_of_forbidden_letter_is_not_allowed():
    code = _replace("91350100M000100Y43", 8, "o")
    assert credit_code_error(code) == "contains a character not allowed: 'o'"


def test_non_string_rejected():
    assert not is_valid_credit_code(None)
    assert credit_code_error(913501000000000000) == "must be a string"


def test_check_value_31_maps_to_zero():
    # Search for a body whose weighted sum is divisible by 31, so that
    # 31 - (sum mod 31) == 31, which must be written as '0'.
    body = None
    for n in range(100000):
        candidate = f"91320600{n:09d}"
        total = sum(CHARSET.index(c) * w for c, w in zip(candidate, WEIGHTS, strict=False))
        if total % 31 == 0:
            body = candidate
            break
    assert body is not None
    assert check_character(body) == "0"
    assert is_valid_credit_code(body + "0")
    assert credit_code_error(body + "1") == "check character should be '0'"


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError):
        check_character("91350100M000100Y")  # 16 characters
    with pytest.raises(ValueError):
        check_character("91350100M000100YI")  # forbidden letter


def test_round_trip_random_codes():
    rng = random.Random(32100)
    for _ in range(500):
        first17 = "".join(rng.choice(CHARSET) for _ in range(17))
        check = check_character(first17)
        assert check in CHARSET
        code = first17 + check
        assert is_valid_credit_code(code)
        assert credit_code_error(code) is None
        # Every other check character must be rejected.
        for other in CHARSET:
            if other != check:
                assert credit_code_error(first17 + other) == (
                    f"check character should be '{check}'"
                )
        # Changing any single body character must be detected (the weights
        # are all non-zero modulo the prime 31).
        pos = rng.randrange(17)
        replacement = rng.choice([c for c in CHARSET if c != first17[pos]])
        assert not is_valid_credit_code(_replace(code, pos, replacement))
