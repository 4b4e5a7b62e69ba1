"""Every rule of POLICY.md §2–§4 at its boundaries, under each pack that has it.

Amounts are fen per month; ``S`` is the pack's urban dibao standard on the test day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aidbridge.clock import add_months
from aidbridge.policy.classify import classify
from aidbridge.policy.facts import Income, Member, Outcome, Prior
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    IncomeType,
    LabourCapacity,
    PropertyType,
    SelfCare,
    Setting,
    Supporter,
)

from household_facts import ON, born_aged, holding, household, income, member, rigid

ALL_PACKS = sorted(ON)


def decide(packs, name, facts, on=None):
    return classify(facts, packs[name], on or ON[name])


def standard(packs, name, setting=Setting.urban):
    return packs[name].standard_on(ON[name]).dibao(setting)


def step(decision, rule, member=None):
    found = [s for s in decision.steps if s.rule == rule and (member is None or s.member == member)]
    assert found, f"{rule} not applied; applied: {decision.rules}"
    # A rule's test (held or not) rather than a computation citing the same rule.
    tests = [s for s in found if s.held is not None]
    return (tests or found)[-1]


def two_adults(**facts):
    return household(member("a"), member("b"), **facts)


# --- ALL-LB-1 dibao and its benefit ---------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PACKS)
def test_dibao_below_the_standard_and_not_at_it(packs, name):
    s = standard(packs, name)
    below = decide(packs, name, two_adults(incomes=(income(2 * s - 1),)))
    assert Outcome.dibao in below.outcomes
    assert below.benefit_fen == 1
    assert step(below, "ALL-LB-1").held is True

    at = decide(packs, name, two_adults(incomes=(income(2 * s),)))
    assert Outcome.dibao not in at.outcomes
    assert at.benefit_fen == 0
    assert step(at, "ALL-LB-1").held is False


@pytest.mark.parametrize("name", ALL_PACKS)
def test_the_property_test_limits_deposits_to_the_pack_months(packs, name):
    s = standard(packs, name)
    months = packs[name].property_test.financial_assets_months
    limit = months * s * 2
    inside = decide(packs, name, two_adults(properties=(holding(limit),)))
    over = decide(packs, name, two_adults(properties=(holding(limit + 1),)))
    assert Outcome.dibao in inside.outcomes
    assert Outcome.dibao not in over.outcomes
    assert "property test fails" in step(over, "ALL-LB-1").text()


@pytest.mark.parametrize("name", ALL_PACKS)
def test_a_car_or_a_second_dwelling_fails_the_property_test(packs, name):
    car = decide(packs, name, two_adults(properties=(holding(3_000_000, PropertyType.vehicle),)))
    homes = tuple(holding(50_000_000, PropertyType.real_estate) for _ in range(2))
    two_homes = decide(packs, name, two_adults(properties=homes))
    one_home = decide(packs, name, two_adults(properties=homes[:1]))
    assert Outcome.dibao not in car.outcomes
    assert Outcome.dibao not in two_homes.outcomes
    assert Outcome.dibao in one_home.outcomes


@pytest.mark.parametrize(
    ("name", "benefit_rule"),
    [("changjiang-2021", "CJ21-LB-4"), ("ningxia-2021", "NX21-LB-4")],
)
def test_the_benefit_is_the_gap_to_the_standard(packs, name, benefit_rule):
    s = standard(packs, name)
    decision = decide(packs, name, two_adults(incomes=(income(s),)))
    assert decision.benefit_fen == 2 * s - s
    assert step(decision, benefit_rule).held is None


# --- income: NT21-IN-1, NT17-IN-2, NT21-EX-1 ------------------------------------------------


@pytest.mark.parametrize("name", ["nantong-2021", "changjiang-2021", "ningxia-2021"])
def test_employment_costs_are_deducted_from_wages(packs, name):
    share = packs[name].income.employment_cost_share
    s = standard(packs, name)
    # Wages whose counted part (after the deduction) is exactly S: not dibao.
    wages = int(Decimal(s) / (1 - share))
    assert wages * (1 - share) == s
    at = decide(packs, name, household(incomes=(income(wages, kind=IncomeType.wages),)))
    below = decide(packs, name, household(incomes=(income(wages - 1, kind=IncomeType.wages),)))
    assert at.counted_income_fen == s
    assert Outcome.dibao not in at.outcomes
    assert Outcome.dibao in below.outcomes
    assert step(at, "NT21-IN-1").held is None


def test_the_2017_pack_deducts_no_employment_costs(packs):
    s = standard(packs, "nantong-2017")
    decision = decide(packs, "nantong-2017", household(incomes=(income(s, kind=IncomeType.wages),)))
    assert decision.counted_income_fen == s
    assert "NT21-IN-1" not in decision.rules


@pytest.mark.parametrize("name", ["nantong-2017", "nantong-2021"])
def test_the_rural_basic_pension_is_not_income_in_nantong(packs, name):
    s = standard(packs, name, Setting.rural)
    facts = household(
        setting=Setting.rural, incomes=(income(s + 10_000, kind=IncomeType.rural_basic_pension),)
    )
    decision = decide(packs, name, facts)
    assert decision.counted_income_fen == 0
    assert Outcome.dibao in decision.outcomes
    assert step(decision, "NT17-IN-2").held is None


def test_the_rural_basic_pension_counts_where_no_rule_exempts_it(packs):
    s = standard(packs, "changjiang-2021", Setting.rural)
    facts = household(
        setting=Setting.rural, incomes=(income(s, kind=IncomeType.rural_basic_pension),)
    )
    decision = decide(packs, "changjiang-2021", facts)
    assert decision.counted_income_fen == s
    assert Outcome.dibao not in decision.outcomes


@pytest.mark.parametrize("name", ["nantong-2021", "ningxia-2021"])
def test_rigid_expenditure_is_deducted_at_intake(packs, name):
    s = standard(packs, name)
    facts = lambda spend: two_adults(incomes=(income(2 * s + 1000),), expenditures=(rigid(spend),))  # noqa: E731
    just_enough = decide(packs, name, facts(1001))
    not_enough = decide(packs, name, facts(1000))
    assert just_enough.outcomes >= {Outcome.dibao, Outcome.expenditure_type}
    assert just_enough.assessed_income_fen == 2 * s - 1
    assert just_enough.benefit_fen == 1
    assert step(just_enough, "NT21-EX-1").held is True
    assert Outcome.dibao not in not_enough.outcomes
    assert Outcome.low_income in not_enough.outcomes


def test_changjiang_pays_the_gap_on_income_before_rigid_expenditure(packs):
    s = standard(packs, "changjiang-2021")
    decision = decide(
        packs, "changjiang-2021", two_adults(incomes=(income(s),), expenditures=(rigid(s // 2),))
    )
    assert decision.benefit_fen == s
    assert "NT21-EX-1" not in decision.rules


# --- low income: NT21-LI-1 (2 × S), CJ21-LI-1 (1.5 × S) --------------------------------------


@pytest.mark.parametrize(
    ("name", "rule", "multiplier"),
    [
        ("nantong-2021", "NT21-LI-1", 2),
        ("changning-2021", "NT21-LI-1", 2),
        ("changjiang-2021", "CJ21-LI-1", Decimal("1.5")),
        ("ningxia-2021", "CJ21-LI-1", Decimal("1.5")),
        ("nantong-2017", "CJ21-LI-1", Decimal("1.5")),
    ],
)
def test_low_income_from_exactly_s_to_just_under_the_multiple(packs, name, rule, multiplier):
    s = standard(packs, name)
    assert packs[name].low_income.multiplier == multiplier
    ceiling = int(multiplier * 2 * s)
    at_s = decide(packs, name, two_adults(incomes=(income(2 * s),)))
    under = decide(packs, name, two_adults(incomes=(income(ceiling - 1),)))
    at_ceiling = decide(packs, name, two_adults(incomes=(income(ceiling),)))
    assert at_s.outcomes == {Outcome.low_income}
    assert under.outcomes == {Outcome.low_income}
    assert at_ceiling.outcomes == frozenset()
    assert step(at_s, rule).held and step(under, rule).held
    assert step(at_ceiling, rule).held is False


def test_the_trace_reads_like_the_rule(packs):
    # Nantong on 1 July 2026: S = 1,020.00; a per-capita income of 1,530.00.
    decision = decide(packs, "nantong-2021", two_adults(incomes=(income(306_000),)))
    assert step(decision, "NT21-LI-1").text() == (
        "per-capita 1,530.00 ≥ S 1,020.00 and < 2 × S 2,040.00"
    )
    assert decision.pack == "nantong-2021"
    assert decision.per_capita_income == Decimal("1530.00")


def test_low_income_needs_the_property_test(packs):
    s = standard(packs, "nantong-2021")
    limit = packs["nantong-2021"].property_test.financial_assets_months * s * 2
    decision = decide(
        packs,
        "nantong-2021",
        two_adults(incomes=(income(3 * s),), properties=(holding(limit + 1),)),
    )
    assert decision.outcomes == frozenset()


# --- expenditure type: CJ21-EX-1 ---------------------------------------------------------------


def test_expenditure_type_under_changjiang(packs):
    name = "changjiang-2021"
    s = standard(packs, name)
    disposable = packs[name].standard_on(ON[name]).disposable_income_fen
    earning = 2 * (disposable // 12) - 2  # per capita just under the local disposable income
    left_below_s = earning - 2 * s + 1  # leaves 2 × S − 1 for two people
    hardship = decide(
        packs, name, two_adults(incomes=(income(earning),), expenditures=(rigid(left_below_s),))
    )
    no_hardship = decide(
        packs, name, two_adults(incomes=(income(earning),), expenditures=(rigid(left_below_s - 1),))
    )
    assert Outcome.expenditure_type in hardship.outcomes
    assert step(hardship, "CJ21-EX-1").held is True
    assert Outcome.expenditure_type not in no_hardship.outcomes
    too_rich = decide(
        packs,
        name,
        two_adults(incomes=(income(2 * (disposable // 12) + 2),), expenditures=(rigid(10**7),)),
    )
    assert Outcome.expenditure_type not in too_rich.outcomes
    assert "≥" in step(too_rich, "CJ21-EX-1").text()


def test_expenditure_type_under_changning_uses_twice_s_as_ceiling(packs):
    name = "changning-2021"
    s = standard(packs, name)
    inside = decide(
        packs, name, two_adults(incomes=(income(4 * s - 1),), expenditures=(rigid(2 * s),))
    )
    at_ceiling = decide(
        packs, name, two_adults(incomes=(income(4 * s),), expenditures=(rigid(3 * s),))
    )
    assert Outcome.expenditure_type in inside.outcomes
    assert Outcome.expenditure_type not in at_ceiling.outcomes


# --- gradual exit: NT21-LB-3 (6 months), NT17-LB-3 (3 months, on application) -----------------


def _after_job(packs, name, per_capita, on, *, since=date(2026, 5, 1), exit_requested=False):
    prior = Prior(
        decided_on=add_months(since, -4),
        outcomes=frozenset({Outcome.dibao}),
        benefit_fen=50_000,
        member_count=1,
    )
    share = packs[name].income.employment_cost_share
    wages = int(Decimal(per_capita) / (1 - share))
    facts = household(
        incomes=(Income(since, member="a", type=IncomeType.wages, monthly_fen=wages),),
        prior=prior,
        exit_requested=exit_requested,
    )
    return classify(facts, packs[name], on)


def test_gradual_exit_keeps_the_benefit_six_months_in_nantong(packs):
    s = 102_000
    kept = _after_job(packs, "nantong-2021", s, date(2026, 10, 31))
    assert kept.outcomes == {Outcome.gradual_exit}
    assert kept.benefit_fen == 50_000
    assert kept.gradual_exit_since == date(2026, 5, 1)
    assert step(kept, "NT21-LB-3").held is True
    ended = _after_job(packs, "nantong-2021", s, date(2026, 11, 1))
    assert ended.outcomes == {Outcome.low_income}
    assert step(ended, "NT21-LB-3").held is False


def test_gradual_exit_band_stops_just_under_twice_s(packs):
    s = 102_000
    under = _after_job(packs, "nantong-2021", 2 * s - 4, date(2026, 8, 1))
    at = _after_job(packs, "nantong-2021", 2 * s, date(2026, 8, 1))
    assert Outcome.gradual_exit in under.outcomes
    assert Outcome.gradual_exit not in at.outcomes


def test_gradual_exit_needs_income_from_work(packs):
    prior = Prior(date(2026, 1, 10), frozenset({Outcome.dibao}), 50_000, 1)
    facts = household(incomes=(income(110_000, start=date(2026, 5, 1)),), prior=prior)
    decision = decide(packs, "nantong-2021", facts, date(2026, 8, 1))
    assert Outcome.gradual_exit not in decision.outcomes


def test_gradual_exit_in_2017_only_on_application_and_for_three_months(packs):
    s = 75_000
    on = date(2019, 11, 1)
    since = date(2019, 9, 1)
    asked = _after_job(packs, "nantong-2017", s, on, since=since, exit_requested=True)
    not_asked = _after_job(packs, "nantong-2017", s, on, since=since)
    later = _after_job(
        packs, "nantong-2017", s, date(2019, 12, 1), since=since, exit_requested=True
    )
    assert Outcome.gradual_exit in asked.outcomes
    assert step(asked, "NT17-LB-3").held is True
    assert Outcome.gradual_exit not in not_asked.outcomes
    assert Outcome.gradual_exit not in later.outcomes


# --- tekun: ALL-TK-1, ALL-TK-2, CJ21-TK-3 and amounts NT21-ST-2/3, NX21-ST-3, NT17-ST-2 -------


def _alone(age, name, **facts):
    facts.setdefault("supporter", Supporter.none)
    return household(member("p", age, ON[name], **facts))


def _tekun(decision):
    return [m for m in decision.members if m.outcome is Outcome.tekun]


@pytest.mark.parametrize(
    "name", ["nantong-2021", "changjiang-2021", "ningxia-2021", "changning-2021"]
)
def test_a_minor_is_covered_at_17_not_at_18(packs, name):
    seventeen = decide(packs, name, _alone(17, name))
    eighteen = decide(packs, name, _alone(18, name))
    assert _tekun(seventeen)
    assert step(seventeen, "ALL-TK-2").text() == "age 17 < 18"
    assert not _tekun(eighteen)
    assert step(eighteen, "ALL-TK-2").held is False


def test_before_2021_minors_were_covered_only_under_16(packs):
    assert _tekun(decide(packs, "nantong-2017", _alone(15, "nantong-2017")))
    assert not _tekun(decide(packs, "nantong-2017", _alone(16, "nantong-2017")))


@pytest.mark.parametrize("name", ALL_PACKS)
def test_the_elderly_are_covered_from_60(packs, name):
    assert _tekun(decide(packs, name, _alone(60, name)))
    assert not _tekun(decide(packs, name, _alone(59, name)))


@pytest.mark.parametrize("name", ALL_PACKS)
def test_tekun_needs_no_income_source_and_no_able_supporter(packs, name):
    s = standard(packs, name)
    poor = household(
        member("p", 70, ON[name], supporter=Supporter.unable), incomes=(income(s - 1, "p"),)
    )
    with_pension = household(
        member("p", 70, ON[name], supporter=Supporter.none), incomes=(income(s, "p"),)
    )
    with_children = _alone(70, name, supporter=Supporter.able)
    assert _tekun(decide(packs, name, poor))
    assert not _tekun(decide(packs, name, with_pension))
    assert not _tekun(decide(packs, name, with_children))
    assert step(decide(packs, name, with_children), "ALL-TK-1").held is False


@pytest.mark.parametrize(
    ("kind", "grade", "covered"),
    [
        (DisabilityType.intellectual, 3, True),
        (DisabilityType.mental, 3, True),
        (DisabilityType.intellectual, 4, False),
        (DisabilityType.physical, 2, True),
        (DisabilityType.physical, 3, False),
        (DisabilityType.visual, 1, True),
        (DisabilityType.visual, 2, False),
    ],
)
def test_tekun_covers_the_listed_disabilities(packs, kind, grade, covered):
    facts = _alone(40, "nantong-2021", disability_type=kind, disability_grade=grade)
    assert bool(_tekun(decide(packs, "nantong-2021", facts))) is covered


def test_changjiang_extends_tekun_to_other_lost_labour_capacity(packs):
    facts = _alone(
        40,
        "changjiang-2021",
        disability_type=DisabilityType.physical,
        disability_grade=3,
        labour_capacity=LabourCapacity.none,
    )
    extended = decide(packs, "changjiang-2021", facts)
    assert _tekun(extended)
    assert step(extended, "CJ21-TK-3").held is True
    assert "CJ21-TK-3" in _tekun(extended)[0].rules
    nantong = _alone(
        40,
        "nantong-2021",
        disability_type=DisabilityType.physical,
        disability_grade=3,
        labour_capacity=LabourCapacity.none,
    )
    assert not _tekun(decide(packs, "nantong-2021", nantong))
    able = _alone(40, "changjiang-2021", major_illness=True, labour_capacity=LabourCapacity.partial)
    assert not _tekun(decide(packs, "changjiang-2021", able))


@pytest.mark.parametrize(
    ("level", "share"),
    [(SelfCare.full_care, "0.40"), (SelfCare.half_care, "0.20"), (SelfCare.self_care, "0.10")],
)
def test_nantong_tekun_amounts_basic_and_dispersed_care(packs, level, share):
    s = 102_000
    decision = decide(packs, "nantong-2021", _alone(80, "nantong-2021", self_care=level))
    (tekun,) = _tekun(decision)
    basic = int(Decimal("1.3") * s)  # NT21-ST-2: 1,326.00
    assert tekun.monthly_fen == basic + int(Decimal(share) * s)
    assert {"NT21-ST-2", "NT21-ST-3"} <= set(tekun.rules)


@pytest.mark.parametrize(
    ("level", "share"), [(SelfCare.full_care, "0.75"), (SelfCare.half_care, "0.45")]
)
def test_ningxia_care_in_institutions_follows_the_minimum_wage(packs, level, share):
    wage = packs["ningxia-2021"].standard_on(ON["ningxia-2021"]).minimum_wage_fen
    s = standard(packs, "ningxia-2021")
    facts = _alone(80, "ningxia-2021", self_care=level, institutional_care=True)
    (tekun,) = _tekun(decide(packs, "ningxia-2021", facts))
    care = int(Decimal(share) * wage)
    assert tekun.monthly_fen == int(Decimal("1.3") * s) + care
    assert "NX21-ST-3" in tekun.rules
    at_home = _alone(80, "ningxia-2021", self_care=level)
    (tekun,) = _tekun(decide(packs, "ningxia-2021", at_home))
    assert "NX21-ST-3" not in tekun.rules


def test_rural_tekun_in_2017_gets_45_percent_of_rural_disposable_income(packs):
    annual = packs["nantong-2017"].standard_on(ON["nantong-2017"]).rural_disposable_income_fen
    facts = household(
        member("p", 70, ON["nantong-2017"], supporter=Supporter.none), setting=Setting.rural
    )
    (tekun,) = _tekun(decide(packs, "nantong-2017", facts))
    assert tekun.monthly_fen == -(-annual * 45 // (100 * 12))  # rounded up to the fen
    assert "NT17-ST-2" in tekun.rules


# --- individual inclusion: NT21-LB-2, NT17-LB-2 -----------------------------------------------


def _low_income_with(packs, name, age=40, **facts):
    """A two-person low-income household whose second member may apply alone."""
    s = standard(packs, name)
    facts.setdefault("applies_individually", True)
    person = member("p", age, ON[name], **facts)
    return household(member("a", on=ON[name]), person, incomes=(income(2 * s + s // 2),))


def _included(decision):
    return [m for m in decision.members if m.outcome is Outcome.individual_inclusion]


@pytest.mark.parametrize(
    ("facts", "included"),
    [
        ({"disability_type": DisabilityType.physical, "disability_grade": 2}, True),
        ({"disability_type": DisabilityType.physical, "disability_grade": 3}, False),
        ({"disability_type": DisabilityType.mental, "disability_grade": 3}, True),
        ({"disability_type": DisabilityType.intellectual, "disability_grade": 4}, False),
        ({"major_illness": True}, True),
        ({"major_illness": True, "applies_individually": False}, False),
    ],
)
def test_nantong_individual_inclusion(packs, facts, included):
    decision = decide(packs, "nantong-2021", _low_income_with(packs, "nantong-2021", **facts))
    assert decision.outcomes == {Outcome.low_income}
    assert bool(_included(decision)) is included
    if included:
        assert _included(decision)[0].monthly_fen == standard(packs, "nantong-2021")


def test_individual_inclusion_needs_own_income_below_s(packs):
    s = standard(packs, "nantong-2021")
    person = member(
        "p",
        40,
        disability_type=DisabilityType.physical,
        disability_grade=1,
        applies_individually=True,
    )
    facts = household(member("a"), person, incomes=(income(2 * s), income(s, "p")))
    assert not _included(decide(packs, "nantong-2021", facts))


@pytest.mark.parametrize(
    ("age", "facts", "included"),
    [
        (30, {"employment": EmploymentStatus.unemployed}, True),
        (17, {"employment": EmploymentStatus.unemployed}, False),
        (30, {"employment": EmploymentStatus.employed}, False),
    ],
)
def test_2017_individual_inclusion_adult_unemployed_severely_disabled(packs, age, facts, included):
    household_facts = _low_income_with(
        packs,
        "nantong-2017",
        age,
        disability_type=DisabilityType.visual,
        disability_grade=2,
        **facts,
    )
    decision = decide(packs, "nantong-2017", household_facts)
    assert bool(_included(decision)) is included
    assert "NT17-LB-2" in decision.rules


def test_2017_individual_inclusion_does_not_cover_illness(packs):
    facts = _low_income_with(
        packs, "nantong-2017", employment=EmploymentStatus.unemployed, major_illness=True
    )
    assert not _included(decide(packs, "nantong-2017", facts))


def test_changjiang_includes_members_of_expenditure_type_households(packs):
    name = "changjiang-2021"
    s = standard(packs, name)
    person = member("p", 40, ON[name], major_illness=True, applies_individually=True)
    facts = household(
        member("a", on=ON[name]), person, incomes=(income(2 * s),), expenditures=(rigid(s),)
    )
    decision = decide(packs, name, facts)
    assert Outcome.expenditure_type in decision.outcomes
    assert _included(decision)


# --- emergency: ALL-EM-1 ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PACKS)
def test_sudden_hardship_is_an_emergency_whatever_the_income(packs, name):
    s = standard(packs, name)
    decision = decide(packs, name, household(incomes=(income(10 * s),), emergency=True))
    assert decision.outcomes == {Outcome.emergency}
    assert step(decision, "ALL-EM-1").held is True


# --- medical entitlements: NT17-MED-1, NT21-MED-1 ----------------------------------------------


def test_medical_assistance_for_low_income_members_from_80(packs):
    name = "nantong-2021"
    s = standard(packs, name)
    for age, expected in ((80, True), (79, False)):
        facts = household(member("a", age), incomes=(income(s),))
        decision = decide(packs, name, facts)
        assert decision.outcomes == {Outcome.low_income}
        found = [e for e in decision.entitlements if e.rule == "NT17-MED-1"]
        assert bool(found) is expected


def test_in_county_self_pay_cap_for_dibao_members(packs):
    decision = decide(packs, "nantong-2021", two_adults())
    assert {e.member for e in decision.entitlements if e.rule == "NT21-MED-1"} == {"a", "b"}


# --- review cycles: ALL-RV-1, ALL-RV-2, NX21-RV-3, CN21-RV-4, CN21-RV-5, ALL-RV-6 -------------


@pytest.mark.parametrize("name", ["nantong-2021", "ningxia-2021", "changning-2021"])
def test_dibao_reviews_yearly_when_stable_and_half_yearly_with_unstable_work(packs, name):
    stable = decide(packs, name, household(member("a", employment=EmploymentStatus.employed)))
    unstable = decide(packs, name, household(member("a", employment=EmploymentStatus.flexible)))
    assert (stable.review_months, step(stable, "ALL-RV-1").held) == (12, True)
    assert (unstable.review_months, step(unstable, "ALL-RV-2").held) == (6, True)
    assert unstable.next_review == add_months(ON[name], 6)


def test_unstable_work_of_a_member_unable_to_work_does_not_shorten_the_cycle(packs):
    facts = household(
        member("a", labour_capacity=LabourCapacity.none, employment=EmploymentStatus.unemployed)
    )
    assert decide(packs, "nantong-2021", facts).review_months == 12


def test_tekun_reviews_yearly(packs):
    decision = decide(packs, "nantong-2021", _alone(80, "nantong-2021"))
    assert decision.review_months == 12
    assert "ALL-RV-1" in decision.rules


def test_changning_reviews_low_income_households_quarterly(packs):
    s = standard(packs, "changning-2021")
    decision = decide(packs, "changning-2021", household(incomes=(income(s),)))
    assert decision.outcomes == {Outcome.low_income}
    assert decision.review_months == 3
    assert step(decision, "CN21-RV-4").held


def test_changning_reviews_severely_disabled_without_work_yearly(packs):
    facts = household(
        member(
            "a",
            disability_type=DisabilityType.hearing,
            disability_grade=2,
            employment=EmploymentStatus.not_in_labour_force,
        ),
        emergency=True,
    )
    decision = decide(packs, "changning-2021", facts)
    assert decision.review_months == 12
    assert step(decision, "CN21-RV-5").held


def test_ningxia_reviews_seriously_ill_yearly(packs):
    facts = household(
        member("a", major_illness=True, employment=EmploymentStatus.employed), emergency=True
    )
    decision = decide(packs, "ningxia-2021", facts)
    assert step(decision, "NX21-RV-3").held
    assert decision.review_months == 12


def test_households_no_cycle_names_use_the_local_default(packs):
    s = standard(packs, "nantong-2021")
    decision = decide(packs, "nantong-2021", household(incomes=(income(s),)))
    assert decision.review_months == 12
    assert "local:reviews.default_months" in decision.rules
    assert decide(packs, "nantong-2021", household(incomes=(income(3 * s),))).next_review is None


@pytest.mark.parametrize("name", ["nantong-2021", "ningxia-2021"])
def test_no_material_change_keeps_the_assistance_level(packs, name):
    s = standard(packs, name)
    allowed = int(packs[name].reviews.material_change_share * s)
    prior_benefit = 40_000

    def review(benefit_change):
        prior = Prior(date(2026, 1, 1), frozenset({Outcome.dibao}), prior_benefit, 1)
        facts = household(incomes=(income(s - prior_benefit - benefit_change),), prior=prior)
        return decide(packs, name, facts)

    small = review(allowed)
    large = review(allowed + 1)
    assert small.benefit_fen == prior_benefit
    assert step(small, "ALL-RV-6").held
    assert large.benefit_fen == prior_benefit + allowed + 1


def test_changning_has_no_unchanged_level_rule(packs):
    s = standard(packs, "changning-2021")
    prior = Prior(date(2026, 1, 1), frozenset({Outcome.dibao}), 40_000, 1)
    decision = decide(
        packs, "changning-2021", household(incomes=(income(s - 40_100),), prior=prior)
    )
    assert decision.benefit_fen == 40_100


def test_age_is_counted_on_the_decision_day(packs):
    on = ON["nantong-2021"]
    eighteen_tomorrow = Member(
        "p", born_aged(18, on).replace(day=on.day + 1), supporter=Supporter.none
    )
    assert _tekun(decide(packs, "nantong-2021", household(eighteen_tomorrow)))
    assert not _tekun(
        decide(packs, "nantong-2021", household(eighteen_tomorrow), add_months(on, 1))
    )


def test_the_trace_reads_in_chinese(app, packs):
    from flask_babel import force_locale, gettext

    decision = decide(
        packs, "nantong-2021", _alone(80, "nantong-2021", self_care=SelfCare.full_care)
    )
    with app.test_request_context(), force_locale("zh"):
        texts = [s.text(gettext) for s in decision.steps if s.member == "p"]
        review = step(decision, "ALL-RV-1").text(gettext)
    assert texts[0] == "老年人；本人收入 0.00 < 低保标准 1,020.00；无法定义务人"
    assert "照料护理标准 408.00（低保标准 1,020.00 的 40%，全护理）" in texts
    assert review == "每 12 个月核查一次（经济状况变化不大的低保家庭、特困人员）"
