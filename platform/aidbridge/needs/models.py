"""Needs assessments and the need items they open (CN21-AS-1).

An assessment rates a household along every need dimension on a date and grades its
hardship; it is kept as history (a re-assessment is a new version). The needs it
confirms are open need items: what the matching engine serves, one row per need of
the household or of one member, carried from one assessment to the next while assessed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from aidbridge.clock import utcnow
from aidbridge.db import Final, Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.households.models import Household, Member
from aidbridge.pool.models import TaxonomyTerm
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import NeedDimension, Severity, Urgency


class Assessment(Final, TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    # 1 for the first assessment of the household, then 2, 3…
    version: Mapped[int]
    assessed_on: Mapped[date]
    pack_version_id: Mapped[int] = mapped_column(ForeignKey("policy_pack_version.id"))
    # 分级: 1 is the hardest; the points and the steps that gave it.
    grade: Mapped[int]
    points: Mapped[int]
    grade_steps: Mapped[list] = mapped_column(JSON)
    # The household agrees that providers outside government see what a referral needs.
    consents_to_share: Mapped[bool]
    note: Mapped[str] = mapped_column(String(1000), default="")
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Who assessed, as they were named then, and their organisation: the bureau's own
    # staff, or an agency's assessor on a case the bureau granted, whose account is not
    # the bureau's to read (so not a relationship, which the bureau's scope would hide).
    assessed_by_name: Mapped[str] = mapped_column(String(100), default="")
    assessed_by_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    ratings: Mapped[list[DimensionRating]] = relationship(
        back_populates="assessment", order_by="DimensionRating.id", cascade="all"
    )
    needs: Mapped[list[AssessedNeed]] = relationship(
        back_populates="assessment", order_by="AssessedNeed.id", cascade="all"
    )
    pack_version = relationship("PolicyPackVersion")
    assessed_by_tenant = relationship("Tenant", foreign_keys=[assessed_by_tenant_id])

    __table_args__ = (
        UniqueConstraint("household_id", "version"),
        # One assessment per household and date.
        UniqueConstraint("household_id", "assessed_on"),
    )


class DimensionRating(Final, TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    dimension: Mapped[NeedDimension] = mapped_column(enum_column(NeedDimension, "need_dimension"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity", length=10))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency", length=10))
    note: Mapped[str] = mapped_column(String(500), default="")

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")

    __table_args__ = (UniqueConstraint("assessment_id", "dimension"),)


class NeedFields:
    """What an assessment says about one need: kept on the need item, which moves on with
    later assessments, and with the assessment itself, which stays as it was."""

    # The member concerned; None for the household as a whole.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    dimension: Mapped[NeedDimension] = mapped_column(enum_column(NeedDimension, "need_dimension"))
    subcategory_code: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.code"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity", length=10))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency", length=10))
    note: Mapped[str] = mapped_column(String(500), default="")
    # At least so many services a year (e.g. 3 job recommendations, CJ21-JOB-1).
    yearly_target: Mapped[int | None]
    target_rule: Mapped[str | None] = mapped_column(String(20))
    # Why the engine proposed it ({rule, held, message, params, member}); None when the
    # assessor added it.
    basis: Mapped[dict | None] = mapped_column(JSON)

    @declared_attr
    def member(cls) -> Mapped[Member | None]:
        return relationship(Member)

    @declared_attr
    def subcategory(cls) -> Mapped[TaxonomyTerm | None]:
        return relationship(TaxonomyTerm)

    @property
    def key(self) -> tuple[str, str | None, int | None]:
        """What makes it the same need in the next assessment."""
        return (str(self.dimension), self.subcategory_code, self.member_id)


# The columns above, by name (to copy an assessment's word onto the need item).
NEED_FIELDS = tuple(NeedFields.__annotations__)


class AssessedNeed(NeedFields, Final, TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="needs")
    need: Mapped[Need] = relationship()


class NeedStatus(StrEnum):
    open = "open"
    # No longer assessed: a later assessment did not confirm it.
    closed = "closed"


class Need(NeedFields, TenantOwned, Timestamped, db.Model):
    """A need item: open while assessments confirm it; what the matching engine serves."""

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus, "need_status", length=10), default=NeedStatus.open
    )
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"))
    # The latest assessment that confirmed it (or closed it).
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]

    household: Mapped[Household] = relationship()

    @property
    def area_code(self) -> str:
        """Where the need is: the household's community."""
        return self.household.area_code

    __table_args__ = (
        # The matching engine reads open needs by urgency.
        Index("ix_need_status_urgency", "status", "urgency"),
        Index("ix_need_household_id_status", "household_id", "status"),
        CheckConstraint("severity <> 'none'", "has_severity"),
        CheckConstraint("yearly_target IS NULL OR yearly_target > 0", "target_positive"),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", "closed_on_when_closed"),
    )
