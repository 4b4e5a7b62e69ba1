"""A prepared export: what was asked for, by whom, and the file once built."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.clock import utcnow
from aidbridge.db import enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned


class ExportStatus(StrEnum):
    queued = "queued"
    running = "running"
    ready = "ready"
    failed = "failed"  # nothing kept: the worker ended, or building raised


class Export(TenantOwned, db.Model):
    """A table asked for as a file (``table``: a builder's name, ``args``: the query
    string it was asked with), built by the job ``exports.build`` in ``locale`` as of
    the day it was asked, and kept for ``EXPORTS_KEPT_DAYS``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    table: Mapped[str] = mapped_column(String(60))
    format: Mapped[str] = mapped_column(String(10))
    args: Mapped[dict] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(10))
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus, "export_status", length=10), default=ExportStatus.queued
    )
    file_name: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[int | None]
    # Deferred: lists of exports never load the files.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User")

    __table_args__ = (Index("ix_export_tenant_id_created_at", "tenant_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Export {self.id} {self.table} {self.status}>"
