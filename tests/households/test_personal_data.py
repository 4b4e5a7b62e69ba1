"""Resident ID numbers (GB 11643) and how personal numbers are kept (ALL-OV-3)."""

from __future__ import annotations

from datetime import date

import pytest

from aidbridge import personal_data
from aidbridge.resident_id import ResidentIdError, check_character, parse_resident_id
from aidbridge.vocab import Sex

TODAY = date(2026, 11, 23)


def test_the_standards_example_number_is_valid_and_read():
    # The example printed in GB 11643-1999: a woman born 31 December 1949, check X.
    parsed = parse_resident_id("11010519491231002x", TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31) and parsed.sex is Sex.female


def test_the_check_character_is_iso_7064_mod_11_2():
    # The standard's table of weights and of check characters by remainder.
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert check_character("11010519491231002") == "X"
    body = "32060219760315123"
    remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    assert check_character(body) == "10X98765432"[remainder] == "0"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100XX", "17 digits"),
        ("11010519491231002Y", "17 digits"),
        ("110105194912310021", "check character"),
        ("110105194902300021", "no valid birth date"),
        ("110105189912310021", "before 1900"),
        ("000105194912310021", "province"),
    ],
)
def test_a_malformed_number_says_what_is_wrong(number, reason):
    with pytest.raises(ResidentIdError, match=reason):
        parse_resident_id(number, TODAY)


def test_born_tomorrow_is_refused_and_born_today_is_not():
    body = f"320602{TODAY:%Y%m%d}123"
    parse_resident_id(body + check_character(body), TODAY)
    body = "32060220261124123"
    with pytest.raises(ResidentIdError, match="future"):
        parse_resident_id(body + check_character(body), TODAY)


def test_a_sealed_number_is_not_the_number_and_equal_numbers_share_only_the_digest(app):
    with app.app_context():
        first = personal_data.seal("11010519491231002X", "1101**********002X")
        second = personal_data.seal("11010519491231002X", "1101**********002X")
        assert "11010519491231002X" not in first.token + first.digest
        assert first.token != second.token  # a fresh IV each time
        assert first.digest == second.digest == personal_data.digest("11010519491231002X")
        assert personal_data.unseal(first.token) == "11010519491231002X"


def test_numbers_are_masked_as_counters_show_them():
    assert personal_data.mask_id_number("11010519491231002X") == "1101**********002X"
    assert personal_data.mask_phone("13812345678") == "138****5678"
    assert personal_data.mask_phone("0513-85123456") == "051******3456"
