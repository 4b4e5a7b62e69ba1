"""An import whose worker ended mid-run does not stay "running" for ever: the periodic
sweep fails it, says why, and drops the uploaded file (it holds ID numbers in clear)."""

from __future__ import annotations

from datetime import timedelta

from aidbridge.clock import utcnow
from aidbridge.households import importing
from aidbridge.households.models import HouseholdImport, ImportMode, ImportStatus
from aidbridge.jobs import JOBS
from aidbridge.jobs.schedule import PERIODIC


def _import(bureau, db, status: ImportStatus, started_ago: timedelta | None) -> HouseholdImport:
    record = HouseholdImport(
        tenant_id=bureau.id,
        file_name="户籍.csv",
        mode=ImportMode.accepted,
        status=status,
        upload=b"sealed file",
        started_at=None if started_ago is None else utcnow() - started_ago,
    )
    db.session.add(record)
    db.session.commit()
    return record


def test_an_import_running_far_too_long_is_failed_and_its_file_dropped(app, bureau, db):
    stalled = _import(bureau, db, ImportStatus.running, timedelta(hours=2))
    working = _import(bureau, db, ImportStatus.running, timedelta(minutes=5))
    queued = _import(bureau, db, ImportStatus.queued, None)

    assert importing.fail_stalled(utcnow()) == 1
    db.session.commit()

    assert stalled.status == ImportStatus.failed and stalled.finished_at is not None
    assert stalled.report["file_errors"] == {"file": [importing.STALLED]}
    assert stalled.upload is None
    assert (working.status, queued.status) == (ImportStatus.running, ImportStatus.queued)
    assert working.upload == b"sealed file"
    # Running it again finds nothing more to do.
    assert importing.fail_stalled(utcnow()) == 0


def test_the_sweep_is_a_periodic_platform_job():
    periodic = {p.job for p in PERIODIC}
    assert "households.fail_stalled_imports" in periodic
    assert JOBS["households.fail_stalled_imports"].platform_wide
