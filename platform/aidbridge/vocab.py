"""The glossary's codes (../shared/domain/GLOSSARY.md) that several contexts share."""

from __future__ import annotations

from enum import StrEnum


class AssistanceCategory(StrEnum):
    """救助类别 (rules ALL-LB-1, ALL-TK-1, NT21-LI-1/CJ21-LI-1, CJ21-EX-1, ALL-EM-1)."""

    dibao = "dibao"
    tekun = "tekun"
    low_income = "low_income"
    expenditure_type = "expenditure_type"
    emergency = "emergency"


class TargetGroup(StrEnum):
    elderly = "elderly"
    minors = "minors"
    disabled = "disabled"
    seriously_ill = "seriously_ill"
    unemployed = "unemployed"


class DisabilityType(StrEnum):
    physical = "physical"
    visual = "visual"
    hearing = "hearing"
    speech = "speech"
    intellectual = "intellectual"
    mental = "mental"
    multiple = "multiple"


class Setting(StrEnum):
    """城市、农村: standards differ between urban and rural households."""

    urban = "urban"
    rural = "rural"


class LabourCapacity(StrEnum):
    """劳动能力: full, partly lost, none."""

    full = "full"
    partial = "partial"
    none = "none"


class EmploymentStatus(StrEnum):
    employed = "employed"
    # 灵活就业: work without a stable income (ALL-RV-2 reviews such households more often).
    flexible = "flexible"
    unemployed = "unemployed"
    not_in_labour_force = "not_in_labour_force"


class SchoolStage(StrEnum):
    preschool = "preschool"
    primary = "primary"
    junior_secondary = "junior_secondary"
    senior_secondary = "senior_secondary"
    vocational = "vocational"
    higher = "higher"


class SelfCare(StrEnum):
    """全自理、半护理、全护理 (NT21-ST-3 ties tekun care amounts to it)."""

    self_care = "self_care"
    half_care = "half_care"
    full_care = "full_care"


class Supporter(StrEnum):
    """法定赡养、抚养、扶养义务人: whether a legal supporter exists and can support."""

    able = "able"
    unable = "unable"
    none = "none"


class IncomeType(StrEnum):
    wages = "wages"
    business = "business"
    property = "property"
    transfer = "transfer"
    pension = "pension"
    # 城乡居民基本养老金 paid to rural residents: not counted in Nantong (NT17-IN-2).
    rural_basic_pension = "rural_basic_pension"


WORK_INCOME = frozenset({IncomeType.wages, IncomeType.business})


class PropertyType(StrEnum):
    deposit = "deposit"
    securities = "securities"
    vehicle = "vehicle"
    real_estate = "real_estate"
    other = "other"


class ExpenditureType(StrEnum):
    """刚性支出."""

    medical = "medical"
    education = "education"
    other = "other"


class Sex(StrEnum):
    """As a resident ID number records it (the 17th digit: odd for men)."""

    male = "male"
    female = "female"


class Relation(StrEnum):
    """Relation to the head of the household."""

    head = "head"
    spouse = "spouse"
    child = "child"
    parent = "parent"
    grandchild = "grandchild"
    grandparent = "grandparent"
    sibling = "sibling"
    other = "other"


class NeedDimension(StrEnum):
    """需求维度: what one household needs assessment rates (CN21-AS-1)."""

    material = "material"
    care = "care"
    psychological = "psychological"
    employment = "employment"
    education = "education"
    health = "health"
    housing = "housing"
    legal = "legal"
    social_support = "social_support"
    emergency = "emergency"


class Severity(StrEnum):
    none = "none"
    mild = "mild"
    moderate = "moderate"
    severe = "severe"


class Urgency(StrEnum):
    """一般、优先、紧急: emergency needs win scarce places over priority, then routine."""

    routine = "routine"
    priority = "priority"
    emergency = "emergency"
