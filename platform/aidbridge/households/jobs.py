"""Jobs of the households context."""

from aidbridge.clock import local_today, utcnow
from aidbridge.households import importing
from aidbridge.households.service import note_overdue_reviews
from aidbridge.jobs import job


@job("households.note_overdue_reviews", queue="maintenance", platform_wide=True)
def note_overdue_reviews_job() -> int:
    return note_overdue_reviews(local_today())


@job("households.fail_stalled_imports", queue="maintenance", platform_wide=True)
def fail_stalled_imports_job() -> int:
    return importing.fail_stalled(utcnow())


@job(importing.JOB)
def import_households_job(import_id: int) -> str | None:
    """A bureau's uploaded file of households (safe to run twice: the second does nothing)."""
    status = importing.run(import_id)
    return None if status is None else str(status)
