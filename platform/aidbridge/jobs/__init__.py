"""Background jobs: RQ queues in production, run in process in embedded mode.

Jobs are plain functions registered with :func:`job`; they take ids, never ORM
objects, and must be safe to run twice. :func:`enqueue` is the one seam: with
``REDIS_URL`` it puts the job on its named RQ queue, without it runs the job
now, in process, as a worker would: in its own app context and database session
(so it sees only committed data, and its commit or rollback is its own), in its
tenant's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy import update

from aidbridge.clock import utcnow
from aidbridge.extensions import db

# Matching runs have their own queue: a long jurisdiction-wide run waits for no import.
QUEUES = ("default", "matching", "maintenance")
JOBS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Periodic:
    """A job the scheduler runs every ``interval`` seconds."""

    job: str
    interval: int


def job(name: str, *, queue: str = "default", platform_wide: bool = False):
    """Register a job function under a stable name (the name is what queues carry),
    with the queue it always goes to.

    A job runs for one tenant (``enqueue(..., tenant_id=...)``); only a job declared
    ``platform_wide`` runs without one, reading across tenants.
    """
    if queue not in QUEUES:
        raise ValueError(f"job {name!r}: unknown queue {queue!r}")

    def decorator(func: Callable) -> Callable:
        if name in JOBS:
            raise ValueError(f"job {name!r} registered twice")
        JOBS[name] = func
        func.job_name = name
        func.queue = queue
        func.platform_wide = platform_wide
        return func

    return decorator


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


def enqueue(name: str, *args, tenant_id: int | None = None, **kwargs):
    """Run job ``name`` for ``tenant_id`` (None: a platform-wide job). Returns the RQ job
    in production, the job's return value in process."""
    from aidbridge.jobs.runner import run

    check_scope(name, tenant_id)
    if current_app.config["JOBS_IN_PROCESS"]:
        return run(name, tenant_id, args, kwargs)
    return queue(JOBS[name].queue).enqueue(run, name, tenant_id, args, kwargs)


def check_scope(name: str, tenant_id: int | None) -> None:
    """A known job, with a tenant unless it is declared platform-wide."""
    if name not in JOBS:
        raise ValueError(f"unknown job {name!r}")
    if tenant_id is None and not JOBS[name].platform_wide:
        raise ValueError(f"job {name!r} runs for a tenant: pass tenant_id")


def claim(model, row_id: int, queued, running):
    """Claim the queued row ``row_id`` of ``model`` (a job's record, with its ``status``
    and ``started_at``) for this job: mark it ``running`` with its start (a guarded
    update, so of a job run twice only one claims it) and commit, so the row says so
    while the job works. Returns the row, or None when it was not queued."""
    claimed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == queued)
        .values(status=running, started_at=utcnow())
    )
    if claimed.rowcount != 1:
        return None
    db.session.commit()
    return db.session.get(model, row_id)
