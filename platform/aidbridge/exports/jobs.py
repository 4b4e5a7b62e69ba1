"""Jobs of the exports context."""

from aidbridge.clock import utcnow
from aidbridge.exports import service
from aidbridge.jobs import job


@job(service.JOB)
def build_export_job(export_id: int) -> str | None:
    """Build a queued export (safe to run twice: the second does nothing)."""
    status = service.build(export_id)
    return None if status is None else str(status)


@job("exports.maintain", queue="maintenance", platform_wide=True)
def maintain_exports_job() -> dict:
    """Fail the stalled exports and delete the old ones."""
    now = utcnow()
    return {"failed": service.fail_stalled(now), "purged": service.purge(now)}
