"""The matching jobs: a run (batch or nightly), the nightly schedule, stalled runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from aidbridge.clock import utcnow
from aidbridge.jobs import job
from aidbridge.matching import service


@job(service.JOB, queue="matching")
def run_job(run_id: int) -> str | None:
    """A queued matching run (safe to run twice: the second does nothing)."""
    status = service.execute(run_id)
    return None if status is None else str(status)


@job("matching.nightly", queue="maintenance", platform_wide=True)
def nightly_job() -> int:
    """Each bureau's nightly run, in the configured hour (once a night however often it
    is called)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return service.start_nightly_runs(datetime.now(zone))


@job("matching.fail_stalled_runs", queue="maintenance", platform_wide=True)
def fail_stalled_runs_job() -> int:
    return service.fail_stalled(utcnow())
