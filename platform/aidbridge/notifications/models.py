"""A notification is one user's: written for each user of a tenant who may act on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned


class Notification(TenantOwned, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # What it is about, as a code ("review_overdue"), for filters and e-mail templates.
    kind: Mapped[str] = mapped_column(String(40))
    # An untranslated message and its parameters: shown in the reader's language.
    message: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When it was sent by e-mail to the user (notifications.service.send_emails).
    emailed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    def text(self, translate) -> str:
        return translate(self.message) % self.params
