"""The classification engine: a household's facts, a pack and a date in; a decision out.

Pure: no database, no request. Every comparison is made in exact integer fen (a
per-capita figure is compared as ``total < S × members``, so "exactly S" is exact),
and every step records the rule it applied and the numbers it compared, so that a
caseworker can read why ("NT21-LI-1: per-capita 1,530.00 ≥ S 1,020.00 and
< 2 × S 2,040.00").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from aidbridge.clock import add_months
from aidbridge.i18n import N_
from aidbridge.money import FEN_PER_YUAN
from aidbridge.policy.facts import HouseholdFacts, Member, Outcome
from aidbridge.policy.pack import DisabilityClause, Pack
from aidbridge.vocab import (
    WORK_INCOME,
    EmploymentStatus,
    IncomeType,
    LabourCapacity,
    PropertyType,
    SelfCare,
    Supporter,
)

# The civil-law age of majority (民法典 §17), not a policy parameter.
ADULT_AGE = 18
FINANCIAL_ASSETS = frozenset({PropertyType.deposit, PropertyType.securities})
UNSTABLE_WORK = frozenset({EmploymentStatus.flexible, EmploymentStatus.unemployed})
# Between the words of a list, as the language writes it (、 in Chinese).
LIST_SEPARATOR = N_(", ")
# How codes read in a trace (translated where the trace is shown).
WORDS: dict[str, str] = {
    IncomeType.wages: N_("wages"),
    IncomeType.business: N_("business income"),
    IncomeType.property: N_("property income"),
    IncomeType.transfer: N_("transfer income"),
    IncomeType.pension: N_("pension"),
    IncomeType.rural_basic_pension: N_("rural basic pension"),
    Supporter.able: N_("a legal supporter able to support"),
    Supporter.unable: N_("legal supporter unable to support"),
    Supporter.none: N_("no legal supporter"),
    SelfCare.full_care: N_("full care"),
    SelfCare.half_care: N_("half care"),
    SelfCare.self_care: N_("self-care"),
    "elderly": N_("elderly"),
    "minor": N_("minor"),
    "disabled": N_("disabled"),
    "labour_capacity_lost": N_("labour capacity lost"),
    "dibao_standard": N_("the dibao standard"),
    "minimum_wage": N_("last year's minimum monthly wage"),
    "rural_disposable_income": N_("last year's rural per-capita disposable income"),
    "tekun": N_("tekun person"),
    "dibao_stable": N_("dibao household whose situation changes little"),
    "dibao_unstable": N_("dibao household with unstable income and members able to work"),
    "seriously_ill_or_severely_disabled": N_("seriously ill or severely disabled member"),
    "low_income": N_("low-income household"),
    "expenditure_type": N_("expenditure-type household"),
    "severely_disabled_without_work": N_("severely disabled member without work"),
}
# Steps that apply a local setting rather than a rule cite the setting's path.
LOCAL_DEFAULT_REVIEW = "local:reviews.default_months"


@dataclass(frozen=True)
class Step:
    """One rule applied: ``held`` is whether its condition was met (None: a computation)."""

    rule: str
    held: bool | None
    message: str
    # Numbers as they read ("1,530.00"), or words from WORDS; a tuple lists several words.
    params: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    member: str | None = None

    def text(self, translate=lambda message: message) -> str:
        """The step in words; ``translate`` (gettext) renders the message and the words."""
        params = {
            name: translate(LIST_SEPARATOR).join(translate(w) for w in value)
            if isinstance(value, tuple | list)
            else translate(value)
            for name, value in self.params.items()
        }
        return translate(self.message) % params

    def record(self) -> dict:
        """The step as kept with a decision or an assessment (JSON; message untranslated)."""
        return {
            "rule": self.rule,
            "held": self.held,
            "message": self.message,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()},
            "member": self.member,
        }


@dataclass(frozen=True)
class MemberOutcome:
    member: str
    outcome: Outcome
    monthly_fen: int
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Entitlement:
    """A special-assistance entitlement that follows from the decision (e.g. medical)."""

    member: str
    rule: str
    message: str
    params: dict[str, str]


@dataclass(frozen=True)
class Decision:
    pack: str
    decided_on: date
    standard_fen: int
    member_count: int
    counted_income_fen: int
    assessed_income_fen: int
    outcomes: frozenset[Outcome]
    benefit_fen: int
    members: tuple[MemberOutcome, ...]
    entitlements: tuple[Entitlement, ...]
    review_months: int | None
    next_review: date | None
    gradual_exit_since: date | None
    steps: tuple[Step, ...]

    @property
    def per_capita_income(self) -> Decimal:
        return _per_capita(self.assessed_income_fen, self.member_count)

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule the decision applied (held or not), in order, once each."""
        return tuple(dict.fromkeys(step.rule for step in self.steps))


def _yuan(fen: int | Decimal) -> str:
    return f"{(Decimal(fen) / FEN_PER_YUAN).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def _per_capita(total_fen: int, members: int) -> Decimal:
    """Per-capita yuan, rounded down: 1,629.995 shows as 1,629.99, so that a trace
    never reads "1,630.00 < S 1,630.00" (the comparison itself is exact)."""
    return (Decimal(total_fen) / members / FEN_PER_YUAN).quantize(Decimal("0.01"), ROUND_FLOOR)


def _pc(total_fen: int, members: int) -> str:
    return f"{_per_capita(total_fen, members):,}"


def _ceil_fen(amount: Decimal) -> int:
    """Amounts a rule sets as a floor ("不低于") round up to the fen."""
    return math.ceil(amount)


def _severe(member: Member, grade: int) -> bool:
    """重度残疾: a disability of ``grade`` or more severe (grade 1 is the most severe)."""
    return member.disability_grade is not None and member.disability_grade <= grade


def _disabled(member: Member, clauses: tuple[DisabilityClause, ...]) -> bool:
    return any(member.has_disability(c.types, c.max_grade) for c in clauses)


class _Classifier:
    def __init__(self, facts: HouseholdFacts, pack: Pack, on: date):
        self.facts, self.pack, self.on = facts, pack, on
        self.steps: list[Step] = []
        self.standard = pack.standard_on(on)
        self.s = self.standard.dibao(facts.setting)
        self.n = len(facts.members)
        self.outcomes: set[Outcome] = set()
        self.benefit = 0
        self.gradual_exit_since: date | None = None
        self.member_outcomes: list[MemberOutcome] = []

    def step(self, rule, held, message, member=None, **params):
        params = {k: v if isinstance(v, tuple) else str(v) for k, v in params.items()}
        self.steps.append(Step(rule, held, message, params, member))

    # --- income ------------------------------------------------------------------------------

    def income(self) -> None:
        """Counted income, household and per member: exemptions left out, employment
        costs deducted item by item (so the members' incomes add up to the household's)."""
        rules = self.pack.income
        exempt = {e.type: e.rule for e in rules.exempt}
        share = rules.employment_cost_share if rules.deduction_rule else Decimal(0)
        self.member_income: dict[str, int] = {m.key: 0 for m in self.facts.members}
        gross = work = deduction = 0
        for item in self.facts.incomes:
            if not item.holds_on(self.on):
                continue
            if item.type.value in exempt:
                self.step(
                    exempt[item.type.value],
                    None,
                    N_("%(type)s of %(amount)s not counted as income"),
                    item.member or None,
                    type=WORDS[item.type],
                    amount=_yuan(item.monthly_fen),
                )
                continue
            counted = item.monthly_fen
            if item.type in WORK_INCOME:
                work += item.monthly_fen
                cost = _ceil_fen(share * item.monthly_fen)
                deduction += cost
                counted -= cost
            gross += item.monthly_fen
            if item.member in self.member_income:
                self.member_income[item.member] += counted
        self.work_income = work
        if deduction:
            self.step(
                rules.deduction_rule,
                None,
                N_(
                    "employment costs of %(deduction)s (%(share)s of work income %(work)s) deducted"
                ),
                deduction=_yuan(deduction),
                share=f"{share:.0%}",
                work=_yuan(work),
            )
        self.counted = gross - deduction
        self.rigid = sum(e.monthly_fen for e in self.facts.expenditures if e.holds_on(self.on))
        self.assessed = self.counted
        if rules.rigid_expenditure_rule and self.rigid:
            self.assessed = max(self.counted - self.rigid, 0)
            self.step(
                rules.rigid_expenditure_rule,
                None,
                N_("rigid expenditure of %(rigid)s deducted: income %(before)s → %(after)s"),
                rigid=_yuan(self.rigid),
                before=_yuan(self.counted),
                after=_yuan(self.assessed),
            )

    # --- property ----------------------------------------------------------------------------

    def property_test(self) -> bool:
        test = self.pack.property_test
        held = [p for p in self.facts.properties if p.holds_on(self.on)]
        financial = sum(p.value_fen for p in held if p.type in FINANCIAL_ASSETS)
        vehicles = sum(1 for p in held if p.type is PropertyType.vehicle)
        dwellings = sum(1 for p in held if p.type is PropertyType.real_estate)
        limit = test.financial_assets_months * self.s * self.n
        passes = financial <= limit and vehicles <= test.max_vehicles
        passes = passes and dwellings <= test.max_dwellings
        self.step(
            test.rule,
            passes,
            N_(
                "property test: deposits and securities %(financial)s (limit %(limit)s = "
                "%(months)s months of S per member), %(vehicles)s vehicles (at most %(max_v)s), "
                "%(dwellings)s dwellings (at most %(max_d)s)"
            ),
            financial=_yuan(financial),
            limit=_yuan(limit),
            months=test.financial_assets_months,
            vehicles=vehicles,
            max_v=test.max_vehicles,
            dwellings=dwellings,
            max_d=test.max_dwellings,
        )
        return passes

    # --- household categories ----------------------------------------------------------------

    def dibao(self, property_ok: bool) -> None:
        rule = self.pack.dibao.rule
        line = self.s * self.n
        per_capita, standard = _pc(self.assessed, self.n), _yuan(self.s)
        if self.assessed < line and property_ok:
            self.outcomes.add(Outcome.dibao)
            self.benefit = line - self.assessed
            self.step(rule, True, N_("per-capita %(pc)s < S %(s)s"), pc=per_capita, s=standard)
            self.step(
                self.pack.dibao.benefit_rule,
                None,
                N_("benefit = (S %(s)s − per-capita %(pc)s) × %(n)s members = %(benefit)s"),
                s=standard,
                pc=per_capita,
                n=self.n,
                benefit=_yuan(self.benefit),
            )
        elif self.assessed < line:
            self.step(
                rule,
                False,
                N_("per-capita %(pc)s < S %(s)s but the property test fails"),
                pc=per_capita,
                s=standard,
            )
        else:
            self.step(rule, False, N_("per-capita %(pc)s ≥ S %(s)s"), pc=per_capita, s=standard)

    def gradual_exit(self) -> bool:
        """NT21-LB-3 / NT17-LB-3: income rose through work into the band; benefit kept."""
        rule, prior = self.pack.gradual_exit, self.facts.prior
        if rule is None or prior is None or Outcome.dibao in self.outcomes:
            return False
        if not prior.outcomes & {Outcome.dibao, Outcome.gradual_exit}:
            return False
        line = self.s * self.n
        band = rule.band_multiplier * line
        params = {
            "pc": _pc(self.assessed, self.n),
            "s": _yuan(self.s),
            "m": f"{rule.band_multiplier.normalize()}",
            "band": _yuan(rule.band_multiplier * self.s),
        }
        if not (line <= self.assessed < band):
            self.step(
                rule.rule,
                False,
                N_("per-capita %(pc)s outside [S %(s)s; %(m)s × S %(band)s)"),
                **params,
            )
            return False
        if not self.work_income:
            self.step(rule.rule, False, N_("income did not rise through work"), **params)
            return False
        if rule.on_application and not self.facts.exit_requested:
            self.step(
                rule.rule, False, N_("kept only when the household asks to leave dibao"), **params
            )
            return False
        since = prior.gradual_exit_since or max(self._work_income_since(), prior.decided_on)
        until = add_months(since, rule.months)
        params.update(since=since.isoformat(), until=until.isoformat(), months=rule.months)
        if self.on >= until:
            self.step(
                rule.rule,
                False,
                N_("the %(months)s months from %(since)s ended on %(until)s"),
                **params,
            )
            return False
        self.outcomes.add(Outcome.gradual_exit)
        self.benefit = prior.benefit_fen
        self.gradual_exit_since = since
        self.step(
            rule.rule,
            True,
            N_(
                "per-capita %(pc)s in [S %(s)s; %(m)s × S %(band)s) through work: benefit "
                "%(benefit)s kept for %(months)s months from %(since)s, until %(until)s"
            ),
            benefit=_yuan(prior.benefit_fen),
            **params,
        )
        return True

    def _work_income_since(self) -> date:
        starts = [
            i.start for i in self.facts.incomes if i.holds_on(self.on) and i.type in WORK_INCOME
        ]
        return max(starts)

    def low_income(self, property_ok: bool) -> None:
        rule = self.pack.low_income
        line = self.s * self.n
        ceiling = rule.multiplier * line
        params = {
            "pc": _pc(self.assessed, self.n),
            "s": _yuan(self.s),
            "m": f"{rule.multiplier.normalize()}",
            "ceiling": _yuan(rule.multiplier * self.s),
        }
        held = line <= self.assessed < ceiling and property_ok
        if held:
            self.outcomes.add(Outcome.low_income)
            message = N_("per-capita %(pc)s ≥ S %(s)s and < %(m)s × S %(ceiling)s")
        elif self.assessed >= ceiling:
            message = N_("per-capita %(pc)s ≥ %(m)s × S %(ceiling)s")
        else:
            message = N_("per-capita %(pc)s < %(m)s × S %(ceiling)s but the property test fails")
        self.step(rule.rule, held, message, **params)

    def expenditure_type(self, property_ok: bool) -> None:
        deducted = self.pack.income.rigid_expenditure_rule
        if deducted and self.rigid and self.outcomes & {Outcome.dibao, Outcome.low_income}:
            # The deduction decided it when the income before it would not have qualified.
            ceiling = (
                self.s * self.n
                if Outcome.dibao in self.outcomes
                else self.pack.low_income.multiplier * self.s * self.n
            )
            if self.counted >= ceiling:
                self.outcomes.add(Outcome.expenditure_type)
                self.step(
                    deducted,
                    True,
                    N_("qualifies only after rigid expenditure of %(rigid)s: expenditure-type"),
                    rigid=_yuan(self.rigid),
                )
        rule = self.pack.expenditure_type
        if rule is None or Outcome.dibao in self.outcomes:
            return
        if rule.ceiling_base == "standard":
            ceiling = rule.ceiling_multiplier * self.s
        else:
            # Every standard of the pack carries it (checked when the pack is read).
            annual = self.standard.disposable_income_fen
            ceiling = rule.ceiling_multiplier * Decimal(annual) / 12
        remaining = self.counted - self.rigid
        params = {
            "pc": _pc(self.counted, self.n),
            "ceiling": _yuan(ceiling),
            "rigid": _yuan(self.rigid),
            "left": _pc(remaining, self.n),
            "s": _yuan(self.s),
        }
        below = self.counted < ceiling * self.n
        hardship = self.rigid > 0 and remaining < self.s * self.n
        held = below and hardship and property_ok
        if held:
            self.outcomes.add(Outcome.expenditure_type)
            message = N_(
                "per-capita %(pc)s < %(ceiling)s and after rigid expenditure %(rigid)s "
                "%(left)s per person is left, < S %(s)s"
            )
        elif not below:
            message = N_("per-capita %(pc)s ≥ %(ceiling)s")
        elif not hardship:
            message = N_(
                "after rigid expenditure %(rigid)s, %(left)s per person is left, ≥ S %(s)s"
            )
        else:
            message = N_("rigid expenditure causes hardship but the property test fails")
        self.step(rule.rule, held, message, **params)

    def emergency(self) -> None:
        if self.facts.emergency:
            self.outcomes.add(Outcome.emergency)
            self.step(
                self.pack.emergency_rule,
                True,
                N_("sudden hardship reported: temporary assistance where it happens"),
            )

    def review_unchanged(self) -> None:
        """ALL-RV-6: no material change within the cycle → the assistance level stays."""
        reviews, prior = self.pack.reviews, self.facts.prior
        if not (reviews.unchanged_rule and prior and Outcome.dibao in self.outcomes):
            return
        if Outcome.dibao not in prior.outcomes or prior.member_count != self.n:
            return
        change = abs(self.benefit - prior.benefit_fen)
        allowed = reviews.material_change_share * self.s
        if change and change <= allowed:
            self.step(
                reviews.unchanged_rule,
                True,
                N_("benefit change of %(change)s is within %(allowed)s: %(kept)s kept"),
                change=_yuan(change),
                allowed=_yuan(allowed),
                kept=_yuan(prior.benefit_fen),
            )
            self.benefit = prior.benefit_fen

    # --- members -----------------------------------------------------------------------------

    def tekun(self, member: Member) -> None:
        t = self.pack.tekun
        age = member.age_on(self.on)
        elderly = age >= t.elderly_age
        minor = age < t.minor_age_limit
        listed = _disabled(member, t.disability)
        key = member.key
        if age <= max(ADULT_AGE - 1, t.minor_age_limit):
            self.step(
                t.minor_age_rule,
                minor,
                N_("age %(age)s < %(limit)s") if minor else N_("age %(age)s ≥ %(limit)s"),
                key,
                age=age,
                limit=t.minor_age_limit,
            )
        group_rule = t.rule
        if not (elderly or minor or listed):
            extended = (
                t.extension_rule
                and member.labour_capacity is LabourCapacity.none
                and (member.major_illness or member.disability_type is not None)
            )
            if not extended:
                return
            group_rule = t.extension_rule
            self.step(
                group_rule, True, N_("fully lost labour capacity from illness or disability"), key
            )
        income = self.member_income.get(key, 0)
        no_income = income < self.s
        no_supporter = member.supporter in (Supporter.none, Supporter.unable)
        held = no_income and no_supporter
        self.step(
            t.rule,
            held,
            N_("%(group)s; own income %(income)s %(cmp)s S %(s)s; %(supporter)s"),
            key,
            group=tuple(
                WORDS[g]
                for g, on in (("elderly", elderly), ("minor", minor), ("disabled", listed))
                if on
            )
            or (WORDS["labour_capacity_lost"],),
            income=_yuan(income),
            cmp="<" if no_income else "≥",
            s=_yuan(self.s),
            supporter=WORDS[member.supporter],
        )
        if not held:
            return
        rules = [group_rule, t.rule]
        basic, basic_rule = self._tekun_basic()
        rules.append(basic_rule)
        care, care_rule = self._tekun_care(member)
        if care_rule:
            rules.append(care_rule)
        self.member_outcomes.append(
            MemberOutcome(key, Outcome.tekun, basic + care, tuple(dict.fromkeys(rules)))
        )

    def _tekun_basic(self) -> tuple[int, str]:
        floors = []
        for floor in self.pack.tekun.basic:
            if floor.setting not in ("any", self.facts.setting.value):
                continue
            if floor.base == "dibao_standard":
                amount = _ceil_fen(floor.multiplier * self.s)
            else:
                # Every standard of the pack carries it (checked when the pack is read).
                annual = self.standard.rural_disposable_income_fen
                amount = _ceil_fen(floor.multiplier * Decimal(annual) / 12)
            floors.append((amount, floor))
        amount, floor = max(floors, key=lambda pair: pair[0])
        self.step(
            floor.rule,
            None,
            N_("basic living support %(amount)s (%(m)s × %(base)s)"),
            amount=_yuan(amount),
            m=f"{floor.multiplier.normalize()}",
            base=WORDS[floor.base],
        )
        return amount, floor.rule

    def _tekun_care(self, member: Member) -> tuple[int, str | None]:
        support = "institutional" if member.institutional_care else "dispersed"
        for care in self.pack.tekun.care:
            share = care.shares.get(member.self_care.value)
            if care.support != support or share is None:
                continue
            # Every standard of the pack carries the minimum wage (checked when it is read).
            base = self.s if care.base == "dibao_standard" else self.standard.minimum_wage_fen
            amount = _ceil_fen(share * base)
            self.step(
                care.rule,
                None,
                N_("care support %(amount)s (%(share)s of %(base)s %(base_amount)s, %(level)s)"),
                member.key,
                amount=_yuan(amount),
                share=f"{share:.0%}",
                base=WORDS[care.base],
                base_amount=_yuan(base),
                level=WORDS[member.self_care],
            )
            return amount, care.rule
        return 0, None

    def individual_inclusion(self, member: Member) -> None:
        rule = self.pack.individual_inclusion
        if rule is None or not (self.outcomes & rule.household_outcomes):
            return
        if not member.applies_individually:
            return
        age = member.age_on(self.on)
        condition = _disabled(member, rule.disability) or (
            rule.major_illness and member.major_illness
        )
        reasons = []
        if not condition:
            reasons.append(N_("not included alone: no qualifying disability or illness"))
        if rule.adult_only and age < ADULT_AGE:
            reasons.append(N_("not included alone: not an adult"))
        if rule.unemployed_only and member.employment is EmploymentStatus.employed:
            reasons.append(N_("not included alone: employed"))
        income = self.member_income.get(member.key, 0)
        if income >= self.s:
            reasons.append(N_("not included alone: own income %(income)s ≥ S %(s)s"))
        for reason in reasons:
            self.step(rule.rule, False, reason, member.key, income=_yuan(income), s=_yuan(self.s))
        if reasons:
            return
        benefit = self.s - income
        self.step(
            rule.rule,
            True,
            N_("enters dibao alone: benefit S %(s)s − own income %(income)s = %(benefit)s"),
            member.key,
            s=_yuan(self.s),
            income=_yuan(income),
            benefit=_yuan(benefit),
        )
        self.member_outcomes.append(
            MemberOutcome(member.key, Outcome.individual_inclusion, benefit, (rule.rule,))
        )

    def medical(self) -> list[Entitlement]:
        found = []
        for rule in self.pack.medical:
            for member in self.facts.members:
                own = {m.outcome for m in self.member_outcomes if m.member == member.key}
                if not (self.outcomes | own) & rule.outcomes:
                    continue
                age = member.age_on(self.on)
                conditional = rule.min_age is not None or rule.minors or rule.major_illness
                conditional = conditional or bool(rule.disability)
                meets = not conditional or any(
                    (
                        rule.min_age is not None and age >= rule.min_age,
                        rule.minors and age < ADULT_AGE,
                        rule.major_illness and member.major_illness,
                        _disabled(member, rule.disability),
                    )
                )
                if not meets:
                    continue
                if rule.assistance_share is not None:
                    message = N_("medical assistance ≥ %(share)s of in-scope self-pay")
                    share = rule.assistance_share
                else:
                    message = N_("in-county hospital self-pay ≤ %(share)s")
                    share = rule.self_pay_cap_share
                params = {"share": f"{share:.0%}"}
                found.append(Entitlement(member.key, rule.rule, message, params))
                self.step(rule.rule, True, message, member.key, **params)
        return found

    # --- review cycle ------------------------------------------------------------------------

    def review(self) -> tuple[int | None, date | None]:
        reviews = self.pack.reviews
        outcomes = self.outcomes | {m.outcome for m in self.member_outcomes}
        if not outcomes:
            return None, None
        severe = reviews.severe_disability_grade
        members = self.facts.members
        dibao = bool(self.outcomes & {Outcome.dibao, Outcome.gradual_exit})
        unstable = any(
            m.labour_capacity is not LabourCapacity.none and m.employment in UNSTABLE_WORK
            for m in members
        )
        conditions = {
            "tekun": Outcome.tekun in outcomes,
            "dibao_stable": dibao and not unstable,
            "dibao_unstable": dibao and unstable,
            "seriously_ill_or_severely_disabled": any(
                m.major_illness or _severe(m, severe) for m in members
            ),
            "low_income": Outcome.low_income in outcomes,
            "expenditure_type": Outcome.expenditure_type in outcomes,
            "severely_disabled_without_work": any(
                _severe(m, severe) and m.employment is not EmploymentStatus.employed
                for m in members
            ),
        }
        applicable = [c for c in reviews.cycles if any(conditions[w] for w in c.when)]
        for cycle in applicable:
            self.step(
                cycle.rule,
                True,
                N_("review every %(months)s months (%(why)s)"),
                months=cycle.months,
                why=tuple(WORDS[w] for w in sorted(cycle.when) if conditions[w]),
            )
        if applicable:
            # The shortest cycle that applies sets the date.
            months = min(c.months for c in applicable)
        else:
            months = reviews.default_months
            self.step(
                LOCAL_DEFAULT_REVIEW,
                None,
                N_("review every %(months)s months (local setting)"),
                months=months,
            )
        return months, add_months(self.on, months)

    # --- the whole decision ------------------------------------------------------------------

    def run(self) -> Decision:
        if not self.n:
            raise ValueError("a household needs at least one member")
        self.income()
        property_ok = self.property_test()
        self.dibao(property_ok)
        if Outcome.dibao not in self.outcomes and not self.gradual_exit():
            self.low_income(property_ok)
        self.expenditure_type(property_ok)
        self.review_unchanged()
        self.emergency()
        for member in self.facts.members:
            self.tekun(member)
            self.individual_inclusion(member)
        entitlements = self.medical()
        months, next_review = self.review()
        return Decision(
            pack=self.pack.name,
            decided_on=self.on,
            standard_fen=self.s,
            member_count=self.n,
            counted_income_fen=self.counted,
            assessed_income_fen=self.assessed,
            outcomes=frozenset(self.outcomes),
            benefit_fen=self.benefit,
            members=tuple(self.member_outcomes),
            entitlements=tuple(entitlements),
            review_months=months,
            next_review=next_review,
            gradual_exit_since=self.gradual_exit_since,
            steps=tuple(self.steps),
        )


def classify(facts: HouseholdFacts, pack: Pack, on: date) -> Decision:
    """Decide the household's categories on ``on`` under ``pack``."""
    return _Classifier(facts, pack, on).run()
