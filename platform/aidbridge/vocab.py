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
