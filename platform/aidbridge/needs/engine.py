"""The needs engine: which needs a household's facts suggest, and the household's grade.

Pure, like the classification engine: facts, a pack and a date in; proposals and a
grade out, each with the rule it applied and the figures it read, so the assessor
sees why a need is proposed and the household sees why it has its grade (CN21-AS-1).
The assessor confirms, edits or adds: proposals are a starting point, not a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aidbridge.clock import age_on
from aidbridge.i18n import N_
from aidbridge.policy.classify import ADULT_AGE, WORDS, Step
from aidbridge.policy.facts import HouseholdFacts, Member, Outcome
from aidbridge.policy.pack import Pack
from aidbridge.vocab import (
    EmploymentStatus,
    LabourCapacity,
    NeedDimension,
    SchoolStage,
    SelfCare,
    Severity,
    Supporter,
    Urgency,
)

# 义务教育法 §11: children start school at six. A law, not a policy parameter.
SCHOOL_AGE = 6
IN_SCHOOL = frozenset(
    {
        SchoolStage.primary,
        SchoolStage.junior_secondary,
        SchoolStage.senior_secondary,
        SchoolStage.vocational,
    }
)
# How an assistance category reads in a grade's trace.
CATEGORY: dict[Outcome, str] = {
    Outcome.dibao: N_("dibao"),
    Outcome.tekun: N_("tekun"),
    Outcome.low_income: N_("low-income"),
    Outcome.expenditure_type: N_("expenditure-type hardship"),
    Outcome.emergency: N_("emergency hardship"),
    Outcome.gradual_exit: N_("gradual exit"),
    Outcome.individual_inclusion: N_("individual inclusion"),
}
SEVERITY_ORDER = tuple(Severity)
URGENCY_ORDER = tuple(Urgency)
# The sub-categories a yearly target of CJ21-JOB-1 is counted in.
JOB_RECOMMENDATION = "employment.job_referral"
GUIDANCE_OR_TRAINING = "employment.career_guidance"


@dataclass(frozen=True)
class ProposedNeed:
    dimension: NeedDimension
    subcategory: str
    severity: Severity
    urgency: Urgency
    # The member concerned (facts' key), or None for the household as a whole.
    member: str | None
    why: Step
    yearly_target: int | None = None
    target_rule: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What makes a need the same need in the next assessment."""
        return (str(self.dimension), self.subcategory, self.member)


@dataclass(frozen=True)
class Rating:
    severity: Severity
    urgency: Urgency


@dataclass(frozen=True)
class Grading:
    grade: int
    points: int
    steps: tuple[Step, ...]


def propose(facts: HouseholdFacts, pack: Pack, on: date) -> list[ProposedNeed]:
    """The needs the facts suggest on ``on``, household needs first, then by member."""
    rule = pack.assessment.rule
    needs: list[ProposedNeed] = []
    if facts.emergency:
        needs.append(
            ProposedNeed(
                NeedDimension.emergency,
                "emergency.temporary_assistance",
                Severity.severe,
                Urgency.emergency,
                None,
                Step(
                    pack.emergency_rule,
                    True,
                    N_("emergency hardship reported"),
                    {},
                ),
            )
        )
    for member in facts.members:
        needs.extend(_care(member, rule))
        needs.extend(_education(member, on, rule))
        needs.extend(_employment(member, on, pack))
        needs.extend(_health(member, rule))
    return needs


def _care(member: Member, rule: str) -> Iterable[ProposedNeed]:
    # Those in a care institution are looked after there (集中供养).
    if member.self_care is SelfCare.self_care or member.institutional_care:
        return
    full = member.self_care is SelfCare.full_care
    alone = member.supporter is not Supporter.able
    yield ProposedNeed(
        NeedDimension.care,
        "care.personal_care",
        Severity.severe if full else Severity.moderate,
        Urgency.priority if full and alone else Urgency.routine,
        member.key,
        Step(
            rule,
            True,
            N_("cannot look after themselves (%(level)s, %(supporter)s)"),
            {"level": WORDS[member.self_care], "supporter": WORDS[member.supporter]},
            member.key,
        ),
    )


def _education(member: Member, on: date, rule: str) -> Iterable[ProposedNeed]:
    age = member.age_on(on)
    if not SCHOOL_AGE <= age < ADULT_AGE:
        return
    params = {"age": str(age)}
    if member.school_stage in IN_SCHOOL:
        yield ProposedNeed(
            NeedDimension.education,
            "education.tutoring",
            Severity.mild,
            Urgency.routine,
            member.key,
            Step(rule, True, N_("school-age minor (%(age)s) at school"), params, member.key),
        )
    elif member.school_stage is None:
        # Out of school: a disabled child is taught at home (送教上门).
        disabled = member.disability_type is not None
        yield ProposedNeed(
            NeedDimension.education,
            "education.home_schooling" if disabled else "education.tutoring",
            Severity.severe,
            Urgency.priority,
            member.key,
            Step(
                rule,
                True,
                N_("school-age minor (%(age)s) not at school"),
                params,
                member.key,
            ),
        )


def _employment(member: Member, on: date, pack: Pack) -> Iterable[ProposedNeed]:
    age = member.age_on(on)
    able = member.labour_capacity is not LabourCapacity.none
    if not (able and member.employment is EmploymentStatus.unemployed):
        return
    rules = pack.assessment
    if not rules.working_age_from <= age < rules.working_age_limit:
        return
    severity = Severity.moderate if member.labour_capacity is LabourCapacity.full else Severity.mild
    # CJ21-JOB-1: at least so many job recommendations and guidance or training a year;
    # without it, one job referral with no target.
    targets = yearly_targets(pack) or {JOB_RECOMMENDATION: (None, None)}
    support = pack.employment_support
    why = Step(
        support.rule if support else rules.rule,
        True,
        N_("unemployed member able to work (%(age)s)"),
        {"age": str(age)},
        member.key,
    )
    for subcategory, (target, target_rule) in targets.items():
        yield ProposedNeed(
            NeedDimension.employment,
            subcategory,
            severity,
            Urgency.routine,
            member.key,
            why,
            target,
            target_rule,
        )


def _health(member: Member, rule: str) -> Iterable[ProposedNeed]:
    if member.major_illness:
        yield ProposedNeed(
            NeedDimension.health,
            "health.medical_aid",
            Severity.severe,
            Urgency.priority,
            member.key,
            Step(rule, True, N_("major illness"), {}, member.key),
        )


def yearly_targets(pack: Pack) -> dict[str, tuple[int, str]]:
    """The least number a year the pack asks for, by sub-category: (number, rule)."""
    support = pack.employment_support
    if support is None:
        return {}
    return {
        JOB_RECOMMENDATION: (support.job_recommendations_per_year, support.rule),
        GUIDANCE_OR_TRAINING: (support.guidance_per_year, support.rule),
    }


def harder(a: Rating, b: Rating) -> Rating:
    """The harder severity and the more urgent urgency of the two."""
    return Rating(
        max(a.severity, b.severity, key=SEVERITY_ORDER.index),
        max(a.urgency, b.urgency, key=URGENCY_ORDER.index),
    )


def ratings_of(needs: Iterable) -> dict[NeedDimension, Rating]:
    """Each dimension rated by its hardest need; dimensions without one rate none."""
    ratings = {d: Rating(Severity.none, Urgency.routine) for d in NeedDimension}
    for need in needs:
        ratings[need.dimension] = harder(
            ratings[need.dimension], Rating(need.severity, need.urgency)
        )
    return ratings


def grade(
    ratings: dict[NeedDimension, Rating],
    outcomes: Iterable[Outcome],
    birth_dates: Iterable[date],
    pack: Pack,
    on: date,
) -> Grading:
    """The household's hardship grade (分级): points for its ratings, its category and
    its children and youth, then the hardest grade those points reach."""
    rules = pack.assessment
    rule = rules.rule
    steps: list[Step] = []
    rated = sum(rules.severity_points.get(str(r.severity), 0) for r in ratings.values())
    steps.append(
        Step(
            rule,
            None,
            N_("%(points)s points for the dimensions rated"),
            {"points": str(rated)},
        )
    )
    # In the glossary's order, so that of two categories worth as much the same one is named.
    present = sorted(set(map(Outcome, outcomes)), key=list(Outcome).index)
    by_category = {o: rules.category_points[o] for o in present if o in rules.category_points}
    category_points = max(by_category.values(), default=0)
    if by_category:
        hardest = max(by_category, key=by_category.get)
        steps.append(
            Step(
                rule,
                True,
                N_("%(points)s points for the household's category (%(category)s)"),
                {"points": str(category_points), "category": CATEGORY[hardest]},
            )
        )
    ages = [age_on(born, on) for born in birth_dates]
    young = sum(1 for age in ages if age < rules.minors_age_limit)
    minors_points = 0
    if ages:
        share = Decimal(young) / len(ages)
        held = share >= rules.minors_share
        minors_points = rules.minors_points if held else 0
        steps.append(
            Step(
                rule,
                held,
                N_(
                    "%(young)s of %(members)s members under %(limit)s "
                    "(at least %(share)s earns %(points)s points)"
                ),
                {
                    "young": str(young),
                    "members": str(len(ages)),
                    "limit": str(rules.minors_age_limit),
                    "share": f"{rules.minors_share:.0%}",
                    "points": str(rules.minors_points),
                },
            )
        )
    points = rated + category_points + minors_points
    reached = next(g for g in rules.grades if points >= g.min_points)
    steps.append(
        Step(
            rule,
            None,
            N_("%(points)s points reach grade %(grade)s (from %(min)s points)"),
            {
                "points": str(points),
                "grade": str(reached.grade),
                "min": str(reached.min_points),
            },
        )
    )
    result = reached.grade
    if any(r.urgency is Urgency.emergency for r in ratings.values()):
        if rules.emergency_grade < result:
            result = rules.emergency_grade
        steps.append(
            Step(
                rule,
                True,
                N_("an emergency need is grade %(grade)s at least"),
                {"grade": str(rules.emergency_grade)},
            )
        )
    return Grading(result, points, tuple(steps))
