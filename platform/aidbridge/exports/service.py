"""Exports built on the queue. The tables themselves belong to the portals that show
them: a portal registers its builders (``register_builder``: a table's name and
``build(export) -> (file name, rows, bytes)``), so the core runs them without knowing
them, in the language each export was asked in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from aidbridge.accounts.models import User
from aidbridge.clock import utcnow
from aidbridge.exports.models import Export, ExportStatus
from aidbridge.extensions import db
from aidbridge.jobs import claim, enqueue

JOB = "exports.build"
Builder = Callable[[Export], tuple[str, int, bytes]]


def register_builder(app, table: str, build_file: Builder) -> None:
    """Let the job build ``table`` (a portal's, registered as the app is made)."""
    app.extensions.setdefault("export_builders", {})[table] = build_file


def builders() -> dict[str, Builder]:
    return current_app.extensions.get("export_builders", {})


def request_export(user: User, table: str, kind: str, args: dict, locale: str) -> Export:
    """Ask for ``table`` as a ``kind`` file with the query string ``args``: it is built on
    a worker (at once, in process, without Redis). Returns the export, ready in the
    latter case."""
    if table not in builders():
        raise ValueError(f"no export builder {table!r}")
    export = Export(
        tenant_id=user.tenant_id,
        created_by_id=user.id,
        table=table,
        format=kind,
        args=args,
        locale=locale,
    )
    db.session.add(export)
    db.session.flush()
    export_id, tenant_id = export.id, user.tenant_id
    # The job reads the export in a session of its own: commit it first (and read
    # nothing before it has run, so that in process the reading below sees its file).
    db.session.commit()
    enqueue(JOB, export_id, tenant_id=tenant_id)
    return db.session.get(Export, export_id)


def build(export_id: int) -> ExportStatus | None:
    """Build a queued export (in its tenant's scope). Building it again does nothing."""
    export = claim(Export, export_id, ExportStatus.queued, ExportStatus.running)
    if export is None:
        return None
    try:
        with force_locale(export.locale):
            name, rows, content = builders()[export.table](export)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("export %s failed", export_id)
        export = db.session.get(Export, export_id)
        export.status, export.finished_at = ExportStatus.failed, utcnow()
        return export.status
    export.file_name, export.rows, export.content = name, rows, content
    export.status, export.finished_at = ExportStatus.ready, utcnow()
    return export.status


def recent():
    """The current tenant's exports, the latest first (their files not loaded)."""
    return (
        select(Export)
        .options(selectinload(Export.created_by))
        .order_by(Export.created_at.desc(), Export.id.desc())
    )


def fail_stalled(now: datetime) -> int:
    """Fail the exports still building long after they started (their worker ended
    mid-build), or still queued long after they were asked for (the job was lost, or
    never reached the queue): the reader is told, rather than waiting. Returns how many."""
    before = now - timedelta(seconds=current_app.config["EXPORT_STALLED_AFTER"])
    failed = db.session.execute(
        update(Export)
        .where(
            or_(
                (Export.status == ExportStatus.running) & (Export.started_at < before),
                (Export.status == ExportStatus.queued) & (Export.created_at < before),
            )
        )
        .values(status=ExportStatus.failed, finished_at=now)
        .execution_options(all_tenants=True)
    )
    return failed.rowcount


def purge(now: datetime) -> int:
    """Delete the exports older than ``EXPORTS_KEPT_DAYS`` (their files with them)."""
    kept_since = now - timedelta(days=current_app.config["EXPORTS_KEPT_DAYS"])
    purged = db.session.execute(
        delete(Export).where(Export.created_at < kept_since).execution_options(all_tenants=True)
    )
    return purged.rowcount
