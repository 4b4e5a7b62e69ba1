"""What the classification engine reads: a household's facts on a date, as plain data.

The households context builds these from its records; tests build them directly.
Money is integer fen per month; every economic fact carries the dates it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from aidbridge.clock import age_on
from aidbridge.vocab import (
    AssistanceCategory,
    DisabilityType,
    EmploymentStatus,
    ExpenditureType,
    IncomeType,
    LabourCapacity,
    PropertyType,
    SchoolStage,
    SelfCare,
    Setting,
    Supporter,
)


class Outcome(StrEnum):
    """What a decision can find (GLOSSARY: assistance categories)."""

    dibao = "dibao"
    low_income = "low_income"
    expenditure_type = "expenditure_type"
    gradual_exit = "gradual_exit"
    emergency = "emergency"
    # Member-level outcomes.
    tekun = "tekun"
    individual_inclusion = "individual_inclusion"


# The assistance category each outcome puts its household in, as services name their
# target categories: a household in gradual exit keeps its dibao (NT21-LB-3), and a
# member included alone receives dibao (NT21-LB-2).
CATEGORY_OF_OUTCOME: dict[Outcome, AssistanceCategory] = {
    Outcome.dibao: AssistanceCategory.dibao,
    Outcome.low_income: AssistanceCategory.low_income,
    Outcome.expenditure_type: AssistanceCategory.expenditure_type,
    Outcome.gradual_exit: AssistanceCategory.dibao,
    Outcome.emergency: AssistanceCategory.emergency,
    Outcome.tekun: AssistanceCategory.tekun,
    Outcome.individual_inclusion: AssistanceCategory.dibao,
}


@dataclass(frozen=True)
class Dated:
    start: date
    end: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, kw_only=True)
class Income(Dated):
    member: str
    type: IncomeType
    monthly_fen: int


@dataclass(frozen=True, kw_only=True)
class Expenditure(Dated):
    type: ExpenditureType
    monthly_fen: int


@dataclass(frozen=True, kw_only=True)
class Property(Dated):
    type: PropertyType
    value_fen: int


@dataclass(frozen=True)
class Member:
    key: str
    birth_date: date
    labour_capacity: LabourCapacity = LabourCapacity.full
    employment: EmploymentStatus = EmploymentStatus.employed
    school_stage: SchoolStage | None = None
    disability_type: DisabilityType | None = None
    disability_grade: int | None = None
    major_illness: bool = False
    self_care: SelfCare = SelfCare.self_care
    supporter: Supporter = Supporter.able
    # 集中供养: lives in a care institution (NX21-ST-3) rather than at home.
    institutional_care: bool = False
    # Has applied to enter dibao alone (单独纳入, NT21-LB-2: "经本人申请").
    applies_individually: bool = False

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)

    def has_disability(self, types: frozenset[str], max_grade: int) -> bool:
        if self.disability_type is None or self.disability_grade is None:
            return False
        kind_matches = "any" in types or self.disability_type.value in types
        return kind_matches and self.disability_grade <= max_grade


@dataclass(frozen=True)
class Prior:
    """The household's previous decision, for rules that look back (NT21-LB-3, ALL-RV-6)."""

    decided_on: date
    outcomes: frozenset[Outcome]
    benefit_fen: int
    member_count: int
    gradual_exit_since: date | None = None


@dataclass(frozen=True)
class HouseholdFacts:
    setting: Setting
    members: tuple[Member, ...]
    incomes: tuple[Income, ...] = ()
    expenditures: tuple[Expenditure, ...] = ()
    properties: tuple[Property, ...] = ()
    # Sudden, urgent or catastrophic hardship reported (ALL-EM-1).
    emergency: bool = False
    # The household has asked to leave dibao (NT17-LB-3 grants gradual exit on that).
    exit_requested: bool = False
    prior: Prior | None = None
