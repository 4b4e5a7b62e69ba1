"""A provider's roster of posts, the contracts each post serves, and the monthly record
of its share of professional social-work posts (NT21-SW-1, CJ21-SW-1, NX21-SW-1,
CN21-SW-1).

Every row is owned by the provider (a charity or a social-work agency). A holder's ID
number is never stored in clear (see :mod:`aidbridge.personal_data`): a token, a
keyed digest and a mask, as a household member's. A post is never deleted: ending it
keeps it, so the roster of any past day can be read again.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import aidbridge.contracts.models  # noqa: F401  (the contract table a post serves)
from aidbridge.clock import utcnow
from aidbridge.db import enum_column
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.tenancy import TenantOwned


class PostCategory(StrEnum):
    social_work = "social_work"  # 社会工作专业岗位
    professional_technical = "professional_technical"  # 其他专业技术岗位
    management = "management"  # 管理岗位
    support = "support"  # 工勤/辅助岗位


class Qualification(StrEnum):
    """社会工作者职业水平证书: the level the holder's certificate attests."""

    assistant_social_worker = "assistant_social_worker"  # 助理社会工作师
    social_worker = "social_worker"  # 社会工作师
    senior_social_worker = "senior_social_worker"  # 高级社会工作师


# A share is kept to four places (30.00 %), rounded down: a share shown as 30.00 % is
# at least 30 %, never a hair below it.
SHARE_PLACES = Decimal("0.0001")


def share_of(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator to four places, rounded down; None without a denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(SHARE_PLACES, ROUND_FLOOR)


def roster_problems(values: dict) -> dict[str, list[str]]:
    """What is wrong with a post's fields taken together, by field (empty: nothing).

    ``values`` holds the fields to judge; a field that is absent is not judged (a change
    names only some fields: the service judges the post as it would become). The holder's
    ID number is judged by whether there is one."""
    problems: dict[str, list[str]] = {}

    def present(name: str) -> bool:
        return name in values

    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        problems["ends_on"] = [N_("cannot be before the start")]
    if present("certificate_number") and present("certified_on"):
        number, certified = values["certificate_number"], values["certified_on"]
        if number and certified is None:
            problems["certified_on"] = [N_("give the date of the certificate with its number")]
        elif certified and not number:
            problems["certificate_number"] = [N_("give the certificate's number with its date")]
    if (
        present("certificate_number")
        and present("qualification")
        and values["certificate_number"]
        and values["qualification"] is None
    ):
        problems["qualification"] = [N_("give the qualification the certificate attests")]
    if present("holder_name"):
        vacant = not values["holder_name"]
        if vacant and values.get("holder_id_number"):
            problems["holder_name"] = [
                N_("the holder's name goes with the ID number: give both, or neither")
            ]
        if vacant and values.get("certificate_number"):
            problems["certificate_number"] = [N_("a vacant post holds no certificate")]
    return problems


class Post(TenantOwned, db.Model):
    """One post of a provider's roster: its category, whether it is full-time, its
    holder (none while vacant) with the holder's social-work certificate, and the
    dates it exists. Ending a post keeps it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[PostCategory] = mapped_column(enum_column(PostCategory, "post_category"))
    full_time: Mapped[bool] = mapped_column(default=True)
    # Empty while the post is vacant.
    holder_name: Mapped[str] = mapped_column(String(100), default="")
    holder_id_number_token: Mapped[str | None] = mapped_column(Text)
    holder_id_number_digest: Mapped[str | None] = mapped_column(String(64))
    holder_id_number_masked: Mapped[str | None] = mapped_column(String(18))
    qualification: Mapped[Qualification | None] = mapped_column(
        enum_column(Qualification, "qualification")
    )
    certificate_number: Mapped[str | None] = mapped_column(String(40))
    certified_on: Mapped[date | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    # The provider's policy pack when the post was created: the jurisdiction in which
    # a certificate number may be held by one post only.
    pool: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract_links: Mapped[list[PostContract]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        order_by="PostContract.contract_id",
        lazy="selectin",
    )

    __table_args__ = (
        # A certificate is one person's: one post in a jurisdiction holds it, also when
        # two providers enter it at the same moment.
        UniqueConstraint("pool", "certificate_number"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", "ends_after_start"),
        CheckConstraint(
            "(certificate_number IS NULL) = (certified_on IS NULL)", "certificate_dated"
        ),
        CheckConstraint(
            "certificate_number IS NULL OR qualification IS NOT NULL", "certificate_qualifies"
        ),
    )

    @property
    def contract_ids(self) -> list[int]:
        return [link.contract_id for link in self.contract_links]

    @property
    def vacant(self) -> bool:
        return not self.holder_name

    @property
    def certified(self) -> bool:
        """Held by a certified social worker (a qualification and its certificate)."""
        return self.qualification is not None and self.certificate_number is not None

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.category}>"


class PostContract(TenantOwned, db.Model):
    """A purchase-of-service contract the post serves (the contract is the purchasing
    bureau's; the link is the provider's)."""

    post_id: Mapped[int] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), primary_key=True
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id"), primary_key=True, index=True
    )

    post: Mapped[Post] = relationship(back_populates="contract_links")


class ComplianceSnapshot(TenantOwned, db.Model):
    """The provider's compliance with its pack's social-work post rule in one month, as
    last computed in that month (the periodic job keeps one row per provider and month)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first day of the month.
    month: Mapped[date]
    computed_on: Mapped[date]
    rule: Mapped[str] = mapped_column(String(20))
    # "all_posts" or "professional_technical": what the share is of.
    of: Mapped[str] = mapped_column(String(30))
    min_share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    numerator: Mapped[int]
    denominator: Mapped[int]
    compliant: Mapped[bool]

    __table_args__ = (UniqueConstraint("tenant_id", "month"),)

    @property
    def share(self) -> Decimal | None:
        return share_of(self.numerator, self.denominator)
