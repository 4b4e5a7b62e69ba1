"""Matching runs and what they leave behind: the referrals they propose (the referrals
context's ``Referral``) and, for every need they could not serve, why not.

A run is the bureau's record of one pass of the engine over its open needs — a batch
for its jurisdiction or an area (started from the pages or the API, or by the nightly
schedule) or an instant match of one need — with its status, counts and timings.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.areas.models import Area
from aidbridge.clock import utcnow
from aidbridge.db import enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import NeedDimension, Urgency


class RunMode(StrEnum):
    batch = "batch"  # started by a person, for the jurisdiction or an area
    nightly = "nightly"  # started by the schedule, for the jurisdiction
    instant = "instant"  # one need, matched at once (ALL-EM-2)


class RunStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


OPEN_STATUSES = (RunStatus.queued, RunStatus.running)


class Reason(StrEnum):
    """Why a candidate service was set aside for a need, in the order the rules are
    applied; a need left unmatched is explained by the last rule that set any aside
    (``no_service`` when no service of its dimension covers its area at all)."""

    no_service = "no_service"  # no published service of the dimension covers the area
    subcategory = "subcategory"  # serves another sub-category of the dimension
    category = "category"  # not for the household's assistance categories
    age = "age"  # the member concerned (or no member) is outside its age range
    disability = "disability"  # asks for a disability the member (household) lacks
    consent = "consent"  # a non-government provider; the household did not consent
    declined_before = "declined_before"  # its provider declined or let this need expire
    already_referred = "already_referred"  # served or referred before: no duplicates
    provider_blocked = "provider_blocked"  # the staffing rule blocks its provider
    contract_inactive = "contract_inactive"  # its contract is not active today
    contract_units = "contract_units"  # its contract item has no units left
    contract_budget = "contract_budget"  # its contract has no budget left for a unit
    full = "full"  # no places left
    # The optimum leaves these (every candidate left of an unmatched need is one):
    member_other_need = "member_other_need"  # it serves the member's other need
    capacity_taken = "capacity_taken"  # its places went to more urgent or closer needs


# The rules in the order they set candidates aside (``no_service`` is no rule of its
# own: it is the need that has no candidate to begin with).
STAGES: tuple[Reason, ...] = tuple(r for r in Reason if r is not Reason.no_service)


class MatchingRun(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[RunMode] = mapped_column(enum_column(RunMode, "run_mode", length=10))
    # The scope: the bureau's jurisdiction or an area inside it.
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, "run_status", length=10), default=RunStatus.queued
    )
    # The cost weights the run used ({distance, performance, continuity, price}).
    weights: Mapped[dict] = mapped_column(JSON)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # {needs, pairs, candidates, matched: {urgency: n}, unmatched: {reason: n},
    #  greedy: {matched, cost}, attempts}; {load, build, solve, greedy, write} seconds.
    counts: Mapped[dict | None] = mapped_column(JSON)
    timings: Mapped[dict | None] = mapped_column(JSON)
    # The total cost of the pairs chosen, and which solver chose them ("min_cost_flow";
    # "greedy" when the exact solver failed and the reference stood in).
    cost: Mapped[int | None] = mapped_column(BigInteger)
    solver: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(500))

    area: Mapped[Area] = relationship()
    started_by = relationship("User")

    __table_args__ = (
        # One open run per scope: a second start is refused (409), also at the same moment.
        Index(
            "uq_matching_run_open_scope",
            "tenant_id",
            "area_code",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_matching_run_tenant_id_created_at", "tenant_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<MatchingRun {self.id} {self.mode} {self.area_code} {self.status}>"


class UnmatchedNeed(TenantOwned, db.Model):
    """A need a run could not serve, and why: the rule that left it without a candidate
    and how many candidate services each rule set aside. The need's area, dimension and
    urgency are kept as they were, so that a run's summary ("47 care needs in street X:
    capacity") reads the same later."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("matching_run.id"))
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    dimension: Mapped[NeedDimension] = mapped_column(enum_column(NeedDimension, "need_dimension"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency", length=10))
    reason: Mapped[Reason] = mapped_column(enum_column(Reason, "unmatched_reason"))
    # Services of the dimension covering the area, and those each rule set aside.
    considered: Mapped[int]
    removed: Mapped[dict] = mapped_column(JSON)

    run: Mapped[MatchingRun] = relationship()
    need = relationship("Need")
    area: Mapped[Area] = relationship()

    __table_args__ = (Index("ix_unmatched_need_run_id_reason", "run_id", "reason"),)
