"""Households, their members and economic facts, and the decisions made about them.

Every row is owned by the bureau that registered the household. ID and phone
numbers are never stored in clear (see :mod:`aidbridge.personal_data`): each is a
token, a keyed digest and a mask.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.areas.models import Area
from aidbridge.clock import utcnow
from aidbridge.db import Final, FlagSet, Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.policy.classify import Step
from aidbridge.policy.facts import Outcome
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    ExpenditureType,
    IncomeType,
    LabourCapacity,
    PropertyType,
    Relation,
    SchoolStage,
    SelfCare,
    Setting,
    Sex,
    Supporter,
)


class ItemKind(StrEnum):
    """An economic fact: monthly income of a member, monthly rigid expenditure, property."""

    income = "income"
    expenditure = "expenditure"
    property = "property"


ITEM_TYPES: dict[ItemKind, type[StrEnum]] = {
    ItemKind.income: IncomeType,
    ItemKind.expenditure: ExpenditureType,
    ItemKind.property: PropertyType,
}


def member_rule(kind: ItemKind, has_member: bool) -> str | None:
    """An income is a member's and nothing else is: the reason when a pair breaks that."""
    if kind is ItemKind.income and not has_member:
        return N_("an income belongs to a member")
    if kind is not ItemKind.income and has_member:
        return N_("only an income belongs to a member")
    return None


NOT_AUTHORISED = N_("the household has not authorised the economic checks (ALL-PR-2)")


class Household(TenantOwned, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # The policy pack the household is decided under: its bureau's jurisdiction.
    jurisdiction: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    # Where the home is, when known: the matching engine prefers services close by
    # (without them it goes by the area tree).
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    setting: Mapped[Setting] = mapped_column(enum_column(Setting, "setting", length=10))
    phone_token: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    registered_on: Mapped[date]
    # 一证一书 (ALL-PR-2): the date the household authorised the economic checks.
    checks_authorised_on: Mapped[date | None]
    emergency: Mapped[bool] = mapped_column(default=False)
    exit_requested: Mapped[bool] = mapped_column(default=False)
    # The latest decision's findings, kept here for lists and the review schedule:
    # household and member outcomes, and the monthly cash they bring in all.
    outcomes: Mapped[frozenset[Outcome]] = mapped_column(FlagSet(Outcome), default=frozenset)
    benefit_fen: Mapped[int] = mapped_column(default=0)
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    # The review date whose passing the bureau was told of (once per date).
    review_overdue_noted: Mapped[date | None]

    area: Mapped[Area] = relationship()
    members: Mapped[list[Member]] = relationship(
        back_populates="household", order_by="Member.id", cascade="all, delete-orphan"
    )
    items: Mapped[list[EconomicItem]] = relationship(
        back_populates="household", order_by="EconomicItem.id", cascade="all, delete-orphan"
    )

    @property
    def head(self) -> Member | None:
        return next((m for m in self.members if m.relation is Relation.head), None)

    @property
    def missing_for_decision(self) -> dict[str, list[str]]:
        """What a decision needs that the record lacks, by field: the authorisation for
        the checks, and ID numbers an emergency intake left for later (ALL-EM-3)."""
        missing = {
            f"members.{index}.id_number": [N_("needed before a decision")]
            for index, member in enumerate(self.members)
            if member.id_number_digest is None
        }
        if self.checks_authorised_on is None:
            missing["checks_authorised_on"] = [NOT_AUTHORISED]
        return missing

    def __repr__(self) -> str:
        return f"<Household {self.id} {self.area_code}>"


class Member(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    # Copied from the household: one person, one household per jurisdiction.
    jurisdiction: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(50))
    # Unknown only while an emergency intake is being completed (ALL-EM-3).
    id_number_token: Mapped[str | None] = mapped_column(Text)
    id_number_digest: Mapped[str | None] = mapped_column(String(64))
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    birth_date: Mapped[date | None]
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, "sex", length=10))
    relation: Mapped[Relation] = mapped_column(enum_column(Relation, "relation", length=20))
    labour_capacity: Mapped[LabourCapacity] = mapped_column(
        enum_column(LabourCapacity, "labour_capacity", length=10)
    )
    employment: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus, "employment_status")
    )
    school_stage: Mapped[SchoolStage | None] = mapped_column(
        enum_column(SchoolStage, "school_stage")
    )
    disability_type: Mapped[DisabilityType | None] = mapped_column(
        enum_column(DisabilityType, "disability_type", length=20)
    )
    disability_grade: Mapped[int | None]
    major_illness: Mapped[bool] = mapped_column(default=False)
    self_care: Mapped[SelfCare] = mapped_column(enum_column(SelfCare, "self_care", length=10))
    supporter: Mapped[Supporter] = mapped_column(enum_column(Supporter, "supporter", length=10))
    institutional_care: Mapped[bool] = mapped_column(default=False)
    applies_individually: Mapped[bool] = mapped_column(default=False)

    household: Mapped[Household] = relationship(back_populates="members")

    __table_args__ = (
        # The database itself refuses a second registration of a person, also when two
        # bureaus register the same person at the same moment.
        UniqueConstraint("jurisdiction", "id_number_digest"),
        CheckConstraint(
            "disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4", "disability_grade"
        ),
    )

    def __repr__(self) -> str:
        return f"<Member {self.id} of household {self.household_id}>"


class EconomicItem(TenantOwned, db.Model):
    """Income (a member's, monthly), rigid expenditure (monthly) or property (value),
    with the dates it holds; the type's codes depend on the kind (vocab)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind", length=12))
    type: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # BIGINT: a property's value passes 2**31 fen (21 million yuan) in a big city.
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(200), default="")

    household: Mapped[Household] = relationship(back_populates="items")
    member: Mapped[Member | None] = relationship()

    @property
    def typed(self) -> StrEnum:
        """The type as its kind's code (IncomeType, ExpenditureType or PropertyType)."""
        return ITEM_TYPES[self.kind](self.type)

    __table_args__ = (
        CheckConstraint("amount_fen >= 0", "amount_not_negative"),
        CheckConstraint("(kind = 'income') = (member_id IS NOT NULL)", "income_has_member"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", "ends_after_start"),
    )


class Decision(Final, TenantOwned, db.Model):
    """One classification of a household, as the engine made it. Never changed: a
    new decision is a new row, and the pack version it applied stays readable."""

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    pack_version_id: Mapped[int] = mapped_column(ForeignKey("policy_pack_version.id"))
    decided_on: Mapped[date]
    outcomes: Mapped[frozenset[Outcome]] = mapped_column(FlagSet(Outcome))
    benefit_fen: Mapped[int]
    standard_fen: Mapped[int]
    member_count: Mapped[int]
    counted_income_fen: Mapped[int]
    assessed_income_fen: Mapped[int]
    review_months: Mapped[int | None]
    next_review_on: Mapped[date | None]
    gradual_exit_since: Mapped[date | None]
    # [{member_id, outcome, monthly_fen, rules}], [{member_id, rule, message, params}]
    member_outcomes: Mapped[list] = mapped_column(JSON)
    entitlements: Mapped[list] = mapped_column(JSON)
    # The engine's steps: [{rule, held, message, params, member}] (messages untranslated).
    steps: Mapped[list] = mapped_column(JSON)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    pack_version = relationship("PolicyPackVersion")
    decided_by = relationship("User")

    __table_args__ = (Index("ix_decision_household_id_decided_on", "household_id", "decided_on"),)


class CaseGrant(TenantOwned, db.Model):
    """A bureau's household opened to a social-work agency that assists with its
    assessment. Owned by the bureau, whose record the household stays: the agency's
    assessors work on it in the bureau's scope while the grant lasts, and what they
    record is the bureau's. Ending a grant keeps it, as history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ended_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship()
    bureau = relationship("Tenant", foreign_keys="CaseGrant.tenant_id")
    agency = relationship("Tenant", foreign_keys=[agency_id])
    granted_by = relationship("User", foreign_keys=[granted_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])

    __table_args__ = (
        # One open grant per household and agency.
        Index(
            "uq_case_grant_open",
            "household_id",
            "agency_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


def trace_text(record: dict, translate) -> str:
    """A stored step or entitlement in words (``translate`` is gettext)."""
    step = Step(record["rule"], record.get("held"), record["message"], record["params"])
    return step.text(translate)


class ImportMode(StrEnum):
    """What an import of households does with the households it accepts."""

    check = "check"  # validate only: nothing is written
    accepted = "accepted"  # write the accepted households, report the rejected ones
    all_or_nothing = "all_or_nothing"  # write nothing if any row is rejected


class ImportStatus(StrEnum):
    queued = "queued"
    running = "running"
    checked = "checked"  # validated; a check writes nothing
    imported = "imported"  # the accepted households were written
    # Nothing written: the file could not be read, or all or nothing and a row was
    # rejected, or no household was accepted.
    refused = "refused"
    failed = "failed"  # writing failed (someone registered meanwhile): nothing written


class HouseholdImport(TenantOwned, db.Model):
    """A file of households a bureau uploaded, and its report. The file holds ID
    numbers in clear, so it is stored encrypted and only until the import job has
    read it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[ImportMode] = mapped_column(enum_column(ImportMode, "import_mode", length=20))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, "import_status", length=10), default=ImportStatus.queued
    )
    # Deferred: lists of imports never load the files.
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # {households, members}: each {read, accepted, rejected, written}, for lists.
    counts: Mapped[dict | None] = mapped_column(JSON)
    # The counts, file_errors, headers and every rejected line (see households.importing):
    # deferred, as a large file's can be long.
    report: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a job claimed it: a run that never finishes (its worker died) is failed by
    # ``importing.fail_stalled`` once it has run far longer than any import takes.
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<HouseholdImport {self.id} {self.status}>"
