"""Building households' facts for the classification engine, tersely."""

from __future__ import annotations

from datetime import date

from aidbridge.policy.facts import Expenditure, HouseholdFacts, Income, Member, Property
from aidbridge.vocab import ExpenditureType, IncomeType, PropertyType, Setting

# A day on which each pack is in force, and its urban S on that day (fen).
ON = {
    "nantong-2017": date(2019, 11, 1),
    "nantong-2021": date(2026, 11, 1),
    "changjiang-2021": date(2025, 11, 1),
    "ningxia-2021": date(2026, 11, 1),
    "changning-2021": date(2026, 11, 1),
}
SINCE = date(2015, 1, 1)


def born_aged(age: int, on: date) -> date:
    """A birth date making someone exactly ``age`` on ``on`` (their birthday)."""
    return on.replace(year=on.year - age)


def member(key: str = "a", age: int = 40, on: date = ON["nantong-2021"], **facts) -> Member:
    return Member(key, born_aged(age, on), **facts)


def income(fen: int, who: str = "a", kind: IncomeType = IncomeType.pension, start=SINCE):
    return Income(start, member=who, type=kind, monthly_fen=fen)


def rigid(fen: int, kind: ExpenditureType = ExpenditureType.medical):
    return Expenditure(SINCE, type=kind, monthly_fen=fen)


def holding(fen: int, kind: PropertyType = PropertyType.deposit):
    return Property(SINCE, type=kind, value_fen=fen)


def household(*members: Member, setting: Setting = Setting.urban, **facts) -> HouseholdFacts:
    return HouseholdFacts(setting, members or (member(),), **facts)
