"""Referrals: reading them with what they name across tenants, and their life cycle.

A referral is its bureau's row, and names a provider's service: loading the service
and the provider with it is a read across tenants, on purpose and only here (the
bureau's tenant scope would hide the service)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.accounts.permissions import Permission, can
from aidbridge.audit import service as audit
from aidbridge.clock import add_working_days, age_on, local_today
from aidbridge.contracts.models import Contract
from aidbridge.contracts.service import record_delivery, release_held_unit
from aidbridge.errors import Conflict, Forbidden, InvalidInput
from aidbridge.extensions import db
from aidbridge.households.models import Household
from aidbridge.households.service import unseal_phone
from aidbridge.i18n import N_
from aidbridge.jobs import enqueue
from aidbridge.needs.models import Assessment, DimensionRating, Need, NeedStatus
from aidbridge.notifications.service import notify
from aidbridge.policy.pack import Referrals, ResponseTime
from aidbridge.policy.service import pack_in_force
from aidbridge.pool.models import Service
from aidbridge.pool.service import give_back_place
from aidbridge.referrals.models import (
    ACTIVE,
    HOLDING,
    TOOK_ON,
    TRANSITIONS,
    CaseOutcome,
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServiceRecord,
)
from aidbridge.tenancy import act_for, all_tenants, current_tenant_id, tenant_context
from aidbridge.vocab import Urgency

REMATCH_JOB = "referrals.rematch"


def bureau_referrals():
    """The current bureau's referrals, each with its need, service and provider loaded."""
    return (
        select(Referral)
        .where(Referral.tenant_id == current_tenant_id())
        .options(
            joinedload(Referral.need),
            joinedload(Referral.service),
            joinedload(Referral.provider),
        )
        .execution_options(all_tenants=True)
    )


def service_names(service_ids) -> dict[int, str]:
    """The names of services by id (an explanation's alternatives name them by id)."""
    ids = sorted({i for i in service_ids if i > 0})
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Service.id, Service.name)
            .where(Service.id.in_(ids))
            .execution_options(all_tenants=True)
        ).all()
    )


# --- either side's referrals ----------------------------------------------------------------


def find_referral(viewer: Tenant, referral_id: int) -> Referral | None:
    """The referral as ``viewer`` may see it: a bureau's own, or one offered to the
    provider ``viewer`` — not before it is offered — for which the rest of the request
    acts in the bureau's scope (the provider's answer is the bureau's record)."""
    found = db.session.scalar(
        _with_parts(select(Referral))
        .where(Referral.id == referral_id, _visible_to(viewer))
        .execution_options(all_tenants=True)
    )
    if found is not None and found.tenant_id != viewer.id:
        act_for(found.tenant_id)
    return found


def referrals_query(viewer: Tenant, args: dict):
    """The referrals between ``viewer`` and the other side (for a provider: its inbox),
    the offers awaiting an answer first, most urgent and soonest due first, then the
    latest changed; ``waiting``: those taken on and not closed, the longest waiting
    first (the bureau's loop-closure list)."""
    query = _with_parts(select(Referral)).where(_visible_to(viewer))
    for name in ("status", "urgency"):
        if args.get(name) is not None:
            query = query.where(getattr(Referral, name) == args[name])
    if args.get("dimension") is not None:
        query = query.join(Need, Need.id == Referral.need_id).where(
            Need.dimension == args["dimension"]
        )
    if args.get("waiting"):
        return (
            query.where(Referral.status.in_((ReferralStatus.accepted, ReferralStatus.in_service)))
            .order_by(Referral.answered_at, Referral.id)
            .execution_options(all_tenants=True)
        )
    waiting = case((Referral.status == ReferralStatus.offered, 0), else_=1)
    urgency = case({Urgency.emergency: 0, Urgency.priority: 1}, value=Referral.urgency, else_=2)
    return query.order_by(
        waiting, urgency, Referral.respond_by, Referral.status_changed_at.desc(), Referral.id
    ).execution_options(all_tenants=True)


def _visible_to(viewer: Tenant):
    if viewer.type is TenantType.bureau:
        return Referral.tenant_id == viewer.id
    return (Referral.provider_id == viewer.id) & (Referral.status != ReferralStatus.proposed)


def _with_parts(query):
    return query.options(
        joinedload(Referral.need),
        joinedload(Referral.service),
        joinedload(Referral.provider),
        joinedload(Referral.bureau),
        joinedload(Referral.worker),
        selectinload(Referral.events),
        selectinload(Referral.records).joinedload(ServiceRecord.worker),
        # What a side sees of the household: one statement for a page, not one a row.
        joinedload(Referral.household).joinedload(Household.area),
        joinedload(Referral.household).selectinload(Household.members),
    )


def view(referral: Referral, viewer: Tenant) -> dict:
    """The referral as ``viewer`` may read it. The provider sees, before it accepts,
    only what it needs to decide — the need, the area, the household's members without
    names, the phone masked — and once it has accepted, the address, the head's name
    and what the assessment says of the need, each such reading logged; the engine's
    explanation is the bureau's.
    Read across tenants on purpose (the household is the bureau's, the service the
    provider's): what is shown is decided here."""
    bureau_side = viewer.id == referral.tenant_id
    taken_on = referral.status in TOOK_ON
    with all_tenants():
        household = db.session.get(Household, referral.household_id)
        head = household.head
        need = db.session.get(Need, referral.need_id)
        shown = {
            **{c: getattr(referral, c) for c in VIEW_COLUMNS},
            "dimension": need.dimension,
            "subcategory": need.subcategory_code,
            "severity": need.severity,
            "service": db.session.get(Service, referral.service_id),
            "provider": db.session.get(Tenant, referral.provider_id),
            "bureau": db.session.get(Tenant, referral.tenant_id),
            "worker": db.session.get(User, referral.worker_id) if referral.worker_id else None,
            "events": list(referral.events),
            "records": [record_view(r) for r in referral.records],
            "household": {
                "id": household.id if bureau_side else None,
                "area_code": household.area_code,
                "area_name": household.area.name,
                "members": [
                    {
                        "relation": str(m.relation),
                        "age": age_on(m.birth_date, local_today()) if m.birth_date else None,
                        "concerned": m.id == referral.member_id if referral.member_id else True,
                    }
                    for m in household.members
                ],
                "phone_masked": household.phone_masked,
                "head_name": head.name if head and (bureau_side or taken_on) else None,
                "address": household.address if bureau_side or taken_on else None,
            },
            "assessment": _assessment_parts(need) if bureau_side or taken_on else None,
            "explanation": referral.explanation if bureau_side else None,
        }
    if taken_on and not bureau_side:
        # The bureau's record, written in its scope (a provider's list acts in its own).
        with tenant_context(referral.tenant_id):
            audit.record(
                "referral.household_read", "referral", referral.id, tenant_id=referral.tenant_id
            )
            db.session.flush()
    return shown


def _assessment_parts(need: Need) -> dict:
    """What the latest assessment confirming the need says of it: its date, the rating
    of the need's dimension and the assessor's notes on both."""
    assessment = db.session.get(Assessment, need.assessment_id)
    rating = db.session.scalar(
        select(DimensionRating).where(
            DimensionRating.assessment_id == assessment.id,
            DimensionRating.dimension == need.dimension,
        )
    )
    return {
        "assessed_on": assessment.assessed_on,
        "rating": rating.severity if rating else None,
        "rating_note": rating.note if rating else "",
        "need_note": need.note,
        "yearly_target": need.yearly_target,
    }


VIEW_COLUMNS = (
    "id", "run_id", "status", "status_changed_at", "urgency", "need_id", "contract_id",
    "offered_at", "respond_by", "respond_rule", "answered_at", "decline_reason",
    "decline_note", "closed_at", "outcome", "outcome_note", "satisfaction",
    "severity_before", "severity_after",
)  # fmt: skip


def record_view(record: ServiceRecord) -> dict:
    with all_tenants():  # the worker is the provider's user
        return {**{c: getattr(record, c) for c in RECORD_COLUMNS}, "worker": record.worker}


RECORD_COLUMNS = (
    "id", "kind", "served_on", "units", "minutes", "note", "delivery_id",
    "recorded_by_name", "recorded_at",
)  # fmt: skip


def reveal_phone(referral: Referral, reader: User) -> str:
    """The household's phone in full, each reading logged: for the staff of the provider
    that took the case on who serve it, and the bureau's who may read personal data."""
    bureau_side = reader.tenant_id == referral.tenant_id
    if not can(
        reader, Permission.read_personal_data if bureau_side else Permission.answer_referrals
    ):
        raise Forbidden(N_("your roles do not allow this"))
    if referral.status not in TOOK_ON:
        raise Conflict.field("status", N_("the phone is shown once the referral is accepted"))
    with all_tenants():
        household = db.session.get(Household, referral.household_id)
    audit.record("referral.phone_read", "referral", referral.id, tenant_id=referral.tenant_id)
    return unseal_phone(household)


def offer_run(run_id: int, actor: User, now: datetime) -> dict:
    """Offer every proposed referral of a run; those the household did not consent to
    share with their (non-government) provider stay proposed."""
    proposed = db.session.scalars(
        select(Referral)
        .where(Referral.run_id == run_id, Referral.status == ReferralStatus.proposed)
        .order_by(Referral.id)
    ).all()
    left = []
    for referral in proposed:
        try:
            with db.session.begin_nested():
                offer(referral, actor, now)
        except InvalidInput:
            left.append(referral.id)
    return {"offered": len(proposed) - len(left), "left": left}


# --- the life cycle --------------------------------------------------------------------------
#
# Every move goes through _move: allowed by TRANSITIONS, made by a guarded UPDATE (the
# referral must still be where it was read: of two people answering one offer at the same
# moment exactly one wins, the other is told), kept as an event and in the audit log.
# Provider staff act on a referral in its bureau's tenant scope (find_for_provider), as
# on a contract: the referral and its events stay the bureau's record.

NOT_OFFERED = N_("the referral is no longer offered")


def offer(referral: Referral, actor: User | None, now: datetime) -> Referral:
    """Offer a proposed referral to its provider, with the time the pack gives it to
    answer (ALL-PR-1; an emergency ALL-EM-2). A non-government provider is offered a
    household's case only with the household's consent to share it."""
    if referral.status is not ReferralStatus.proposed:
        raise InvalidInput.field("status", N_("only a proposed referral is offered"))
    provider = db.session.get(Tenant, referral.provider_id)
    # As the latest assessment confirming the need says (a household may withdraw it).
    consented = db.session.get(Assessment, referral.need.assessment_id).consents_to_share
    if provider.type is not TenantType.bureau and not consented:
        raise InvalidInput.field(
            "consent", N_("the household has not consented to share its case with providers")
        )
    response = response_time(referral, now)
    respond_by = (
        now + timedelta(hours=response.hours)
        if response.hours
        else add_working_days(now, response.working_days)
    )
    _move(
        referral, ReferralStatus.offered, actor, now,
        offered_at=now, respond_by=respond_by, respond_rule=response.rule,
    )  # fmt: skip
    notify(
        referral.provider_id, Permission.answer_referrals, "referral_offered",
        N_("New referral %(referral)s offered to you: answer by %(respond_by)s"),
        {"referral": referral.id, "respond_by": _shown(respond_by),
         "url": f"/referrals/{referral.id}"},
    )  # fmt: skip
    return referral


def response_time(referral: Referral, on: datetime) -> ResponseTime:
    """The time the bureau's pack gives an offer of the referral's urgency."""
    return _rules(referral, on).response(str(referral.urgency))


def _rules(referral: Referral, on: datetime) -> Referrals:
    """The referral rules of the pack in force for the household on the day of ``on``."""
    household = db.session.get(Household, referral.household_id)
    _version, pack = pack_in_force(household.jurisdiction, _local(on).date(), "offered_at")
    return pack.referrals


def _local(moment: datetime) -> datetime:
    return _utc(moment).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _shown(moment: datetime) -> str:
    """A time as notifications name it, where the users are."""
    return _local(moment).strftime("%Y-%m-%d %H:%M")


def accept(referral: Referral, worker_id: int, actor: User, now: datetime) -> Referral:
    """The provider takes the referral on, naming the social worker who will serve it."""
    _check_answerable(referral, now)
    worker = _provider_user(referral, worker_id)
    _move(
        referral, ReferralStatus.accepted, actor, now,
        answered_at=now, answered_by_id=actor.id, worker_id=worker.id,
    )  # fmt: skip
    notify(
        referral.tenant_id, Permission.offer_referrals, "referral_accepted",
        N_("Referral %(referral)s was accepted by %(provider)s"),
        {"referral": referral.id, "provider": referral.provider.name,
         "url": f"/referrals/{referral.id}"},
    )  # fmt: skip
    return referral


def decline(referral: Referral, data: dict, actor: User, now: datetime) -> Referral:
    """The provider turns the offer down, saying why; the place and any contract unit
    it held go back, and the need goes back to matching without this provider."""
    _check_answerable(referral, now)
    reason, note = data["reason"], data.get("note", "").strip()
    if reason is DeclineReason.other and not note:
        raise InvalidInput.field("note", N_("say why, when the reason is 'other'"))
    _move(
        referral, ReferralStatus.declined, actor, now, note,
        answered_at=now, answered_by_id=actor.id, decline_reason=reason, decline_note=note,
    )  # fmt: skip
    notify(
        referral.tenant_id, Permission.offer_referrals, "referral_declined",
        N_("Referral %(referral)s was declined by %(provider)s; the need is matched again"),
        {"referral": referral.id, "provider": referral.provider.name,
         "url": f"/referrals/{referral.id}"},
    )  # fmt: skip
    need_id, bureau_id = referral.need_id, referral.tenant_id
    # The match again runs in a session of its own: this must be committed first.
    db.session.commit()
    enqueue(REMATCH_JOB, need_id, tenant_id=bureau_id)
    return referral


def revoke(referral: Referral, note: str, actor: User, now: datetime) -> Referral:
    """The bureau withdraws a referral not yet in service; what it held goes back and
    the need is open to the next run."""
    was_offered = referral.status is not ReferralStatus.proposed
    _move(referral, ReferralStatus.revoked, actor, now, note.strip())
    if was_offered:
        notify(
            referral.provider_id, Permission.answer_referrals, "referral_revoked",
            N_("Referral %(referral)s was withdrawn by the bureau"),
            {"referral": referral.id, "url": f"/referrals/{referral.id}"},
        )  # fmt: skip
    return referral


# --- serving the household, and closing the case ------------------------------------------


def record_service(referral: Referral, data: dict, actor: User, now: datetime) -> ServiceRecord:
    """What the provider did for the household (a visit, a session, training hours,
    goods), by one of its workers, on a day from the acceptance to today. The first
    record starts the service. For a contract-funded service it is delivered under the
    contract: the unit the referral held from its match is the first it draws down."""
    if referral.status not in (ReferralStatus.accepted, ReferralStatus.in_service):
        raise InvalidInput.field("status", N_("only an accepted case in service is recorded"))
    served_on = data["served_on"]
    if served_on > _local(now).date():
        raise InvalidInput.field("served_on", N_("cannot be in the future"))
    if served_on < _local(referral.answered_at).date():
        raise InvalidInput.field("served_on", N_("cannot be before the referral was accepted"))
    worker = _provider_user(referral, data["worker_id"])
    delivery = None
    if referral.contract_id is not None:
        if referral.status in HOLDING:  # the unit held since the match is this one's
            release_held_unit(referral.contract_item_id)
        delivery = record_delivery(
            db.session.get(Contract, referral.contract_id),
            {
                "contract_item_id": referral.contract_item_id,
                "units": data["units"],
                "delivered_on": served_on,
                "household_id": referral.household_id,
                "referral_id": referral.id,
                "note": data.get("note", "")[:500],
            },
            actor,
        )
    record = ServiceRecord(
        tenant_id=referral.tenant_id,
        referral_id=referral.id,
        kind=data["kind"],
        served_on=served_on,
        units=data["units"],
        minutes=data.get("minutes"),
        worker_id=worker.id,
        note=data.get("note", ""),
        delivery_id=delivery.id if delivery else None,
        recorded_by_id=actor.id,
        recorded_by_name=actor.full_name,
        recorded_at=now,
    )
    db.session.add(record)
    _keep_first_served(referral, served_on)
    if referral.status is ReferralStatus.accepted:
        _move(referral, ReferralStatus.in_service, actor, now)
    db.session.flush()
    audit.record(
        "referral.service_recorded", "referral", referral.id, tenant_id=referral.tenant_id,
        after={"record": record.id, "kind": str(record.kind), "units": record.units,
               "served_on": served_on.isoformat(), "delivery": record.delivery_id},
    )  # fmt: skip
    return record


def _keep_first_served(referral: Referral, served_on: date) -> None:
    """The referral's first day of service is the earliest of its records', whatever
    order they are written in: one statement, so two records at once keep the earlier."""
    first = Referral.first_served_on
    db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(
            first_served_on=case((or_(first.is_(None), first > served_on), served_on), else_=first)
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(referral, ["first_served_on"])


def close(referral: Referral, data: dict, actor: User, now: datetime) -> Referral:
    """Close the case with its outcome (completed; or closed unresolved when it could
    not be served), the household's satisfaction and the need's severity re-assessed at
    closing — the need item takes it, and a resolved need is closed."""
    status, outcome = data["status"], data["outcome"]
    if status not in (ReferralStatus.completed, ReferralStatus.closed_unresolved):
        raise InvalidInput.field("status", N_("close as completed or closed unresolved"))
    if status is ReferralStatus.completed and referral.status is not ReferralStatus.in_service:
        raise InvalidInput.field("status", N_("a case is completed after a service record"))
    note = data.get("note", "").strip()
    if outcome is CaseOutcome.other and not note:
        raise InvalidInput.field("note", N_("say why, when the outcome is 'other'"))
    need = db.session.get(Need, referral.need_id)
    after = data.get("severity")
    _move(
        referral, status, actor, now, note,
        closed_at=now, outcome=outcome, outcome_note=note,
        satisfaction=data.get("satisfaction"),
        severity_before=need.severity, severity_after=after,
    )  # fmt: skip
    if after is not None:
        need.severity = after
    if outcome is CaseOutcome.resolved and need.status is NeedStatus.open:
        need.status, need.closed_on = NeedStatus.closed, _local(now).date()
    notify(
        referral.tenant_id, Permission.offer_referrals, "referral_closed",
        N_("Referral %(referral)s was closed by %(provider)s"),
        {"referral": referral.id, "provider": referral.provider.name,
         "url": f"/referrals/{referral.id}"},
    )  # fmt: skip
    return referral


def _provider_user(referral: Referral, user_id: int) -> User:
    with all_tenants():  # the provider's user, while the request acts for the bureau
        user = db.session.get(User, user_id)
    if user is None or user.tenant_id != referral.provider_id or not user.active:
        raise InvalidInput.field("worker_id", N_("not an active user of your organisation"))
    return user


def _check_answerable(referral: Referral, now: datetime) -> None:
    if referral.status is not ReferralStatus.offered:
        raise Conflict.field("status", NOT_OFFERED)
    if referral.respond_by is not None and _utc(referral.respond_by) <= now:
        raise Conflict.field("status", N_("the offer expired"))


def _move(
    referral: Referral,
    status: ReferralStatus,
    actor: User | None,
    now: datetime,
    note: str = "",
    **values,
) -> None:
    """Move the referral (see above); when it ends before any service, give back the
    place it took and the contract unit it held."""
    before = referral.status
    if status not in TRANSITIONS[before]:
        raise InvalidInput.field("status", N_("this change of status is not allowed"))
    moved = db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.status == before)
        .values(status=status, status_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict.field("status", N_("the referral was changed meanwhile; reload it"))
    db.session.refresh(referral)
    referral.events.append(
        ReferralEvent(
            tenant_id=referral.tenant_id,
            from_status=before,
            to_status=status,
            at=now,
            by_id=actor.id if actor else None,
            by_name=actor.full_name if actor else "",
            by_tenant_id=actor.tenant_id if actor else None,
            note=note,
        )
    )
    if before in HOLDING and status not in ACTIVE:
        give_back_place(referral.service_id)
        if referral.contract_item_id is not None:
            release_held_unit(referral.contract_item_id)
    audit.record(
        "referral.status_changed", "referral", referral.id, tenant_id=referral.tenant_id,
        before={"status": str(before)},
        after={"status": str(status), **({"note": note} if note else {}),
               **{k: _plain(v) for k, v in values.items()}},
        actor=actor,
    )  # fmt: skip


def _plain(value):
    """A value as the audit log keeps it (JSON)."""
    if value is None or isinstance(value, int):
        return value
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- offers running out ------------------------------------------------------------------


def expire_offers(now: datetime) -> list[tuple[int, int]]:
    """Offers past their time expire (the place and unit they held go back); those
    near it remind the provider, and then tell the bureau (the pack's shares of the
    time). Returns the needs to match again, with their bureaus."""
    rematch = []
    offered = db.session.scalars(
        select(Referral)
        .where(Referral.status == ReferralStatus.offered)
        .order_by(Referral.respond_by, Referral.id)
        .options(joinedload(Referral.provider))
    ).all()
    for referral in offered:
        respond_by, offered_at = _utc(referral.respond_by), _utc(referral.offered_at)
        if respond_by <= now:
            _move(referral, ReferralStatus.expired, None, now)
            for tenant_id, permission in (
                (referral.tenant_id, Permission.offer_referrals),
                (referral.provider_id, Permission.answer_referrals),
            ):
                notify(
                    tenant_id, permission, "referral_expired",
                    N_("Referral %(referral)s was not answered in time; the need is matched again"),
                    {"referral": referral.id, "url": f"/referrals/{referral.id}"},
                )  # fmt: skip
            rematch.append((referral.need_id, referral.tenant_id))
            continue
        rules = _rules(referral, offered_at)
        elapsed = (now - offered_at) / (respond_by - offered_at)
        if referral.provider_reminded_at is None and elapsed >= rules.remind_provider_at:
            referral.provider_reminded_at = now
            notify(
                referral.provider_id, Permission.answer_referrals, "referral_reminder",
                N_("Referral %(referral)s awaits your answer by %(respond_by)s"),
                {"referral": referral.id, "respond_by": _shown(respond_by),
                 "url": f"/referrals/{referral.id}"},
            )  # fmt: skip
        if referral.bureau_told_at is None and elapsed >= rules.tell_bureau_at:
            referral.bureau_told_at = now
            notify(
                referral.tenant_id, Permission.offer_referrals, "referral_unanswered",
                N_("Referral %(referral)s to %(provider)s is still unanswered; due %(respond_by)s"),
                {"referral": referral.id, "provider": referral.provider.name,
                 "respond_by": _shown(respond_by), "url": f"/referrals/{referral.id}"},
            )  # fmt: skip
    return rematch


def rematch(need_id: int, now: datetime) -> Referral | None:
    """Match a need again whose offer was declined or let expire (the rules keep that
    provider out), and offer what it finds at once: the bureau had offered it already.
    Nothing when the need was closed or referred meanwhile."""
    from aidbridge.matching import service as matching

    need = db.session.get(Need, need_id)
    if need is None or need.status is not NeedStatus.open:
        return None
    bureau = db.session.get(Tenant, need.tenant_id)
    try:
        run = matching.match_now(bureau, need, None, {})
    except Conflict:  # a run referred it meanwhile
        return None
    referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
    return offer(referral, None, now) if referral is not None else None
