"""The needs engine: needs proposed from the facts, and the household's grade (CN21-AS-1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aidbridge.needs.engine import Rating, grade, propose, ratings_of
from aidbridge.policy.facts import Outcome
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    LabourCapacity,
    NeedDimension,
    SchoolStage,
    SelfCare,
    Severity,
    Supporter,
    Urgency,
)

from household_facts import ON, born_aged, household, member

NOW = ON["changning-2021"]


def _proposed(packs, *members, pack="changning-2021", **facts):
    return propose(household(*members, **facts), packs[pack], ON[pack])


def _by_sub(needs):
    return {n.subcategory: n for n in needs}


# --- proposals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "supporter", "severity", "urgency"),
    [
        (SelfCare.full_care, Supporter.none, Severity.severe, Urgency.priority),
        (SelfCare.full_care, Supporter.able, Severity.severe, Urgency.routine),
        (SelfCare.half_care, Supporter.none, Severity.moderate, Urgency.routine),
    ],
)
def test_a_member_who_cannot_look_after_themselves_needs_care(
    packs, level, supporter, severity, urgency
):
    needs = _proposed(packs, member("a", 82, NOW, self_care=level, supporter=supporter))
    care = _by_sub(needs)["care.personal_care"]
    assert (care.dimension, care.severity, care.urgency) == (NeedDimension.care, severity, urgency)
    assert care.member == "a" and care.why.rule == "CN21-AS-1"


def test_self_care_or_care_in_an_institution_proposes_no_care(packs):
    assert (
        _proposed(packs, member("a", 82, NOW, employment=EmploymentStatus.not_in_labour_force))
        == []
    )
    in_home = member(
        "a",
        82,
        NOW,
        self_care=SelfCare.full_care,
        institutional_care=True,
        employment=EmploymentStatus.not_in_labour_force,
    )
    assert _proposed(packs, in_home) == []


@pytest.mark.parametrize(
    ("age", "stage", "expected"),
    [
        (5, None, None),  # not yet school age
        (6, SchoolStage.primary, ("education.tutoring", Severity.mild)),
        (17, SchoolStage.senior_secondary, ("education.tutoring", Severity.mild)),
        (18, SchoolStage.senior_secondary, None),  # an adult
        (12, None, ("education.tutoring", Severity.severe)),  # out of school
        (10, SchoolStage.preschool, None),
    ],
)
def test_a_school_age_minor_needs_education(packs, age, stage, expected):
    child = member(
        "c",
        age,
        NOW,
        school_stage=stage,
        labour_capacity=LabourCapacity.none,
        employment=EmploymentStatus.not_in_labour_force,
    )
    needs = [n for n in _proposed(packs, child) if n.dimension is NeedDimension.education]
    assert [(n.subcategory, n.severity) for n in needs] == ([expected] if expected else [])


def test_a_disabled_child_out_of_school_is_taught_at_home(packs):
    child = member(
        "c",
        9,
        NOW,
        disability_type=DisabilityType.physical,
        disability_grade=1,
        labour_capacity=LabourCapacity.none,
        employment=EmploymentStatus.not_in_labour_force,
    )
    education = _by_sub(_proposed(packs, child))["education.home_schooling"]
    assert education.urgency is Urgency.priority


def test_cj21_job_1_sets_yearly_targets_for_an_unemployed_member_able_to_work(packs):
    needs = _proposed(
        packs,
        member("a", 35, ON["changjiang-2021"], employment=EmploymentStatus.unemployed),
        pack="changjiang-2021",
    )
    jobs = _by_sub(needs)
    assert jobs["employment.job_referral"].yearly_target == 3
    assert jobs["employment.career_guidance"].yearly_target == 1
    assert {n.target_rule for n in needs} == {"CJ21-JOB-1"}
    assert jobs["employment.job_referral"].why.rule == "CJ21-JOB-1"


def test_without_cj21_job_1_an_unemployed_member_gets_one_employment_need(packs):
    needs = _proposed(packs, member("a", 35, NOW, employment=EmploymentStatus.unemployed))
    assert [(n.subcategory, n.yearly_target, n.why.rule) for n in needs] == [
        ("employment.job_referral", None, "CN21-AS-1")
    ]


@pytest.mark.parametrize(
    ("age", "capacity", "employment", "proposed"),
    [
        (17, LabourCapacity.full, EmploymentStatus.unemployed, False),
        (18, LabourCapacity.full, EmploymentStatus.unemployed, True),
        (59, LabourCapacity.partial, EmploymentStatus.unemployed, True),
        (60, LabourCapacity.full, EmploymentStatus.unemployed, False),  # tekun.elderly_age
        (40, LabourCapacity.none, EmploymentStatus.unemployed, False),
        (40, LabourCapacity.full, EmploymentStatus.flexible, False),
    ],
)
def test_employment_is_for_working_age_members_able_to_work(
    packs, age, capacity, employment, proposed
):
    who = member("a", age, NOW, labour_capacity=capacity, employment=employment)
    needs = [n for n in _proposed(packs, who) if n.dimension is NeedDimension.employment]
    assert bool(needs) is proposed


@pytest.mark.parametrize(("age", "proposed"), [(15, False), (16, True), (44, True), (45, False)])
def test_working_age_is_the_packs(packs, age, proposed):
    pack = packs["changning-2021"]
    pack = replace(
        pack, assessment=replace(pack.assessment, working_age_from=16, working_age_limit=45)
    )
    who = member("a", age, NOW, employment=EmploymentStatus.unemployed)
    proposed_needs = propose(household(who), pack, NOW)
    needs = [n for n in proposed_needs if n.dimension is NeedDimension.employment]
    assert [n.subcategory for n in needs] == (["employment.job_referral"] if proposed else [])


def test_a_major_illness_needs_health_and_emergency_hardship_is_urgent(packs):
    ill = member("a", 50, NOW, major_illness=True, employment=EmploymentStatus.not_in_labour_force)
    needs = _proposed(packs, ill, emergency=True)
    assert needs[0].subcategory == "emergency.temporary_assistance"
    assert (needs[0].urgency, needs[0].why.rule, needs[0].member) == (
        Urgency.emergency,
        "ALL-EM-1",
        None,
    )
    health = _by_sub(needs)["health.medical_aid"]
    assert (health.severity, health.urgency) == (Severity.severe, Urgency.priority)


def test_a_dimension_is_rated_by_its_hardest_need(packs):
    parents = [
        member(
            "a",
            80,
            NOW,
            self_care=SelfCare.half_care,
            employment=EmploymentStatus.not_in_labour_force,
        ),
        member(
            "b",
            82,
            NOW,
            self_care=SelfCare.full_care,
            supporter=Supporter.none,
            employment=EmploymentStatus.not_in_labour_force,
        ),
    ]
    ratings = ratings_of(_proposed(packs, *parents))
    assert ratings[NeedDimension.care] == Rating(Severity.severe, Urgency.priority)
    assert ratings[NeedDimension.housing] == Rating(Severity.none, Urgency.routine)


# --- the grade ------------------------------------------------------------------------------


def _ratings(**severities) -> dict:
    ratings = {d: Rating(Severity.none, Urgency.routine) for d in NeedDimension}
    for name, value in severities.items():
        severity, _, urgency = value.partition("/")
        ratings[NeedDimension(name)] = Rating(Severity(severity), Urgency(urgency or "routine"))
    return ratings


ADULTS = [born_aged(40, NOW), born_aged(42, NOW)]


@pytest.mark.parametrize(
    ("ratings", "outcomes", "points", "expected"),
    [
        # Changning defaults: 1/2/4 points a dimension; grade 1 from 10, 2 from 6, 3 from 2.
        ({}, [], 0, 4),
        ({"care": "mild"}, [], 1, 4),
        ({"care": "moderate"}, [], 2, 3),
        ({"care": "severe", "health": "mild"}, [], 5, 3),
        ({"care": "severe", "health": "mild"}, [Outcome.low_income], 6, 2),
        ({"care": "severe", "health": "moderate"}, [Outcome.dibao], 8, 2),
        ({"care": "severe", "health": "severe"}, [Outcome.dibao], 10, 1),
        # The hardest category counts, once.
        ({"care": "severe"}, [Outcome.dibao, Outcome.tekun], 7, 2),
    ],
)
def test_the_grade_follows_the_points_at_its_boundaries(packs, ratings, outcomes, points, expected):
    result = grade(_ratings(**ratings), outcomes, ADULTS, packs["changning-2021"], NOW)
    assert (result.points, result.grade) == (points, expected)
    assert {s.rule for s in result.steps} == {"CN21-AS-1"}


@pytest.mark.parametrize(
    ("ages", "points"),
    [([40, 17], 1), ([40, 18], 0), ([40, 41, 10], 0), ([40, 10, 3, 41], 1)],
)
def test_a_household_of_children_and_youth_earns_a_point(packs, ages, points):
    born = [born_aged(age, NOW) for age in ages]
    result = grade(_ratings(), [], born, packs["changning-2021"], NOW)
    assert result.points == points


def test_an_emergency_need_makes_the_hardest_grade(packs):
    result = grade(_ratings(emergency="mild/emergency"), [], ADULTS, packs["nantong-2021"], NOW)
    assert (result.points, result.grade) == (1, 1)
    assert "an emergency need" in result.steps[-1].text()


def test_the_grade_explains_itself(packs):
    result = grade(_ratings(care="severe"), [Outcome.dibao], ADULTS, packs["changning-2021"], NOW)
    texts = [s.text() for s in result.steps]
    assert texts[0] == "4 points for the dimensions rated"
    assert texts[1] == "2 points for the household's category (dibao)"
    assert texts[-1] == "6 points reach grade 2 (from 6 points)"


def test_every_pack_grades(packs):
    for name, pack in packs.items():
        result = grade(_ratings(care="severe"), [], ADULTS, pack, ON[name])
        assert result.grade in {g.grade for g in pack.assessment.grades}, name


def test_the_age_of_majority_is_reached_on_the_birthday():
    who = member("a", 18, date(2026, 11, 1))
    assert who.age_on(date(2026, 10, 31)) == 17 and who.age_on(date(2026, 11, 1)) == 18


def test_every_sub_category_the_engine_proposes_is_in_the_taxonomy(packs):
    """A code missing from the taxonomy would silently become another need on the page."""
    import csv
    from importlib import resources

    source = resources.files("aidbridge.pool").joinpath("data/taxonomy.csv")
    with source.open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    for name in packs:
        on = ON[name]
        everyone = (
            member("a", 80, on, self_care=SelfCare.full_care, major_illness=True),
            member("b", 30, on, employment=EmploymentStatus.unemployed),
            member("d", 12, on, school_stage=SchoolStage.primary),
            member(
                "c",
                9,
                on,
                disability_type=DisabilityType.physical,
                disability_grade=1,
                labour_capacity=LabourCapacity.none,
                employment=EmploymentStatus.not_in_labour_force,
            ),
        )
        proposed = _proposed(packs, *everyone, pack=name, emergency=True)
        assert {n.subcategory for n in proposed} <= codes, name
        assert len({n.dimension for n in proposed}) == 5, name
