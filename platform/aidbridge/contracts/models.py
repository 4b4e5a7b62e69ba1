"""Purchase of services (政府购买服务, ALL-PS-1): a bureau's purchase list, the contracts
it signs with providers, and the delivered units that draw them down.

Every row is the purchasing bureau's. The provider named on a contract reads it and
records delivery on it, acting in the bureau's scope for that request (see
``contracts.service.find_contract``); no third tenant sees it.
"""

from __future__ import annotations

from datetime import date, datetime
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.areas.models import Area
from aidbridge.clock import utcnow
from aidbridge.db import Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned
from aidbridge.vocab import NeedDimension


class ServiceUnit(StrEnum):
    """What a unit of a purchased service is."""

    hour = "hour"  # 小时
    session = "session"  # 次（场）
    visit = "visit"  # 次上门
    person_time = "person_time"  # 人次
    household_month = "household_month"  # 户·月
    piece = "piece"  # 件（份）


class ItemStatus(StrEnum):
    draft = "draft"
    published = "published"  # on the published purchase list: contracts may buy it
    withdrawn = "withdrawn"  # off the list: no new contract buys it


class FundingSource(StrEnum):
    """资金来源 (CN21-PS-4)."""

    special_funds = "special_funds"  # 社会救助专项经费
    welfare_lottery = "welfare_lottery"  # 公益福彩金
    venture_philanthropy = "venture_philanthropy"  # 公益创投
    charity_funds = "charity_funds"  # 慈善资金


class ContractStatus(StrEnum):
    draft = "draft"
    active = "active"
    suspended = "suspended"
    closed = "closed"


class PurchaseItem(TenantOwned, Timestamped, db.Model):
    """One entry of a bureau's purchase list (购买清单): a service it buys, priced."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    dimension: Mapped[NeedDimension] = mapped_column(
        enum_column(NeedDimension, "need_dimension", length=20)
    )
    subcategory_code: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.code"))
    unit: Mapped[ServiceUnit] = mapped_column(enum_column(ServiceUnit, "service_unit", length=20))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    quality: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ItemStatus] = mapped_column(
        enum_column(ItemStatus, "purchase_item_status", length=10), default=ItemStatus.draft
    )
    published_on: Mapped[date | None]

    subcategory = relationship("TaxonomyTerm")

    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("unit_price_fen > 0", name="unit_price_positive"),
    )


class Contract(TenantOwned, Timestamped, db.Model):
    """A purchase-of-service contract between the bureau (its tenant) and a provider.

    ``spent_fen`` and each item's ``units_delivered`` are running totals of the
    deliveries, kept under the contract row's lock so that they are always exact;
    ``reserved_fen`` and each item's ``units_reserved`` are what the referrals matched
    to its services hold until they are delivered (one unit and its price each), kept
    the same way, so that matching never hands out what is not there."""

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    funding_source: Mapped[FundingSource] = mapped_column(
        enum_column(FundingSource, "funding_source", length=30)
    )
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus, "contract_status", length=10), default=ContractStatus.draft
    )
    # Performance targets (the monitoring issue compares them with the actuals): shares
    # of referrals accepted within the SLA and completed, and the mean satisfaction (1–5).
    target_accepted_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    target_completed_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    target_satisfaction: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    bureau = relationship("Tenant", foreign_keys="Contract.tenant_id")
    provider = relationship("Tenant", foreign_keys=[provider_id])
    items: Mapped[list[ContractItem]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractItem.id",
        lazy="selectin",
    )
    areas: Mapped[list[ContractArea]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractArea.area_code",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("budget_fen > 0", name="budget_positive"),
        CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="within_budget"),
        CheckConstraint(
            "reserved_fen >= 0 AND spent_fen + reserved_fen <= budget_fen",
            name="reserved_within_budget",
        ),
    )

    @property
    def remaining_fen(self) -> int:
        """The budget neither spent nor held by matched referrals."""
        return self.budget_fen - self.spent_fen - self.reserved_fen


class ContractItem(TenantOwned, db.Model):
    """A purchase-list item the contract buys: its price and units under this contract."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), index=True
    )
    purchase_item_id: Mapped[int] = mapped_column(ForeignKey("purchase_item.id"))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int]
    units_delivered: Mapped[int] = mapped_column(default=0)
    units_reserved: Mapped[int] = mapped_column(default=0)

    contract: Mapped[Contract] = relationship(back_populates="items")
    purchase_item: Mapped[PurchaseItem] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("contract_id", "purchase_item_id"),
        CheckConstraint("unit_price_fen > 0", name="unit_price_positive"),
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("units_delivered >= 0 AND units_delivered <= units", name="within_units"),
        CheckConstraint(
            "units_reserved >= 0 AND units_delivered + units_reserved <= units",
            name="reserved_within_units",
        ),
    )

    @property
    def units_remaining(self) -> int:
        """The units neither delivered nor held by matched referrals."""
        return self.units - self.units_delivered - self.units_reserved


class ContractArea(TenantOwned, db.Model):
    """Coverage: the contract buys services in this area and everything inside it."""

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"), primary_key=True)

    contract: Mapped[Contract] = relationship(back_populates="areas")
    area: Mapped[Area] = relationship(lazy="joined")


class Delivery(TenantOwned, db.Model):
    """Units delivered under a contract (a visit, a session, goods): what draws it down.
    Kept as recorded; the running totals on the contract follow from them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    contract_item_id: Mapped[int] = mapped_column(ForeignKey("contract_item.id"))
    units: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    delivered_on: Mapped[date]
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    # The referral the delivery serves (the referrals context links it).
    referral_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    # Recorded by the provider's staff: their name and organisation, as for assessments.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ContractItem] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_delivery_contract_id_delivered_on", "contract_id", "delivered_on"),
    )
