"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit administrative division code where the number was
issued, the birth date as YYYYMMDD, a 3-digit sequence (odd for men, even for
women), and a check character computed over the first 17 digits with
ISO 7064 MOD 11-2 (weights 2**(17-i) mod 11; a check value of 10 is written X).

Pure: the caller passes today's date, so "born in the future" is decided here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aidbridge.i18n import N_
from aidbridge.vocab import Sex

LENGTH = 18
WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
CHECK_CHARACTERS = "10X98765432"
# GB/T 2260 province-level codes (the first two digits), including Taiwan, Hong Kong
# and Macao, which mainland numbers never use but residence permits do.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
EARLIEST_BIRTH = date(1900, 1, 1)


class ResidentIdError(ValueError):
    """Not a resident ID number; ``str()`` is the reason, translatable."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: Sex


def check_character(body: str) -> str:
    """The check character of the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def parse_resident_id(text: str, today: date) -> ResidentId:
    """The number, upper-cased, with the birth date and sex it encodes; or ResidentIdError."""
    number = text.strip().upper()
    if len(number) != LENGTH:
        raise ResidentIdError(N_("a resident ID number has 18 characters"))
    body, check = number[:17], number[17]
    if not body.isascii() or not body.isdigit() or check not in "0123456789X":
        raise ResidentIdError(N_("17 digits and a check digit or X"))
    if int(body[:2]) not in PROVINCES:
        raise ResidentIdError(N_("the first two digits are no province code"))
    try:
        born = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise ResidentIdError(N_("digits 7–14 are no valid birth date")) from None
    if born > today:
        raise ResidentIdError(N_("the birth date it holds is in the future"))
    if born < EARLIEST_BIRTH:
        raise ResidentIdError(N_("the birth date it holds is before 1900"))
    if check != check_character(body):
        raise ResidentIdError(N_("the check character is wrong; please check the number"))
    return ResidentId(number, born, Sex.male if int(body[16]) % 2 else Sex.female)
