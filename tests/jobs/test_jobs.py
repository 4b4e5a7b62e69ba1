"""Jobs run through one seam: in process without Redis, on real RQ queues with it."""

from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from aidbridge.accounts.models import LoginAttempt
from aidbridge.clock import utcnow
from aidbridge.jobs import JOBS, enqueue
from aidbridge.jobs.runner import run
from aidbridge.jobs.schedule import PERIODIC


def _old_attempts(db, n=3):
    old = utcnow() - timedelta(days=1)
    for i in range(n):
        db.session.add(LoginAttempt(username=f"u{i}", address="x", succeeded=False, at=old))
    db.session.add(LoginAttempt(username="fresh", address="x", succeeded=False, at=utcnow()))
    db.session.commit()


def _remaining(db):
    return db.session.scalar(select(func.count(LoginAttempt.id)))


def test_periodic_jobs_name_registered_jobs(app):
    assert PERIODIC and all(p.job in JOBS and p.interval > 0 for p in PERIODIC)


def test_in_process_enqueue_runs_the_job_now(app, db):
    _old_attempts(db)
    assert enqueue("accounts.purge_login_attempts") == 3
    assert _remaining(db) == 1


def test_unknown_job_is_refused(app, db):
    with pytest.raises(ValueError, match="unknown job"):
        enqueue("no.such.job")


def test_job_runs_on_a_real_rq_worker(app, db, redis_url):
    from redis import Redis

    _old_attempts(db)
    connection = Redis.from_url(redis_url)
    app.config.update(JOBS_IN_PROCESS=False)
    try:
        job = enqueue("accounts.purge_login_attempts")
        assert job.origin == "maintenance" and _remaining(db) == 4  # queued, not yet run
        worker = SimpleWorker([Queue("maintenance", connection=connection)], connection=connection)
        worker.work(burst=True)
        job.refresh()
        assert job.is_finished and job.return_value() == 3
    finally:
        app.config.update(JOBS_IN_PROCESS=True)
        Queue("maintenance", connection=connection).empty()
    assert _remaining(db) == 1


def test_a_tenant_job_needs_its_tenant(app, db):
    from aidbridge.jobs import job

    @job("test.tenant_job")
    def tenant_job():
        return "ran"

    try:
        with pytest.raises(ValueError, match="tenant_id"):
            enqueue("test.tenant_job")
        # The scheduler calls the runner directly: it refuses too, rather than run the
        # job with every tenant in scope.
        with pytest.raises(ValueError, match="tenant_id"):
            run("test.tenant_job", None)
    finally:
        JOBS.pop("test.tenant_job")
