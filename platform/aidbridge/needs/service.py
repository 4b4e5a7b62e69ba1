"""Assessing a household's needs and keeping its open need items (CN21-AS-1).

The engine proposes from the facts; the assessor's confirmed assessment is kept as a
new version, and the household's need items follow it: a need assessed again stays
the same item (its referrals and history stay with it), a new one is opened, and an
open one the assessment no longer confirms is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from aidbridge.accounts.models import Tenant
from aidbridge.accounts.permissions import Permission
from aidbridge.areas.models import Area
from aidbridge.areas.service import within
from aidbridge.audit import service as audit
from aidbridge.clock import local_today
from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.households import service as households
from aidbridge.households.models import Household
from aidbridge.i18n import N_
from aidbridge.needs import engine
from aidbridge.needs.models import (
    NEED_FIELDS,
    AssessedNeed,
    Assessment,
    DimensionRating,
    Need,
    NeedStatus,
)
from aidbridge.notifications import service as notifications
from aidbridge.policy.service import pack_in_force
from aidbridge.pool.taxonomy import check_subcategory
from aidbridge.vocab import NeedDimension, Severity, Urgency

# --- what the facts suggest ------------------------------------------------------------------


def proposal(household: Household, on: date | None) -> dict:
    """The needs, ratings and grade the engine proposes for ``on`` (default today)."""
    on = on or local_today()
    version, pack = pack_in_force(household.jurisdiction, on, "on")
    proposed = engine.propose(households.facts_of(household, None), pack, on)
    ratings = engine.ratings_of(proposed)
    grading = _grade(household, ratings, pack, on)
    return {
        "on": on,
        "pack": version.name,
        "ratings": [{"dimension": d, **vars(r), "note": ""} for d, r in ratings.items()],
        "needs": proposed,
        "grade": grading.grade,
        "points": grading.points,
        "grade_steps": [step.record() for step in grading.steps],
    }


def _grade(household: Household, ratings, pack, on: date) -> engine.Grading:
    born = [m.birth_date for m in household.members if m.birth_date is not None]
    return engine.grade(ratings, household.outcomes, born, pack, on)


# --- assessing -------------------------------------------------------------------------------


@dataclass
class AssessmentDetail:
    """An assessment with the needs it confirmed and its change per dimension since the
    previous version (what the API and the page show)."""

    assessment: Assessment
    needs: list[AssessedNeed]
    changes: list[dict]

    def __getattr__(self, name: str):
        return getattr(self.assessment, name)


def assess(household: Household, data: dict, actor) -> Assessment:
    """Keep the assessor's assessment as the household's next version and bring its
    need items in line with it."""
    on = data["assessed_on"] or local_today()
    if on < household.registered_on:
        raise InvalidInput.field("assessed_on", N_("cannot be before the registration"))
    last = latest_assessment(household)
    if last is not None and on <= last.assessed_on:
        raise InvalidInput.field(
            "assessed_on", f"must be after the last assessment, on {last.assessed_on.isoformat()}"
        )
    version, pack = pack_in_force(household.jurisdiction, on, "assessed_on")
    wanted = _needs(household, data["needs"], pack, on)
    # A dimension is rated at least as hard as its hardest confirmed need, whatever was
    # asked: otherwise a severe or emergency need could leave the grade untouched.
    ratings = engine.ratings_of(wanted.values())
    for rating in data["ratings"]:
        asked = engine.Rating(rating["severity"], rating["urgency"])
        ratings[rating["dimension"]] = engine.harder(asked, ratings[rating["dimension"]])
    notes = {r["dimension"]: r["note"] for r in data["ratings"]}
    grading = _grade(household, ratings, pack, on)
    assessment = Assessment(
        tenant_id=household.tenant_id,
        household=household,
        version=(last.version + 1) if last else 1,
        assessed_on=on,
        pack_version=version,
        grade=grading.grade,
        points=grading.points,
        grade_steps=[step.record() for step in grading.steps],
        consents_to_share=data["consents_to_share"],
        note=data["note"],
        assessed_by_id=actor.id if actor else None,
        assessed_by_name=actor.full_name if actor else "",
        assessed_by_tenant_id=actor.tenant_id if actor else None,
        ratings=[
            DimensionRating(
                tenant_id=household.tenant_id,
                dimension=dimension,
                severity=rating.severity,
                urgency=rating.urgency,
                note=notes.get(dimension, ""),
            )
            for dimension, rating in ratings.items()
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        # Another assessment of this household and date was recorded meanwhile.
        raise InvalidInput.field(
            "assessed_on", N_("the household is already assessed then")
        ) from None
    opened, closed = _follow(household, assessment, wanted)
    audit.record(
        "household.assess",
        "household",
        household.id,
        tenant_id=household.tenant_id,
        after={
            "assessment": assessment.id,
            "version": assessment.version,
            "grade": assessment.grade,
            "needs": [_need_record(n) for n in assessment.needs],
            "needs_opened": opened,
            "needs_closed": closed,
        },
    )
    return assessment


def take_in_emergency(tenant: Tenant, data: dict, actor) -> Assessment:
    """Register a household on an emergency with what is known now and open its emergency
    need at once (ALL-EM-1), so that help starts before the paperwork (ALL-EM-3): ID
    numbers and the authorisation are completed later, and no decision is made until
    they are. The bureau's assessors and caseworkers hear of it at once (ALL-EM-2)."""
    need = data["need"]
    check_subcategory(NeedDimension.emergency, need["subcategory"], "need.subcategory")
    registration = {
        name: value for name, value in data.items() if name not in ("need", "consents_to_share")
    }
    household = households.register(
        tenant, {**registration, "emergency": True, "exit_requested": False}
    )
    assessment = assess(
        household,
        {
            "assessed_on": None,
            "consents_to_share": data["consents_to_share"],
            "note": "",
            "ratings": [],
            "needs": [
                {
                    "dimension": NeedDimension.emergency,
                    "subcategory": need["subcategory"],
                    "member_id": None,
                    "severity": need["severity"],
                    "urgency": Urgency.emergency,
                    "yearly_target": None,
                    "note": need["note"],
                }
            ],
        },
        actor,
    )
    notifications.notify(
        tenant.id,
        Permission.assess_needs,
        "emergency_intake",
        N_("Emergency intake: household %(household)s needs help now"),
        {"household": household.id},
        skip=actor,
    )
    return assessment


def _need_record(need: AssessedNeed) -> dict:
    return {
        "need": need.need_id,
        "dimension": str(need.dimension),
        "subcategory": need.subcategory_code,
        "member_id": need.member_id,
        "severity": str(need.severity),
        "urgency": str(need.urgency),
        "yearly_target": need.yearly_target,
    }


def _needs(household: Household, needs: list[dict], pack, on: date) -> dict[tuple, AssessedNeed]:
    """The needs as asked, checked against the household and the taxonomy, with the
    pack's yearly targets and, where the engine proposed the same need, its reason;
    by their key, not yet added to the session."""
    members = {m.id for m in household.members}
    proposed = {p.key: p for p in engine.propose(households.facts_of(household, None), pack, on)}
    targets = engine.yearly_targets(pack)
    wanted: dict[tuple, AssessedNeed] = {}
    errors: dict[str, list[str]] = {}
    for index, need in enumerate(needs):
        field = f"needs.{index}."
        if need["member_id"] is not None and need["member_id"] not in members:
            errors[field + "member_id"] = [N_("not a member of this household")]
            continue
        try:
            check_subcategory(need["dimension"], need["subcategory"], field + "subcategory")
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        target, target_rule = need["yearly_target"], None
        if need["subcategory"] in targets:
            least, target_rule = targets[need["subcategory"]]
            if target is None:
                target = least
            elif target < least:
                errors[field + "yearly_target"] = [f"at least {least} a year ({target_rule})"]
                continue
        member_key = str(need["member_id"]) if need["member_id"] is not None else None
        match = proposed.get((str(need["dimension"]), need["subcategory"], member_key))
        item = AssessedNeed(
            tenant_id=household.tenant_id,
            dimension=need["dimension"],
            subcategory_code=need["subcategory"],
            member_id=need["member_id"],
            severity=need["severity"],
            urgency=need["urgency"],
            yearly_target=target,
            target_rule=target_rule,
            note=need["note"],
            basis=match.why.record() if match else None,
        )
        wanted[item.key] = item
    if errors:
        raise InvalidInput(N_("some needs cannot be recorded"), errors)
    return wanted


def _follow(
    household: Household, assessment: Assessment, wanted: dict[tuple, AssessedNeed]
) -> tuple[list[int], list[int]]:
    """Open, keep and close the household's need items as the assessment says; the
    assessment keeps each confirmed need as it stands now. Returns the ids opened and
    closed."""
    open_needs = {n.key: n for n in open_needs_of(household)}
    new = []
    for key, confirmed in wanted.items():
        need = open_needs.pop(key, None)
        if need is None:
            need = Need(
                tenant_id=household.tenant_id,
                household=household,
                opened_by_id=assessment.id,
                opened_on=assessment.assessed_on,
            )
            db.session.add(need)
            new.append(need)
        for name in NEED_FIELDS:
            setattr(need, name, getattr(confirmed, name))
        need.assessment_id = assessment.id
        confirmed.need = need
        assessment.needs.append(confirmed)
    for need in open_needs.values():
        need.status = NeedStatus.closed
        need.closed_on, need.assessment_id = assessment.assessed_on, assessment.id
    db.session.flush()
    return [n.id for n in new], [n.id for n in open_needs.values()]


# --- reading ---------------------------------------------------------------------------------


def assessments_query(household: Household):
    return (
        select(Assessment)
        .where(Assessment.household_id == household.id)
        .options(
            selectinload(Assessment.ratings),
            joinedload(Assessment.pack_version),
            joinedload(Assessment.assessed_by_tenant),
        )
        .order_by(Assessment.version.desc())
    )


def latest_assessment(household: Household) -> Assessment | None:
    return db.session.scalars(assessments_query(household).limit(1)).first()


def detail(assessment: Assessment) -> AssessmentDetail:
    previous = db.session.scalars(
        select(Assessment)
        .where(
            Assessment.household_id == assessment.household_id,
            Assessment.version == assessment.version - 1,
        )
        .options(selectinload(Assessment.ratings))
    ).first()
    needs = db.session.scalars(
        select(AssessedNeed)
        .where(AssessedNeed.assessment_id == assessment.id)
        .options(joinedload(AssessedNeed.member), joinedload(AssessedNeed.subcategory))
        .order_by(AssessedNeed.id)
    ).all()
    return AssessmentDetail(assessment, list(needs), changes(previous, assessment))


def changes(previous: Assessment | None, current: Assessment) -> list[dict]:
    """The severity of each dimension before and after (before is none for a first one)."""
    before = {r.dimension: r.severity for r in previous.ratings} if previous else {}
    result = []
    for rating in current.ratings:
        old = before.get(rating.dimension, Severity.none)
        step = engine.SEVERITY_ORDER.index(rating.severity) - engine.SEVERITY_ORDER.index(old)
        direction = "worse" if step > 0 else "better" if step < 0 else "same"
        result.append(
            {
                "dimension": rating.dimension,
                "before": old,
                "after": rating.severity,
                "direction": direction,
                "rating": rating,
            }
        )
    return result


def open_needs_of(household: Household) -> list[Need]:
    return list(
        db.session.scalars(
            _needs_query()
            .where(Need.household_id == household.id, Need.status == NeedStatus.open)
            .order_by(Need.id)
        )
    )


def _needs_query(join_household: bool = False):
    """Need items with their household, member and sub-category loaded; with
    ``join_household`` the household is joined (to filter on it) and loaded from that join."""
    query = select(Need)
    household = joinedload(Need.household)
    if join_household:
        query = query.join(Need.household)
        household = contains_eager(Need.household)
    return query.options(household, joinedload(Need.member), joinedload(Need.subcategory))


def needs_query(args: dict):
    """The tenant's need items, most urgent first, then oldest."""
    area = None
    if args.get("area_code"):
        area = db.session.get(Area, args["area_code"])
        if area is None:
            raise InvalidInput.field("area_code", N_("no such area"))
    query = _needs_query(join_household=area is not None).where(Need.status == args["status"])
    if area is not None:
        query = query.join(Household.area).where(within(area))
    if args.get("dimension"):
        query = query.where(Need.dimension == args["dimension"])
    if args.get("urgency"):
        query = query.where(Need.urgency == args["urgency"])
    if args.get("household_id"):
        query = query.where(Need.household_id == args["household_id"])
    urgency_rank = _rank(Need.urgency, [u.value for u in reversed(engine.URGENCY_ORDER)])
    return query.order_by(urgency_rank, Need.opened_on, Need.id)


def _rank(column, values: list[str]):
    return case({value: index for index, value in enumerate(values)}, value=column)
