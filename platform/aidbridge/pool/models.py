"""The resource pool (社会救助资源库, NT21-REF-3): services that tenants publish, the
taxonomy they are filed under, and the term index that search reads.

The vocabulary follows Open Referral HSDS 3 (service, service_area, location,
schedule, taxonomy_term, service_capacity), extended with Chinese assistance
categories, target groups and the administrative-area tree.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.areas.models import Area
from aidbridge.db import FlagSet, Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import AssistanceCategory, DisabilityType, TargetGroup


def new_hsds_id() -> str:
    return str(uuid.uuid4())


class TaxonomyTerm(db.Model):
    """A need dimension (no parent) or one of its sub-categories. Reference data."""

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.code"), index=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))

    parent: Mapped[TaxonomyTerm | None] = relationship(remote_side=[code])

    @property
    def is_dimension(self) -> bool:
        return self.parent_code is None


class ServiceStatus(StrEnum):
    draft = "draft"
    published = "published"
    paused = "paused"
    retired = "retired"


class CapacityPeriod(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Funding(StrEnum):
    own_funds = "own_funds"
    charity_funded = "charity_funded"
    government_purchased = "government_purchased"


class Service(TenantOwned, Timestamped, db.Model):
    """A service a tenant (its provider) offers. Only the provider edits it; once
    published it is visible to every tenant of the same pool (policy-pack
    jurisdiction)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_hsds_id)
    # The shared pool the service is published into: its provider's policy pack.
    pool: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    dimension_code: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.code"))
    subcategory_code: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.code"))
    target_groups: Mapped[frozenset[TargetGroup]] = mapped_column(
        FlagSet(TargetGroup), default=frozenset
    )
    # Empty means the service asks for no particular assistance category.
    categories: Mapped[frozenset[AssistanceCategory]] = mapped_column(
        FlagSet(AssistanceCategory), default=frozenset
    )
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    requires_disability: Mapped[bool] = mapped_column(default=False)
    # With requires_disability: the types admitted (empty: any type).
    disability_types: Mapped[frozenset[DisabilityType]] = mapped_column(
        FlagSet(DisabilityType), default=frozenset
    )
    eligibility_notes: Mapped[str] = mapped_column(Text, default="")
    capacity_unit: Mapped[str] = mapped_column(String(40))
    capacity_period: Mapped[CapacityPeriod] = mapped_column(
        enum_column(CapacityPeriod, "capacity_period")
    )
    capacity_per_period: Mapped[int]
    capacity_available: Mapped[int]
    capacity_updated_at: Mapped[datetime | None]
    funding: Mapped[Funding] = mapped_column(enum_column(Funding, "funding"))
    # The purchase-of-service contract paying for it (linked by the contracts context).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    status: Mapped[ServiceStatus] = mapped_column(
        enum_column(ServiceStatus, "service_status"), default=ServiceStatus.draft
    )
    published_at: Mapped[datetime | None]
    assured_date: Mapped[date | None]
    assured_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    dimension: Mapped[TaxonomyTerm] = relationship(foreign_keys=[dimension_code])
    subcategory: Mapped[TaxonomyTerm | None] = relationship(foreign_keys=[subcategory_code])
    areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ServiceArea.area_code",
    )
    locations: Mapped[list[ServiceLocation]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ServiceLocation.id",
    )
    schedules: Mapped[list[ServiceSchedule]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ServiceSchedule.id",
    )
    project: Mapped[Project | None] = relationship(back_populates="services")

    __table_args__ = (
        # Search filters by these, then by coverage: with the other filter columns
        # included (PostgreSQL), it is answered from the index alone.
        Index(
            "ix_service_pool_status_dimension",
            "pool",
            "status",
            "dimension_code",
            postgresql_include=[
                "id",
                "categories",
                "capacity_available",
                "tenant_id",
                "published_at",
                # Whether a contract funds it (then offered only while the contract is).
                "contract_id",
            ],
        ),
        CheckConstraint("capacity_per_period >= 0", name="capacity_per_period"),
        CheckConstraint(
            "capacity_available >= 0 AND capacity_available <= capacity_per_period",
            name="capacity_available",
        ),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ages"),
    )


class ServiceArea(TenantOwned, db.Model):
    """Coverage: the service is offered in this area and everything inside it."""

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"), primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(36), default=new_hsds_id)

    service: Mapped[Service] = relationship(back_populates="areas")
    area: Mapped[Area] = relationship(lazy="joined")

    # "Which services cover these areas?" answered from the index alone.
    __table_args__ = (Index("ix_service_area_area_code_service_id", "area_code", "service_id"),)


class ServiceLocation(TenantOwned, db.Model):
    """Where the service is delivered: an address, optionally with coordinates."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_hsds_id)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    service: Mapped[Service] = relationship(back_populates="locations")


class ServiceSchedule(TenantOwned, db.Model):
    """When the service is open (HSDS schedule: weekly days and hours, or a note)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_hsds_id)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    # iCalendar BYDAY codes, comma-separated: "MO,TU,WE".
    byday: Mapped[str] = mapped_column(String(20), default="")
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]
    description: Mapped[str] = mapped_column(String(300), default="")

    service: Mapped[Service] = relationship(back_populates="schedules")


class ServiceTerm(db.Model):
    """The search index: one row per word of a service's name or description.

    Kept by the pool service on every write. ``weight`` is higher for words of the
    name. Not tenant-owned: it is read only through pool searches, which apply
    the pool's visibility rules to the services they return.
    """

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[int]

    __table_args__ = (Index("ix_service_term_term", "term", "service_id"),)


class ProjectStatus(StrEnum):
    draft = "draft"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class Project(TenantOwned, Timestamped, db.Model):
    """A charity project (慈善项目, CJ21-REF-2): aims, needs addressed, funding, and
    the services that deliver it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    aims: Mapped[str] = mapped_column(Text, default="")
    pool: Mapped[str] = mapped_column(String(40), index=True)
    target_groups: Mapped[frozenset[TargetGroup]] = mapped_column(
        FlagSet(TargetGroup), default=frozenset
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    funding_target_fen: Mapped[int] = mapped_column(BigInteger)
    funds_raised_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.draft
    )

    services: Mapped[list[Service]] = relationship(back_populates="project")
    dimensions: Mapped[list[ProjectDimension]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProjectDimension.dimension_code",
    )
    areas: Mapped[list[ProjectArea]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProjectArea.area_code",
    )

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("funding_target_fen >= 0 AND funds_raised_fen >= 0", name="funds"),
    )

    @property
    def funding_progress(self) -> Decimal | None:
        """Funds raised as a percentage of the target, one decimal, exact (no floats)."""
        if not self.funding_target_fen:
            return None
        share = Decimal(self.funds_raised_fen) * 100 / Decimal(self.funding_target_fen)
        return share.quantize(Decimal("0.1"))


class ProjectArea(TenantOwned, db.Model):
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"), primary_key=True)

    project: Mapped[Project] = relationship(back_populates="areas")


class ProjectDimension(TenantOwned, db.Model):
    """A need dimension the project addresses."""

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    dimension_code: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.code"), primary_key=True)

    project: Mapped[Project] = relationship(back_populates="dimensions")
    term: Mapped[TaxonomyTerm] = relationship(lazy="joined")
