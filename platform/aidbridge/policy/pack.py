"""Policy packs: one jurisdiction's rules as data, validated when they are read.

A pack (TOML, ``data/packs/<jurisdiction>-<version>.toml``) carries the parameters
of every rule it applies, each with the rule's ID from ``rules.csv`` (the digest in
POLICY.md). Code reads the pack and never a literal 30 %, 1.5 × or 6 months. A pack
that is broken — a missing number, an unknown rule ID, a standard its own rule
forbids — is refused with the dotted path of the field and the reason.

Parameters the source documents leave to local decision are listed under
``local_settings``; the file documents the default chosen for each.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, is_dataclass
from dataclasses import fields as fields_of
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any, ClassVar

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from aidbridge.policy.facts import Outcome
from aidbridge.schemas import flatten_messages
from aidbridge.vocab import DisabilityType, Setting, Severity, Urgency


class PackError(ValueError):
    """A pack that cannot be used; ``errors`` maps dotted field paths to reasons."""

    def __init__(self, name: str, errors: dict[str, list[str]]):
        self.name = name
        self.errors = errors
        listing = "; ".join(f"{path}: {', '.join(reasons)}" for path, reasons in errors.items())
        super().__init__(f"policy pack {name}: {listing}")


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    title_zh: str
    title_en: str


@cache
def rules() -> dict[str, Rule]:
    """The rule register: every ID a pack may cite."""
    source = resources.files("aidbridge.policy").joinpath("data/rules.csv")
    with source.open(encoding="utf-8") as handle:
        return {row["id"]: Rule(**row) for row in csv.DictReader(handle)}


# --- the parts of a pack ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    """The dibao standard S from a date, with the reference figures rules tie to it."""

    effective_from: date
    urban_fen: int
    rural_fen: int
    # Annual per-capita figures of the previous year, where a rule is pinned to one.
    consumption_expenditure_fen: int | None = None
    disposable_income_fen: int | None = None
    rural_disposable_income_fen: int | None = None
    # Last year's local minimum monthly wage (NX21-ST-3).
    minimum_wage_fen: int | None = None

    def dibao(self, setting: Setting) -> int:
        return self.urban_fen if setting is Setting.urban else self.rural_fen


@dataclass(frozen=True)
class StandardCheck:
    """A rule about the standard itself, checked when the pack is loaded."""

    rule: str
    check: str
    min: Decimal | None = None
    max: Decimal | None = None
    min_fen: int | None = None
    applies_from: date | None = None


@dataclass(frozen=True)
class DisabilityClause:
    types: frozenset[str]
    max_grade: int


@dataclass(frozen=True)
class Dibao:
    rule: str
    benefit_rule: str


@dataclass(frozen=True)
class PropertyTest:
    rule: str
    # Deposits and securities per member at most this many months of S.
    financial_assets_months: int
    max_vehicles: int
    max_dwellings: int


@dataclass(frozen=True)
class Exemption:
    type: str
    rule: str


@dataclass(frozen=True)
class IncomeRules:
    deduction_rule: str | None
    # Share of wages and business income deducted as employment costs.
    employment_cost_share: Decimal
    exempt: tuple[Exemption, ...]
    # When set, rigid expenditure is deducted from income at intake (NT21-EX-1).
    rigid_expenditure_rule: str | None


@dataclass(frozen=True)
class LowIncome:
    rule: str
    multiplier: Decimal


@dataclass(frozen=True)
class ExpenditureType:
    """A household below an income ceiling whose rigid expenditure leaves it under S."""

    rule: str
    # "disposable_income": the local per-capita disposable income; "standard": S.
    ceiling_base: str
    ceiling_multiplier: Decimal


@dataclass(frozen=True)
class IndividualInclusion:
    rule: str
    household_outcomes: frozenset[Outcome]
    disability: tuple[DisabilityClause, ...]
    major_illness: bool
    adult_only: bool
    unemployed_only: bool


@dataclass(frozen=True)
class TekunFloor:
    rule: str
    setting: str  # "any", "urban" or "rural"
    base: str  # "dibao_standard" (monthly) or "rural_disposable_income" (annual)
    multiplier: Decimal


@dataclass(frozen=True)
class TekunCare:
    rule: str
    support: str  # "dispersed" or "institutional"
    base: str  # "dibao_standard" or "minimum_wage"
    shares: dict[str, Decimal]  # by self-care level


@dataclass(frozen=True)
class Tekun:
    rule: str
    minor_age_rule: str
    minor_age_limit: int
    elderly_age: int
    # Disabilities that mean no labour capacity of themselves.
    disability: tuple[DisabilityClause, ...]
    extension_rule: str | None
    basic: tuple[TekunFloor, ...]
    care: tuple[TekunCare, ...]


@dataclass(frozen=True)
class GradualExit:
    rule: str
    months: int
    band_multiplier: Decimal
    on_application: bool


@dataclass(frozen=True)
class Medical:
    rule: str
    outcomes: frozenset[Outcome]
    # Empty conditions: every member of such a household.
    min_age: int | None
    minors: bool
    major_illness: bool
    disability: tuple[DisabilityClause, ...]
    assistance_share: Decimal | None
    self_pay_cap_share: Decimal | None


REVIEW_CONDITIONS = (
    "tekun",
    "dibao_stable",
    "dibao_unstable",
    "seriously_ill_or_severely_disabled",
    "low_income",
    "expenditure_type",
    "severely_disabled_without_work",
)


@dataclass(frozen=True)
class ReviewCycle:
    rule: str
    months: int
    when: frozenset[str]


@dataclass(frozen=True)
class Reviews:
    cycles: tuple[ReviewCycle, ...]
    # Assisted households no cycle names (a local setting).
    default_months: int
    severe_disability_grade: int
    unchanged_rule: str | None
    # A change of the benefit within this share of S is no material change (ALL-RV-6).
    material_change_share: Decimal | None


@dataclass(frozen=True)
class EmploymentSupport:
    rule: str
    job_recommendations_per_year: int
    guidance_per_year: int


@dataclass(frozen=True)
class HardshipGrade:
    grade: int
    min_points: int


@dataclass(frozen=True)
class AssessmentRules:
    """The household needs assessment and its grade (分级, CN21-AS-1): points for each
    dimension's severity, for the household's assistance category (its degree of
    hardship) and for a high share of children and youth; grade 1 is the hardest."""

    rule: str
    severity_points: dict[str, int]
    category_points: dict[str, int]
    minors_age_limit: int
    minors_share: Decimal
    # Members from ``working_age_from`` up to (not including) ``working_age_limit`` are
    # proposed employment support.
    working_age_from: int
    working_age_limit: int
    minors_points: int
    # A household with an emergency need is graded at least this hard.
    emergency_grade: int
    # Hardest first, each with the fewest points it takes; the last takes 0.
    grades: tuple[HardshipGrade, ...]


ENFORCEMENTS = ("warn", "block")


@dataclass(frozen=True)
class SocialWorkPosts:
    rule: str
    min_share: Decimal
    of: str  # "all_posts" or "professional_technical"
    certified_required: bool
    # What follows for a provider below the share (a local setting): "block" — no new
    # contract or match until it complies; "warn" — it and its bureau are told.
    enforcement: str


@dataclass(frozen=True)
class ResponseTime:
    """How long a provider has to answer an offered referral of one urgency: whole
    working days (weekends and public holidays skipped, the clock time kept), or hours
    on the clock (an emergency does not wait for Monday)."""

    urgency: str
    rule: str
    working_days: int | None
    hours: int | None


@dataclass(frozen=True)
class Referrals:
    """Answering offered referrals (local settings): the time each urgency allows, and
    the shares of it after which the provider is reminded and then the bureau told;
    when it has passed the offer expires and the need goes back to matching."""

    respond_within: tuple[ResponseTime, ...]
    remind_provider_at: Decimal
    tell_bureau_at: Decimal

    def response(self, urgency: str) -> ResponseTime:
        return next(r for r in self.respond_within if r.urgency == urgency)


@dataclass(frozen=True)
class Pack:
    jurisdiction: str
    version: str
    title: str
    source: str
    starts_on: date
    supersedes: dict[str, str]
    local_settings: tuple[str, ...]
    standards: tuple[Standard, ...]
    standard_checks: tuple[StandardCheck, ...]
    dibao: Dibao
    property_test: PropertyTest
    income: IncomeRules
    low_income: LowIncome
    expenditure_type: ExpenditureType | None
    individual_inclusion: IndividualInclusion | None
    tekun: Tekun
    gradual_exit: GradualExit | None
    emergency_rule: str
    medical: tuple[Medical, ...]
    reviews: Reviews
    employment_support: EmploymentSupport | None
    assessment: AssessmentRules
    social_work_posts: SocialWorkPosts | None
    referrals: Referrals

    @property
    def name(self) -> str:
        return f"{self.jurisdiction}-{self.version}"

    def standard_on(self, day: date) -> Standard:
        """The standard in force on ``day`` (the latest that started by then)."""
        in_force = [s for s in self.standards if s.effective_from <= day]
        if not in_force:
            raise LookupError(f"policy pack {self.name} has no dibao standard on {day}")
        return in_force[-1]

    def cited_rules(self) -> list[Rule]:
        """Every rule the pack applies, in the order the pack names them."""
        found: dict[str, None] = {}

        def walk(node) -> None:
            if is_dataclass(node):
                for part in fields_of(node):
                    value = getattr(node, part.name)
                    if part.name == "rule" or part.name.endswith("_rule"):
                        if value:
                            found[value] = None
                    else:
                        walk(value)
            elif isinstance(node, tuple):
                for item in node:
                    walk(item)

        walk(self)
        register = rules()
        return [register[rule] for rule in found]


# --- the schema that reads a pack file -------------------------------------------------------


def _rule(**kwargs) -> fields.String:
    return fields.String(validate=_known_rule, **kwargs)


def _known_rule(value: str) -> None:
    if value not in rules():
        raise ValidationError(f"unknown rule ID {value!r} (see rules.csv)")


SHARE = validate.Range(min=0, max=10)
MONTHS = validate.Range(min=1, max=120)
FEN = validate.Range(min=0, max=10**11)
DISABILITY_TYPES = ["any", *DisabilityType]


class _Part(Schema):
    """A part of a pack: unknown keys are errors; loads into the frozen ``model``,
    lists becoming tuples (or frozensets, where the model says so)."""

    model: ClassVar[type]

    class Meta:
        unknown = RAISE

    @post_load
    def _make(self, data, **kwargs):
        sets = {f.name for f in fields_of(self.model) if str(f.type).startswith("frozenset")}
        return self.model(
            **{
                name: (frozenset if name in sets else tuple)(value)
                if isinstance(value, list)
                else value
                for name, value in data.items()
            }
        )


class StandardSchema(_Part):
    effective_from = fields.Date(required=True)
    urban_fen = fields.Integer(required=True, strict=True, validate=FEN)
    rural_fen = fields.Integer(required=True, strict=True, validate=FEN)
    consumption_expenditure_fen = fields.Integer(strict=True, validate=FEN)
    disposable_income_fen = fields.Integer(strict=True, validate=FEN)
    rural_disposable_income_fen = fields.Integer(strict=True, validate=FEN)
    minimum_wage_fen = fields.Integer(strict=True, validate=FEN)

    model = Standard


class StandardCheckSchema(_Part):
    rule = _rule(required=True)
    check = fields.String(
        required=True, validate=validate.OneOf(["share_of_consumption", "rural_annual_minimum"])
    )
    min = fields.Decimal(validate=SHARE)
    max = fields.Decimal(validate=SHARE)
    min_fen = fields.Integer(strict=True, validate=FEN)
    applies_from = fields.Date()

    @validates_schema
    def _complete(self, data, **kwargs):
        needed = ("min", "max") if data.get("check") == "share_of_consumption" else ("min_fen",)
        missing = {name: ["required by this check"] for name in needed if name not in data}
        if missing:
            raise ValidationError(missing)

    model = StandardCheck


class DisabilitySchema(_Part):
    types = fields.List(
        fields.String(validate=validate.OneOf(DISABILITY_TYPES)),
        required=True,
        validate=validate.Length(min=1),
    )
    max_grade = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=4))

    model = DisabilityClause


def _disability_list(**kwargs):
    return fields.List(fields.Nested(DisabilitySchema), **kwargs)


def _outcomes(**kwargs):
    return fields.List(fields.Enum(Outcome, by_value=True), **kwargs)


class DibaoSchema(_Part):
    rule = _rule(required=True)
    benefit_rule = _rule(required=True)

    model = Dibao


class PropertySchema(_Part):
    rule = _rule(required=True)
    financial_assets_months = fields.Integer(required=True, strict=True, validate=MONTHS)
    max_vehicles = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    max_dwellings = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))

    model = PropertyTest


class ExemptionSchema(_Part):
    type = fields.String(required=True)
    rule = _rule(required=True)

    model = Exemption


class IncomeSchema(_Part):
    deduction_rule = _rule(load_default=None)
    employment_cost_share = fields.Decimal(
        load_default=Decimal(0), validate=validate.Range(min=0, max=1)
    )
    exempt = fields.List(fields.Nested(ExemptionSchema), load_default=list)
    rigid_expenditure_rule = _rule(load_default=None)

    model = IncomeRules


class LowIncomeSchema(_Part):
    rule = _rule(required=True)
    multiplier = fields.Decimal(required=True, validate=validate.Range(min=1, max=10))

    model = LowIncome


class ExpenditureTypeSchema(_Part):
    rule = _rule(required=True)
    ceiling_base = fields.String(
        required=True, validate=validate.OneOf(["disposable_income", "standard"])
    )
    ceiling_multiplier = fields.Decimal(required=True, validate=SHARE)

    model = ExpenditureType


class IndividualInclusionSchema(_Part):
    rule = _rule(required=True)
    household_outcomes = _outcomes(required=True, validate=validate.Length(min=1))
    disability = _disability_list(load_default=list)
    major_illness = fields.Boolean(required=True)
    adult_only = fields.Boolean(load_default=False)
    unemployed_only = fields.Boolean(load_default=False)

    model = IndividualInclusion


class TekunFloorSchema(_Part):
    rule = _rule(required=True)
    setting = fields.String(load_default="any", validate=validate.OneOf(["any", *Setting]))
    base = fields.String(
        required=True, validate=validate.OneOf(["dibao_standard", "rural_disposable_income"])
    )
    multiplier = fields.Decimal(required=True, validate=SHARE)

    model = TekunFloor


class TekunCareSchema(_Part):
    rule = _rule(required=True)
    support = fields.String(required=True, validate=validate.OneOf(["dispersed", "institutional"]))
    base = fields.String(required=True, validate=validate.OneOf(["dibao_standard", "minimum_wage"]))
    full_care = fields.Decimal(validate=SHARE)
    half_care = fields.Decimal(validate=SHARE)
    self_care = fields.Decimal(validate=SHARE)

    model = TekunCare

    @post_load
    def _make(self, data, **kwargs):
        levels = ("full_care", "half_care", "self_care")
        shares = {level: data.pop(level) for level in levels if level in data}
        return super()._make({**data, "shares": shares})


class TekunSchema(_Part):
    rule = _rule(required=True)
    minor_age_rule = _rule(required=True)
    minor_age_limit = fields.Integer(required=True, strict=True, validate=validate.Range(14, 25))
    elderly_age = fields.Integer(required=True, strict=True, validate=validate.Range(50, 80))
    disability = _disability_list(required=True)
    extension_rule = _rule(load_default=None)
    basic = fields.List(fields.Nested(TekunFloorSchema), required=True)
    care = fields.List(fields.Nested(TekunCareSchema), load_default=list)

    @validates_schema(skip_on_field_errors=True)
    def _a_floor_for_every_setting(self, data, **kwargs):
        covered = {floor.setting for floor in data["basic"]}
        if "any" in covered:
            return
        missing = [str(setting) for setting in Setting if setting not in covered]
        if missing:
            raise ValidationError(
                f"no floor for {', '.join(missing)}: give one for each setting or one for any",
                "basic",
            )

    model = Tekun


class GradualExitSchema(_Part):
    rule = _rule(required=True)
    months = fields.Integer(required=True, strict=True, validate=MONTHS)
    band_multiplier = fields.Decimal(required=True, validate=validate.Range(min=1, max=10))
    on_application = fields.Boolean(load_default=False)

    model = GradualExit


class MedicalSchema(_Part):
    rule = _rule(required=True)
    # Household outcomes, or a member's own (tekun, individual inclusion).
    outcomes = _outcomes(required=True, validate=validate.Length(min=1))
    min_age = fields.Integer(load_default=None, strict=True)
    minors = fields.Boolean(load_default=False)
    major_illness = fields.Boolean(load_default=False)
    disability = _disability_list(load_default=list)
    assistance_share = fields.Decimal(load_default=None, validate=validate.Range(min=0, max=1))
    self_pay_cap_share = fields.Decimal(load_default=None, validate=validate.Range(min=0, max=1))

    @validates_schema(skip_on_field_errors=True)
    def _one_share(self, data, **kwargs):
        given = [n for n in ("assistance_share", "self_pay_cap_share") if data[n] is not None]
        if len(given) == 2:
            raise ValidationError("not with assistance_share: give one of the two", given[1])
        if not given:
            raise ValidationError(
                "required, or self_pay_cap_share: give one of the two", "assistance_share"
            )

    model = Medical


class ReviewCycleSchema(_Part):
    rule = _rule(required=True)
    months = fields.Integer(required=True, strict=True, validate=MONTHS)
    when = fields.List(
        fields.String(validate=validate.OneOf(REVIEW_CONDITIONS)),
        required=True,
        validate=validate.Length(min=1),
    )

    model = ReviewCycle


class ReviewsSchema(_Part):
    cycles = fields.List(fields.Nested(ReviewCycleSchema), required=True)
    default_months = fields.Integer(required=True, strict=True, validate=MONTHS)
    severe_disability_grade = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 4)
    )
    unchanged_rule = _rule(load_default=None)
    material_change_share = fields.Decimal(load_default=None, validate=validate.Range(0, 1))

    @validates_schema(skip_on_field_errors=True)
    def _unchanged_has_its_share(self, data, **kwargs):
        if data["unchanged_rule"] and data["material_change_share"] is None:
            raise ValidationError(
                f"required by unchanged_rule {data['unchanged_rule']}", "material_change_share"
            )

    model = Reviews


class EmploymentSupportSchema(_Part):
    rule = _rule(required=True)
    # A yearly target is at least one (need.yearly_target's CHECK).
    job_recommendations_per_year = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    guidance_per_year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))

    model = EmploymentSupport


class HardshipGradeSchema(_Part):
    grade = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9))
    min_points = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))

    model = HardshipGrade


def _points(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(0, 100), **kwargs)


RATED = [str(s) for s in Severity if s is not Severity.none]


class AssessmentSchema(_Part):
    rule = _rule(required=True)
    severity_points = fields.Dict(
        keys=fields.String(validate=validate.OneOf(RATED)), values=_points(), required=True
    )
    category_points = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(Outcome))), values=_points(), required=True
    )
    minors_age_limit = fields.Integer(required=True, strict=True, validate=validate.Range(14, 35))
    minors_share = fields.Decimal(required=True, validate=validate.Range(min=0, max=1))
    # 劳动法 §15: no one under 16 may be employed.
    working_age_from = fields.Integer(required=True, strict=True, validate=validate.Range(16, 75))
    working_age_limit = fields.Integer(required=True, strict=True, validate=validate.Range(40, 75))
    minors_points = _points(required=True)
    emergency_grade = fields.Integer(required=True, strict=True)
    grades = fields.List(
        fields.Nested(HardshipGradeSchema), required=True, validate=validate.Length(min=2)
    )

    @validates_schema(skip_on_field_errors=True)
    def _consistent(self, data, **kwargs):
        errors = {}
        missing = [s for s in RATED if s not in data["severity_points"]]
        if missing:
            errors["severity_points"] = [f"needs points for {', '.join(missing)}"]
        grades = data["grades"]
        if [g.grade for g in grades] != list(range(1, len(grades) + 1)):
            errors["grades"] = ["must be numbered 1, 2, … hardest first"]
        elif any(a.min_points <= b.min_points for a, b in pairwise(grades)):
            errors["grades"] = ["each grade must take fewer points than the one before"]
        elif grades[-1].min_points != 0:
            errors["grades"] = ["the last grade must take 0 points, so every household has one"]
        elif not 1 <= data["emergency_grade"] <= len(grades):
            errors["emergency_grade"] = ["names no grade"]
        if data["working_age_from"] >= data["working_age_limit"]:
            errors["working_age_from"] = ["must be below working_age_limit"]
        if errors:
            raise ValidationError(errors)

    model = AssessmentRules


class SocialWorkPostsSchema(_Part):
    rule = _rule(required=True)
    min_share = fields.Decimal(required=True, validate=validate.Range(min=0, max=1))
    of = fields.String(
        required=True, validate=validate.OneOf(["all_posts", "professional_technical"])
    )
    certified_required = fields.Boolean(load_default=False)
    enforcement = fields.String(required=True, validate=validate.OneOf(ENFORCEMENTS))

    model = SocialWorkPosts


class ResponseTimeSchema(_Part):
    urgency = fields.String(required=True, validate=validate.OneOf(list(Urgency)))
    rule = _rule(required=True)
    working_days = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 30))
    hours = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 720))

    @validates_schema(skip_on_field_errors=True)
    def _one_measure(self, data, **kwargs):
        if (data["working_days"] is None) == (data["hours"] is None):
            raise ValidationError("give working_days or hours, one of them", "working_days")

    model = ResponseTime


class ReferralsSchema(_Part):
    respond_within = fields.List(fields.Nested(ResponseTimeSchema), required=True)
    remind_provider_at = fields.Decimal(
        required=True, validate=validate.Range(0, 1, min_inclusive=False, max_inclusive=False)
    )
    tell_bureau_at = fields.Decimal(
        required=True, validate=validate.Range(0, 1, min_inclusive=False, max_inclusive=False)
    )

    @validates_schema(skip_on_field_errors=True)
    def _every_urgency_once(self, data, **kwargs):
        named = [r.urgency for r in data["respond_within"]]
        if sorted(named) != sorted(Urgency):
            raise ValidationError("name each urgency once", "respond_within")
        if data["tell_bureau_at"] <= data["remind_provider_at"]:
            raise ValidationError("must come after remind_provider_at", "tell_bureau_at")

    model = Referrals


class PackSchema(_Part):
    jurisdiction = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]{1,39}$"))
    version = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z.\-]{1,20}$"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.Length(min=1, max=20))
    starts_on = fields.Date(required=True)
    supersedes = fields.Dict(keys=_rule(), values=_rule(), load_default=dict)
    local_settings = fields.List(fields.String(), load_default=list)
    standards = fields.List(
        fields.Nested(StandardSchema), required=True, validate=validate.Length(min=1)
    )
    standard_checks = fields.List(fields.Nested(StandardCheckSchema), load_default=list)
    dibao = fields.Nested(DibaoSchema, required=True)
    property_test = fields.Nested(PropertySchema, required=True, data_key="property")
    income = fields.Nested(IncomeSchema, required=True)
    low_income = fields.Nested(LowIncomeSchema, required=True)
    expenditure_type = fields.Nested(ExpenditureTypeSchema, load_default=None)
    individual_inclusion = fields.Nested(IndividualInclusionSchema, load_default=None)
    tekun = fields.Nested(TekunSchema, required=True)
    gradual_exit = fields.Nested(GradualExitSchema, load_default=None)
    emergency_rule = _rule(required=True)
    medical = fields.List(fields.Nested(MedicalSchema), load_default=list)
    reviews = fields.Nested(ReviewsSchema, required=True)
    employment_support = fields.Nested(EmploymentSupportSchema, load_default=None)
    assessment = fields.Nested(AssessmentSchema, required=True)
    social_work_posts = fields.Nested(SocialWorkPostsSchema, load_default=None)
    referrals = fields.Nested(ReferralsSchema, required=True)

    @validates_schema(skip_on_field_errors=True)
    def _standards_in_order(self, data, **kwargs):
        days = [s.effective_from for s in data["standards"]]
        if days != sorted(set(days)):
            raise ValidationError("must be in date order, one per date", "standards")

    model = Pack


def _resolves(document: dict, path: str) -> bool:
    node: Any = document
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _check_standards(pack: Pack) -> dict[str, list[str]]:
    """The pack's own rules about S (e.g. NT21-ST-1: 30–40 % of consumption)."""
    errors: dict[str, list[str]] = {}
    for index, standard in enumerate(pack.standards):
        for check in pack.standard_checks:
            if check.applies_from and standard.effective_from < check.applies_from:
                continue
            where = f"standards.{index}"
            if check.check == "share_of_consumption":
                reference = standard.consumption_expenditure_fen
                if not reference:
                    errors[f"{where}.consumption_expenditure_fen"] = [f"required by {check.rule}"]
                    continue
                for setting in Setting:
                    share = Decimal(standard.dibao(setting) * 12) / reference
                    if not check.min <= share <= check.max:
                        errors[f"{where}.{setting}_fen"] = [
                            f"{check.rule}: 12 × S is {share:.1%} of consumption expenditure, "
                            f"outside {check.min:.0%}–{check.max:.0%}"
                        ]
            elif standard.rural_fen * 12 < check.min_fen:
                errors[f"{where}.rural_fen"] = [
                    f"{check.rule}: 12 × S below the minimum of {check.min_fen} fen a year"
                ]
    return errors


def _reference_figures(pack: Pack) -> dict[str, str]:
    """The reference figures of a standard the pack's own rules compute with, each with
    the first rule that needs it: {"minimum_wage_fen": "NX21-ST-3"}."""
    needed: dict[str, str] = {}
    for floor in pack.tekun.basic:
        if floor.base == "rural_disposable_income":
            needed.setdefault("rural_disposable_income_fen", floor.rule)
    for care in pack.tekun.care:
        if care.base == "minimum_wage":
            needed.setdefault("minimum_wage_fen", care.rule)
    expenditure = pack.expenditure_type
    if expenditure and expenditure.ceiling_base == "disposable_income":
        needed.setdefault("disposable_income_fen", expenditure.rule)
    return needed


def _check_reference_figures(pack: Pack) -> dict[str, list[str]]:
    """Every standard carries the figures the rules compute with, so that no decision
    meets a period without them."""
    return {
        f"standards.{index}.{figure}": [f"required by {rule}"]
        for index, standard in enumerate(pack.standards)
        for figure, rule in _reference_figures(pack).items()
        if getattr(standard, figure) is None
    }


def parse_pack(document: dict, name: str = "pack") -> Pack:
    """Validate a pack document (as read from TOML) and build the :class:`Pack`."""
    try:
        pack = PackSchema().load(document)
    except ValidationError as exc:
        raise PackError(name, flatten_messages(exc.messages)) from None
    errors = _check_standards(pack) | _check_reference_figures(pack)
    for path in pack.local_settings:
        if not _resolves(document, path):
            errors[f"local_settings.{path}"] = ["names no parameter of this pack"]
    if errors:
        raise PackError(name, errors)
    return pack


def read_pack(text: str, name: str = "pack") -> tuple[dict, Pack]:
    """Parse TOML text into the document and its validated pack."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(name, {"_file": [f"not valid TOML: {exc}"]}) from None
    return document, parse_pack(document, name)


def shipped_pack_files() -> dict[str, str]:
    """The packs in the repository, by file stem: {"nantong-2021": "<toml>"}."""
    folder = resources.files("aidbridge.policy").joinpath("data/packs")
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }
