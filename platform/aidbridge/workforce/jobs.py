"""Jobs of the workforce context."""

from aidbridge.clock import local_today
from aidbridge.jobs import job
from aidbridge.workforce.service import take_snapshots


@job("workforce.take_snapshots", queue="maintenance", platform_wide=True)
def take_snapshots_job() -> int:
    """Each active provider's social-work post share, as this month's snapshot (safe to
    run twice: the month keeps one row, its latest computation)."""
    return take_snapshots(local_today())
