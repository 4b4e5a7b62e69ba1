"""Referrals (转介): a need of a household paired with a service of the pool.

A referral is the referring bureau's record (its tenant), seen by the bureau and by
the provider it names, nobody else. It starts as a match the engine proposed
(``proposed``) and follows the life cycle of the glossary; while it is active the need
is not matched again. It keeps one place of the service from the match, given back if
it ends without service (``UNSERVED``); for a contract-funded service it holds one
unit of the contract item and its price (``HOLDING``) until the first delivery draws
it down or it ends without one, so that no other match can hand them out.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.clock import utcnow
from aidbridge.db import Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import Severity, Urgency


class ReferralStatus(StrEnum):
    proposed = "proposed"
    offered = "offered"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    revoked = "revoked"
    in_service = "in_service"
    completed = "completed"
    closed_unresolved = "closed_unresolved"


class DeclineReason(StrEnum):
    no_capacity = "no_capacity"
    not_eligible = "not_eligible"
    cannot_contact = "cannot_contact"
    outside_area = "outside_area"
    household_refused = "household_refused"
    other = "other"  # with a note saying what


class CaseOutcome(StrEnum):
    """How a case the provider served ended."""

    resolved = "resolved"
    partly_resolved = "partly_resolved"
    not_resolved = "not_resolved"
    moved = "moved"
    deceased = "deceased"
    other = "other"  # with a note saying what


class RecordKind(StrEnum):
    """What a service record is of: its units are visits, sessions, hours of training,
    or pieces of goods delivered."""

    visit = "visit"
    session = "session"
    training_hour = "training_hour"
    goods = "goods"


# The moves a referral may make (Primero's life cycle, the glossary's states). The
# bureau offers and revokes; the provider accepts or declines; an offer left
# unanswered expires; the first service record starts the service; closing ends it.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.proposed: frozenset({ReferralStatus.offered, ReferralStatus.revoked}),
    ReferralStatus.offered: frozenset(
        {
            ReferralStatus.accepted,
            ReferralStatus.declined,
            ReferralStatus.expired,
            ReferralStatus.revoked,
        }
    ),
    ReferralStatus.accepted: frozenset(
        {ReferralStatus.in_service, ReferralStatus.revoked, ReferralStatus.closed_unresolved}
    ),
    ReferralStatus.in_service: frozenset(
        {ReferralStatus.completed, ReferralStatus.closed_unresolved}
    ),
    ReferralStatus.declined: frozenset(),
    ReferralStatus.expired: frozenset(),
    ReferralStatus.revoked: frozenset(),
    ReferralStatus.completed: frozenset(),
    ReferralStatus.closed_unresolved: frozenset(),
}
# A need with a referral in one of these is being served: it is not matched again.
ACTIVE = frozenset(
    {
        ReferralStatus.proposed,
        ReferralStatus.offered,
        ReferralStatus.accepted,
        ReferralStatus.in_service,
    }
)
# Ended by the provider without service: the need goes back to matching, without it.
REFUSED = frozenset({ReferralStatus.declined, ReferralStatus.expired})
# The provider is serving the household (continuity prefers it for its other needs).
SERVING = frozenset({ReferralStatus.accepted, ReferralStatus.in_service})
# The provider took it on: it may now read the household's address and its head's name.
TOOK_ON = frozenset(
    {
        ReferralStatus.accepted,
        ReferralStatus.in_service,
        ReferralStatus.completed,
        ReferralStatus.closed_unresolved,
    }
)
# Holding one unit of the contract item (and its price on the contract): from the match
# until the first delivery draws it down, or the referral ends without service.
HOLDING = frozenset({ReferralStatus.proposed, ReferralStatus.offered, ReferralStatus.accepted})
# Ended without the household being served: the service's place is given back.
UNSERVED = frozenset({ReferralStatus.declined, ReferralStatus.expired, ReferralStatus.revoked})


def _in(statuses: frozenset[ReferralStatus]) -> str:
    return ", ".join(f"'{s}'" for s in sorted(statuses))


class Referral(TenantOwned, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
    # The need's household and member, kept here for the no-duplicate rule (a service
    # serves a household member once) and for the provider's view.
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    # The contract item funding the service when it was matched (its unit is held).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    contract_item_id: Mapped[int | None] = mapped_column(ForeignKey("contract_item.id"))
    # The matching run that proposed it (a batch, the nightly run, or an instant match).
    run_id: Mapped[int] = mapped_column(ForeignKey("matching_run.id"), index=True)
    # The need's urgency when it was matched.
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency", length=10))
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus, "referral_status", length=20),
        default=ReferralStatus.proposed,
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The pair's cost in the run (lower is better) and why it was chosen: the rules that
    # admitted it, the parts of its cost and the next-best alternatives (matching.explain).
    cost: Mapped[int] = mapped_column(BigInteger)
    explanation: Mapped[dict] = mapped_column(JSON)
    # The offer: when it was made, by when the provider must answer and the rule that
    # says so (the pack's response times), and when the provider and then the bureau
    # were told that time was running out.
    offered_at: Mapped[datetime | None]
    respond_by: Mapped[datetime | None] = mapped_column(index=True)
    respond_rule: Mapped[str | None] = mapped_column(String(20))
    provider_reminded_at: Mapped[datetime | None]
    bureau_told_at: Mapped[datetime | None]
    # The provider's answer: who gave it, when, and the social worker it assigned (a
    # user of the provider) or why it declined.
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        enum_column(DeclineReason, "decline_reason", length=20)
    )
    decline_note: Mapped[str] = mapped_column(Text, default="")
    # The day of the first service recorded (the earliest record's), kept for the
    # monitoring measures so that they need not read every record.
    first_served_on: Mapped[date | None]
    # The case's end: how it went, the household's satisfaction (1–5, when it gave one),
    # and the need's severity re-assessed at closing beside the one it had when served.
    closed_at: Mapped[datetime | None]
    outcome: Mapped[CaseOutcome | None] = mapped_column(
        enum_column(CaseOutcome, "case_outcome", length=20)
    )
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None]
    severity_before: Mapped[Severity | None] = mapped_column(
        enum_column(Severity, "severity_before", length=10)
    )
    severity_after: Mapped[Severity | None] = mapped_column(
        enum_column(Severity, "severity_after", length=10)
    )
    records: Mapped[list[ServiceRecord]] = relationship(
        back_populates="referral", order_by="ServiceRecord.id"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )

    need = relationship("Need")
    service = relationship("Service")
    provider = relationship("Tenant", foreign_keys=[provider_id])
    bureau = relationship("Tenant", foreign_keys="Referral.tenant_id", viewonly=True)
    household = relationship("Household", viewonly=True)
    worker = relationship("User", foreign_keys=[worker_id])

    __table_args__ = (
        # One active referral per need, decided by the database even between two runs
        # (or a run and an instant match) writing at the same moment.
        Index(
            "uq_referral_active_need",
            "need_id",
            unique=True,
            sqlite_where=text(f"status IN ({_in(ACTIVE)})"),
            postgresql_where=text(f"status IN ({_in(ACTIVE)})"),
        ),
        Index("ix_referral_household_id_service_id", "household_id", "service_id"),
        Index("ix_referral_provider_id_status", "provider_id", "status"),
        # The monitoring measures read each side's referrals offered in a period.
        Index("ix_referral_tenant_id_offered_at", "tenant_id", "offered_at"),
        Index("ix_referral_provider_id_offered_at", "provider_id", "offered_at"),
        CheckConstraint(
            "decline_reason IS NOT NULL OR status != 'declined'", name="declined_with_reason"
        ),
        CheckConstraint(
            "outcome IS NOT NULL OR status NOT IN ('completed', 'closed_unresolved')",
            name="closed_with_outcome",
        ),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_1_to_5"),
    )


class ServiceRecord(TenantOwned, db.Model):
    """What the provider did for the household on a referral: a visit, a session, hours
    of training or goods, on a day, by a worker; for a contract-funded service, the
    delivery it drew the contract down by. The referral's bureau's record, kept as
    recorded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, "record_kind", length=20))
    served_on: Mapped[date]
    units: Mapped[int]
    minutes: Mapped[int | None]
    worker_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="records")
    worker = relationship("User", foreign_keys=[worker_id])

    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes_positive"),
    )


class ReferralEvent(TenantOwned, db.Model):
    """One move of a referral, kept as history: from and to which state, when, by whom
    (and their organisation: the bureau's or the provider's staff), and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus, "from_status", length=20)
    )
    to_status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus, "to_status", length=20)
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: the platform itself (an offer expiring).
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    by_name: Mapped[str] = mapped_column(String(100), default="")
    by_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="events")
