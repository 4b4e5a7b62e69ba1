"""Validation of the Chinese unified social credit code (统一社会信用代码).

The code is defined by GB 32100-2015 ("法人和其他组织统一社会信用代码编码规则")
and identifies every legal person and other organisation registered in
mainland China. It is 18 characters long:

====================  ======================================================
Position(s)           Meaning
====================  ======================================================
1                     registration-authority code (登记管理部门代码),
                      e.g. ``9`` = market regulation / industry & commerce,
                      ``5`` = civil affairs
2                     organisation-type code (机构类别代码),
                      e.g. ``1`` = enterprise, ``3`` = social organisation
3-8                   6-digit administrative division code of the
                      registering authority (GB/T 2260)
9-17                  organisation code (主体标识码, the former
                      organisation-code certificate number, GB 11714)
18                    check character (校验码)
====================  ======================================================

Every character is drawn from the 31-character set
``0123456789ABCDEFGHJKLMNPQRTUWXY`` (the digits plus the upper-case Latin
letters except I, O, S, V and Z), and each character's numeric value is its
index in that set. The check character is computed over positions 1-17
with the weights ``3**(i-1) mod 31`` (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
13, 8, 24, 10, 30, 28)::

    check = 31 - (sum(value_i * weight_i) mod 31)    # 31 is mapped to 0

and the check character is the character whose value is ``check``.

Only upper-case input is accepted; callers that want to be lenient should
normalise (``code.strip().upper()``) before validating.

This module is pure Python and uses only the standard library.
"""

from __future__ import annotations

__all__ = [
    "CHARSET",
    "CODE_LENGTH",
    "WEIGHTS",
    "check_character",
    "credit_code_error",
    "is_valid_credit_code",
]

#: Characters allowed anywhere in a code; a character's value is its index.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weights for positions 1-17 (3**(i-1) mod 31).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: Total length of a unified social credit code.
CODE_LENGTH = 18

_VALUES = {ch: i for i, ch in enumerate(CHARSET)}
_MODULUS = len(CHARSET)  # 31


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code.

    Raises ``ValueError`` if ``first17`` is not exactly 17 characters from
    :data:`CHARSET`.
    """
    if not isinstance(first17, str):
        raise TypeError("first17 must be a str")
    if len(first17) != CODE_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    total = 0
    for ch, weight in zip(first17, WEIGHTS, strict=False):
        try:
            total += _VALUES[ch] * weight
        except KeyError:
            raise ValueError(f"character not allowed: {ch!r}") from None
    check = _MODULUS - total % _MODULUS
    if check == _MODULUS:
        check = 0
    return CHARSET[check]


def credit_code_error(code: str) -> str | None:
    """Return ``None`` if ``code`` is a valid credit code, else a short reason.

    The reason is a lower-case English phrase suitable for an API field
    error message, for example ``"must be 18 characters"``,
    ``"contains a character not allowed: 'I'"`` or
    ``"check character should be 'X'"``.
    """
    if not isinstance(code, str):
        return "must be a string"
    if len(code) != CODE_LENGTH:
        return f"must be {CODE_LENGTH} characters"
    for ch in code:
        if ch in _VALUES:
            continue
        if ch.upper() in _VALUES:
            return f"must use upper-case letters: {ch!r}"
        return f"contains a character not allowed: {ch!r}"
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return f"check character should be {expected!r}"
    return None


def is_valid_credit_code(code: str) -> bool:
    """Return ``True`` if ``code`` is a valid unified social credit code."""
    return credit_code_error(code) is None
