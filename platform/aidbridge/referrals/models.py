"""Referrals (转介): a need of a household paired with a service of the pool.

A referral is the referring bureau's record (its tenant), seen by the bureau and by
the provider it names, nobody else. It starts as a match the engine proposed
(``proposed``) and follows the life cycle of the glossary; while it is active the need
is not matched again, and while it holds (see ``HOLDING``) it keeps one place of the
service and, for a contract-funded service, one unit of the contract item and its
price, so that no other match can hand them out.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.clock import utcnow
from aidbridge.db import Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import Urgency


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

    need = relationship("Need")
    service = relationship("Service")
    provider = relationship("Tenant", foreign_keys=[provider_id])

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
    )
