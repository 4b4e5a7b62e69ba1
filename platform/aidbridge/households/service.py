"""Registering households, keeping their facts, and deciding their categories.

Views pass validated data (see ``schemas``); everything that needs the database
or another context is judged here and refused with the field it concerns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from aidbridge import personal_data
from aidbridge.accounts.models import Tenant
from aidbridge.accounts.permissions import Permission
from aidbridge.areas.models import Area, AreaLevel
from aidbridge.areas.service import within
from aidbridge.audit import service as audit
from aidbridge.clock import local_today
from aidbridge.db import has_flag
from aidbridge.errors import Conflict, InvalidInput, NotFound
from aidbridge.extensions import db
from aidbridge.households.models import (
    NOT_AUTHORISED,
    Decision,
    EconomicItem,
    Household,
    ItemKind,
    Member,
    member_rule,
)
from aidbridge.i18n import N_
from aidbridge.notifications import service as notifications
from aidbridge.policy import facts as f
from aidbridge.policy.classify import classify
from aidbridge.policy.service import pack_in_force
from aidbridge.resident_id import ResidentId
from aidbridge.tenancy import all_tenants

MEMBER_FIELDS = (
    "name",
    "relation",
    "labour_capacity",
    "employment",
    "school_stage",
    "disability_type",
    "disability_grade",
    "major_illness",
    "self_care",
    "supporter",
    "institutional_care",
    "applies_individually",
)
HOUSEHOLD_FIELDS = (
    "address",
    "latitude",
    "longitude",
    "setting",
    "checks_authorised_on",
    "emergency",
    "exit_requested",
)


# --- registration ---------------------------------------------------------------------------


def register(tenant: Tenant, data: dict) -> Household:
    """A new household with its members and facts, or nothing if any part is refused."""
    household = new_household(tenant, data, _community(tenant, data["area_code"]))
    claims = [
        Claim(f"members.{index}.id_number", member.id_number_digest)
        for index, member in enumerate(household.members)
    ]
    for index, fields in enumerate(data["items"]):
        member = household.members[fields["member"]] if fields["member"] is not None else None
        household.items.append(_item(household, fields, member, f"items.{index}."))
    with claiming(tenant.id, household.jurisdiction, claims):
        db.session.add(household)
    audit.record(
        "household.register",
        "household",
        household.id,
        tenant_id=tenant.id,
        after={"area_code": household.area_code, "members": len(household.members)},
    )
    return household


def new_household(tenant: Tenant, data: dict, area: Area) -> Household:
    """The household and its members as registered (numbers sealed), not yet added to the
    session: registration and import check who they claim before writing them."""
    household = Household(
        tenant_id=tenant.id,
        jurisdiction=tenant.policy_pack,
        registered_on=data["registered_on"] or local_today(),
        next_review_on=data["next_review_on"],
        **{name: data[name] for name in HOUSEHOLD_FIELDS},
    )
    household.area = area
    _set_phone(household, data["phone"])
    for fields in data["members"]:
        member = Member(tenant_id=tenant.id, jurisdiction=household.jurisdiction)
        _set_member(member, fields)
        household.members.append(member)
    return household


def update_household(tenant: Tenant, household: Household, data: dict) -> Household:
    before = _household_record(household)
    if "area_code" in data:
        household.area = _community(tenant, data["area_code"])
    if "phone" in data:
        _set_phone(household, data["phone"])
    for name in (*HOUSEHOLD_FIELDS, "next_review_on"):
        if name in data:
            setattr(household, name, data[name])
    if household.next_review_on and household.next_review_on < household.registered_on:
        raise InvalidInput.field("next_review_on", N_("cannot be before the registration"))
    db.session.flush()
    audit.record_changes(
        "household.update",
        "household",
        household.id,
        tenant_id=household.tenant_id,
        before=before,
        after=_household_record(household),
    )
    return household


def add_member(household: Household, data: dict) -> Member:
    member = Member(tenant_id=household.tenant_id, jurisdiction=household.jurisdiction)
    _set_member(member, data)
    claims = [Claim("id_number", member.id_number_digest)]
    with claiming(household.tenant_id, household.jurisdiction, claims):
        household.members.append(member)
    audit.record(
        "member.add",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={"household_id": member.household_id},
    )
    return member


def update_member(member: Member, data: dict) -> Member:
    before = _member_record(member)
    claims = []
    if data.get("id_number") is not None:
        claims = [Claim("id_number", personal_data.digest(data["id_number"].number), member.id)]
    with claiming(member.tenant_id, member.jurisdiction, claims):
        _set_member(member, data)
    audit.record_changes(
        "member.update",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        before=before,
        after=_member_record(member),
    )
    return member


def part_of(household: Household, part):
    """A member, item or assessment named in a URL under its household: another
    household's is a 404."""
    if part.household_id != household.id:
        raise NotFound(N_("no such object"))
    return part


def _set_member(member: Member, data: dict) -> None:
    for name in MEMBER_FIELDS:
        if name in data:
            setattr(member, name, data[name])
    resident: ResidentId | None = data.get("id_number")
    if resident is not None:
        sealed = personal_data.seal(resident.number, personal_data.mask_id_number(resident.number))
        member.id_number_token = sealed.token
        member.id_number_digest = sealed.digest
        member.id_number_masked = sealed.masked
        member.birth_date = resident.birth_date
        member.sex = resident.sex


def _set_phone(household: Household, phone: str | None) -> None:
    if phone is None:
        household.phone_token = household.phone_masked = None
        return
    sealed = personal_data.seal(phone, personal_data.mask_phone(phone))
    household.phone_token, household.phone_masked = sealed.token, sealed.masked


def _community(tenant: Tenant, code: str) -> Area:
    area = db.session.get(Area, code)
    problem = community_problem(tenant, area)
    if problem:
        raise InvalidInput.field("area_code", problem)
    return area


def community_problem(tenant: Tenant, area: Area | None) -> str | None:
    """Why a household of the tenant cannot live in ``area`` (None: an unknown code), or
    None when it can."""
    if area is None:
        return N_("no such area")
    if area.level is not AreaLevel.community:
        return N_("a household lives in a community")
    if not tenant.jurisdiction.contains(area):
        return N_("outside your jurisdiction")
    return None


class Claim(NamedTuple):
    """A person a write registers: the field that names them, their number's digest, and
    the member's id when they are on file already (their own row is no clash)."""

    field: str
    digest: str | None
    member_id: int | None = None


# SQLite takes at most 32,766 parameters in a statement: longer IN lists go in slices.
MAX_IN_LIST = 10_000


@contextmanager
def claiming(tenant_id: int, jurisdiction: str, claims: list[Claim]) -> Iterator[None]:
    """Run the writes that register people, refusing anyone already registered in the
    jurisdiction. The writes are flushed in a savepoint, so that when another request
    registered one of them meanwhile, the unique key's refusal is answered like the
    check's: with the field and where the person is."""
    refuse_registered_elsewhere(tenant_id, jurisdiction, claims)
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        refuse_registered_elsewhere(tenant_id, jurisdiction, claims)
        raise


def refuse_registered_elsewhere(tenant_id: int, jurisdiction: str, claims: list[Claim]) -> None:
    """One person, one household in a jurisdiction: say where the person already is —
    the household if it is this bureau's (``tenant_id``), else only which bureau keeps
    them."""
    digests = {claim.digest: claim for claim in claims if claim.digest}
    if not digests:
        return
    found = []
    wanted = list(digests)
    with all_tenants(), db.session.no_autoflush:
        # In slices: an import claims more people than one statement may name.
        for start in range(0, len(wanted), MAX_IN_LIST):
            found += db.session.execute(
                select(Member.id, Member.id_number_digest, Member.household_id, Member.tenant_id)
                .add_columns(Tenant.name)
                .join(Tenant, Tenant.id == Member.tenant_id)
                .where(
                    Member.jurisdiction == jurisdiction,
                    Member.id_number_digest.in_(wanted[start : start + MAX_IN_LIST]),
                )
            ).all()
    errors = {}
    for row in found:
        claim = digests[row.id_number_digest]
        if row.id == claim.member_id:
            continue
        if row.tenant_id == tenant_id:
            errors[claim.field] = [f"already registered in household {row.household_id}"]
        else:
            errors[claim.field] = [f"already registered by another bureau: {row.name}"]
    if errors:
        raise Conflict(N_("a person is already registered"), errors)


def _household_record(household: Household) -> dict:
    return {
        "area_code": household.area_code,
        "phone": household.phone_masked,
        "next_review_on": _iso(household.next_review_on),
        **{name: _plain(getattr(household, name)) for name in HOUSEHOLD_FIELDS},
    }


def _member_record(member: Member) -> dict:
    # The masked number only: the audit log must not become a copy of the register.
    return {
        "id_number": member.id_number_masked,
        **{name: _plain(getattr(member, name)) for name in MEMBER_FIELDS},
    }


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return _iso(value) if isinstance(value, date) else value


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- economic facts ------------------------------------------------------------------------


def add_item(household: Household, data: dict) -> EconomicItem:
    member = None
    if data["member_id"] is not None:
        member = next((m for m in household.members if m.id == data["member_id"]), None)
        if member is None:
            raise InvalidInput.field("member_id", N_("not a member of this household"))
    message = member_rule(data["kind"], member is not None)
    if message:
        raise InvalidInput.field("member_id", message)
    item = _item(household, data, member)
    household.items.append(item)
    db.session.flush()
    audit.record(
        "household.item_add",
        "household",
        household.id,
        tenant_id=household.tenant_id,
        after=_item_record(item),
    )
    return item


def update_item(item: EconomicItem, data: dict) -> EconomicItem:
    before = _item_record(item)
    for name in ("amount_fen", "starts_on", "ends_on", "note"):
        if name in data:
            setattr(item, name, data[name])
    if item.ends_on and item.ends_on < item.starts_on:
        raise InvalidInput.field("ends_on", N_("cannot be before the start"))
    db.session.flush()
    audit.record_changes(
        "household.item_update",
        "household",
        item.household_id,
        tenant_id=item.tenant_id,
        before=before,
        after=_item_record(item),
    )
    return item


def remove_item(item: EconomicItem) -> None:
    audit.record(
        "household.item_remove",
        "household",
        item.household_id,
        tenant_id=item.tenant_id,
        before=_item_record(item),
    )
    item.household.items.remove(item)
    db.session.flush()


def _item(household: Household, data: dict, member: Member | None, prefix="") -> EconomicItem:
    starts_on = data["starts_on"] or household.registered_on
    if data["ends_on"] and data["ends_on"] < starts_on:
        raise InvalidInput.field(f"{prefix}ends_on", N_("cannot be before the start"))
    return EconomicItem(
        tenant_id=household.tenant_id,
        kind=data["kind"],
        type=data["type"],
        member=member,
        amount_fen=data["amount_fen"],
        starts_on=starts_on,
        ends_on=data["ends_on"],
        note=data["note"],
    )


def _item_record(item: EconomicItem) -> dict:
    return {
        "item": item.id,
        "kind": str(item.kind),
        "type": item.type,
        "member_id": item.member_id,
        "amount_fen": item.amount_fen,
        "starts_on": _iso(item.starts_on),
        "ends_on": _iso(item.ends_on),
    }


# --- personal data, in full -----------------------------------------------------------------


def reveal_id_number(member: Member) -> str:
    """The member's ID number in full; the reading is logged (ALL-OV-3)."""
    if member.id_number_token is None:
        raise NotFound.field("id_number", N_("not recorded yet"))
    audit.record("member.id_number_read", "member", member.id, tenant_id=member.tenant_id)
    return personal_data.unseal(member.id_number_token)


def reveal_phone(household: Household) -> str:
    number = unseal_phone(household)
    audit.record("household.phone_read", "household", household.id, tenant_id=household.tenant_id)
    return number


def unseal_phone(household: Household) -> str:
    """The phone in full; the caller logs the reading."""
    if household.phone_token is None:
        raise NotFound.field("phone", N_("not recorded yet"))
    return personal_data.unseal(household.phone_token)


# --- lists ---------------------------------------------------------------------------------


def households_query(args: dict, today: date):
    """The bureau's households, newest first, filtered as asked."""
    query = (
        select(Household)
        .options(joinedload(Household.area), selectinload(Household.members))
        .order_by(Household.id.desc())
    )
    if args.get("area_code"):
        area = db.session.get(Area, args["area_code"])
        if area is None:
            raise InvalidInput.field("area_code", N_("no such area"))
        query = query.join(Household.area).where(within(area))
    if args.get("outcome"):
        query = query.where(has_flag(Household.outcomes, args["outcome"]))
    if args.get("review"):
        due, overdue = _review_window(today)
        query = query.where(overdue if args["review"] == "overdue" else due)
    if args.get("id_number") is not None:
        digest = personal_data.digest(args["id_number"].number)
        query = query.where(Household.members.any(Member.id_number_digest == digest))
    if args.get("incomplete") is not None:
        incomplete = or_(
            Household.checks_authorised_on.is_(None),
            Household.members.any(Member.id_number_digest.is_(None)),
        )
        query = query.where(incomplete if args["incomplete"] else ~incomplete)
    return query


def _review_window(today: date):
    """(due, overdue): a review date within the notice period, and one already passed."""
    notice = timedelta(days=current_app.config["REVIEW_NOTICE_DAYS"])
    return Household.next_review_on.between(today, today + notice), Household.next_review_on < today


# --- reviews -------------------------------------------------------------------------------


def reviews_by_street(today: date) -> list[dict]:
    """For each street of the tenant's households: how many reviews are due and overdue."""
    due, overdue = _review_window(today)
    street = Area.parent_code
    rows = db.session.execute(
        select(
            street,
            func.count(case((due, 1))),
            func.count(case((overdue, 1))),
            func.count(),
        )
        .select_from(Household)
        .join(Household.area)
        .group_by(street)
    ).all()
    codes = [row[0] for row in rows]
    names = dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    return sorted(
        (
            {
                "street_code": code,
                "street_name": names.get(code, code),
                "due": d,
                "overdue": o,
                "households": n,
            }
            for code, d, o, n in rows
        ),
        key=lambda r: (-r["overdue"], -r["due"], r["street_code"]),
    )


def note_overdue_reviews(today: date) -> int:
    """Mark the households whose review date passed since it was last noted and tell each
    bureau's keepers how many, once per household and review date (safe to run twice).
    Runs across tenants. Returns the number of households newly overdue."""
    fresh = and_(
        Household.next_review_on < today,
        or_(
            Household.review_overdue_noted.is_(None),
            Household.review_overdue_noted != Household.next_review_on,
        ),
    )
    counts = db.session.execute(
        select(Household.tenant_id, func.count()).where(fresh).group_by(Household.tenant_id)
    ).all()
    db.session.execute(
        update(Household)
        .where(fresh)
        .values(review_overdue_noted=Household.next_review_on)
        .execution_options(synchronize_session=False)
    )
    for tenant_id, count in counts:
        notifications.notify(
            tenant_id,
            Permission.register_households,
            "review_overdue",
            N_("%(count)s households are overdue for review"),
            {"count": count},
        )
    return sum(count for _tenant, count in counts)


# --- decisions -----------------------------------------------------------------------------


def decisions_query(household: Household):
    return (
        select(Decision)
        .where(Decision.household_id == household.id)
        .options(joinedload(Decision.pack_version), joinedload(Decision.decided_by))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
    )


def latest_decision(household: Household) -> Decision | None:
    return db.session.scalars(decisions_query(household).limit(1)).first()


def decide(household: Household, on: date | None, actor) -> Decision:
    """Classify the household on ``on`` (default today) under the pack in force then,
    and keep the decision. Earlier decisions stay as they were."""
    on = on or local_today()
    if on < household.registered_on:
        raise InvalidInput.field("decided_on", N_("cannot be before the registration"))
    missing = household.missing_for_decision
    if household.checks_authorised_on and household.checks_authorised_on > on:
        missing["checks_authorised_on"] = [NOT_AUTHORISED]
    if missing:
        raise InvalidInput(N_("the household's record is not complete"), missing)
    last = latest_decision(household)
    if last is not None and on < last.decided_on:
        raise InvalidInput.field("decided_on", N_("cannot be before the last decision"))
    version, pack = pack_in_force(household.jurisdiction, on)
    result = classify(facts_of(household, last), pack, on)
    decision = Decision(
        tenant_id=household.tenant_id,
        household=household,
        pack_version=version,
        decided_on=on,
        outcomes=result.outcomes,
        benefit_fen=result.benefit_fen,
        standard_fen=result.standard_fen,
        member_count=result.member_count,
        counted_income_fen=result.counted_income_fen,
        assessed_income_fen=result.assessed_income_fen,
        review_months=result.review_months,
        next_review_on=result.next_review,
        gradual_exit_since=result.gradual_exit_since,
        member_outcomes=[
            {
                "member_id": int(m.member),
                "outcome": str(m.outcome),
                "monthly_fen": m.monthly_fen,
                "rules": list(m.rules),
            }
            for m in result.members
        ],
        entitlements=[
            {"member_id": int(e.member), "rule": e.rule, "message": e.message, "params": e.params}
            for e in result.entitlements
        ],
        steps=[step.record() for step in result.steps],
        decided_by_id=actor.id if actor else None,
    )
    db.session.add(decision)
    household.outcomes = result.outcomes | {m.outcome for m in result.members}
    household.benefit_fen = result.benefit_fen + sum(m.monthly_fen for m in result.members)
    household.next_review_on = result.next_review
    db.session.flush()
    audit.record(
        "household.decide",
        "household",
        household.id,
        tenant_id=household.tenant_id,
        after={
            "decision": decision.id,
            "pack": version.name,
            "outcomes": sorted(household.outcomes),
            "benefit_fen": household.benefit_fen,
        },
    )
    return decision


def facts_of(household: Household, last: Decision | None) -> f.HouseholdFacts:
    """The household as the engines read it; members are keyed by their id. Members whose
    ID number is not recorded yet (an emergency intake) have no birth date and are left
    out: a decision refuses to be made without them."""
    members = tuple(
        f.Member(
            key=str(m.id),
            birth_date=m.birth_date,
            labour_capacity=m.labour_capacity,
            employment=m.employment,
            school_stage=m.school_stage,
            disability_type=m.disability_type,
            disability_grade=m.disability_grade,
            major_illness=m.major_illness,
            self_care=m.self_care,
            supporter=m.supporter,
            institutional_care=m.institutional_care,
            applies_individually=m.applies_individually,
        )
        for m in household.members
        if m.birth_date is not None
    )
    by_kind: dict[ItemKind, list] = {kind: [] for kind in ItemKind}
    for item in household.items:
        dates = {"start": item.starts_on, "end": item.ends_on, "type": item.typed}
        if item.kind is ItemKind.income:
            fact = f.Income(member=str(item.member.id), monthly_fen=item.amount_fen, **dates)
        elif item.kind is ItemKind.expenditure:
            fact = f.Expenditure(monthly_fen=item.amount_fen, **dates)
        else:
            fact = f.Property(value_fen=item.amount_fen, **dates)
        by_kind[item.kind].append(fact)
    prior = None
    if last is not None:
        prior = f.Prior(
            decided_on=last.decided_on,
            outcomes=last.outcomes,
            benefit_fen=last.benefit_fen,
            member_count=last.member_count,
            gradual_exit_since=last.gradual_exit_since,
        )
    return f.HouseholdFacts(
        setting=household.setting,
        members=members,
        incomes=tuple(by_kind[ItemKind.income]),
        expenditures=tuple(by_kind[ItemKind.expenditure]),
        properties=tuple(by_kind[ItemKind.property]),
        emergency=household.emergency,
        exit_requested=household.exit_requested,
        prior=prior,
    )
