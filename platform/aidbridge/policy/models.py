"""Published versions of the policy packs: shared reference data, never edited.

A decision records the version it applied; a version's text never changes after
it is published, so an old decision can always be read against the exact rules
that made it. A new version starts on its own date and leaves old decisions alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aidbridge.clock import utcnow
from aidbridge.extensions import db


class PolicyPackVersion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # The jurisdiction key areas carry in ``Area.policy_pack`` (e.g. "nantong").
    jurisdiction: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    # The pack as published (TOML): what decisions made under it are read against.
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for the packs shipped with the platform.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (
        UniqueConstraint("jurisdiction", "version"),
        UniqueConstraint("jurisdiction", "starts_on"),
    )

    @property
    def name(self) -> str:
        return f"{self.jurisdiction}-{self.version}"

    def __repr__(self) -> str:
        return f"<PolicyPackVersion {self.name} from {self.starts_on}>"
