"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned


class AuditLogIsAppendOnly(RuntimeError):
    pass


class AuditEvent(TenantOwned, db.Model):
    """Who did what to which object, before and after, when.

    The tenant is the one the event concerns: an operator suspending a tenant is
    recorded in that tenant's log. The actor's name and tenant are copied in, so
    the entry stays readable whoever the actor was. Rows are never updated or
    deleted: the ORM refuses it here and database triggers refuse it too.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))
    actor_tenant_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_audit_event_tenant_id_at", "tenant_id", "at"),)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
