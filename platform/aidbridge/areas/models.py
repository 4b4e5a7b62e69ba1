"""Administrative areas (行政区划): shared reference data, not tenant-owned."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.db import enum_column
from aidbridge.extensions import db


class AreaLevel(StrEnum):
    province = "province"
    city = "city"
    district = "district"
    street = "street"
    community = "community"


LEVEL_ORDER = list(AreaLevel)


class Area(db.Model):
    """One node of the province → city → district → street → community tree.

    ``path`` lists the codes from the root, slash-separated and slash-terminated,
    so "this area or anything inside it" is one indexed prefix match.
    """

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[AreaLevel] = mapped_column(enum_column(AreaLevel, "area_level", length=12))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("area.code"), index=True)
    path: Mapped[str] = mapped_column(String(80))
    # The policy pack issued by this area's government, if any (e.g. Nantong city).
    policy_pack: Mapped[str | None] = mapped_column(String(40))

    parent: Mapped[Area | None] = relationship(remote_side=[code])

    __table_args__ = (Index("ix_area_path", "path", postgresql_ops={"path": "text_pattern_ops"}),)

    @property
    def lineage(self) -> list[str]:
        """The codes from the root down to this area itself."""
        return [code for code in self.path.split("/") if code]

    def contains(self, other: Area) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"
