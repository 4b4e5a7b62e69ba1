"""Long-running processes: the RQ worker, the RQ cron scheduler, the embedded ticker."""

from __future__ import annotations

import threading
import time

from flask import Flask
from rq import Worker
from rq.cron import CronScheduler

from aidbridge.jobs import JOBS, QUEUES, enqueue, queue, redis_connection
from aidbridge.jobs.runner import run
from aidbridge.jobs.schedule import PERIODIC


def run_worker(queue_names: list[str] | None = None, burst: bool = False) -> None:
    names = queue_names or list(QUEUES)
    worker = Worker([queue(n) for n in names], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=False)


def run_scheduler() -> None:
    scheduler = CronScheduler(connection=redis_connection(), name="aidbridge")
    for periodic in PERIODIC:
        scheduler.register(
            run,
            JOBS[periodic.job].queue,
            args=(periodic.job, None, (), {}),
            interval=periodic.interval,
            name=periodic.job,
        )
    scheduler.start()


def start_embedded_ticker(app: Flask) -> threading.Thread:
    """Embedded mode has no scheduler process: a daemon thread runs periodic jobs."""

    def tick() -> None:
        due = {p.job: 0.0 for p in PERIODIC}
        while True:
            now = time.monotonic()
            for periodic in PERIODIC:
                if now >= due[periodic.job]:
                    with app.app_context():
                        try:
                            enqueue(periodic.job)
                        except Exception:
                            app.logger.exception("periodic job %s failed", periodic.job)
                    due[periodic.job] = now + periodic.interval
            time.sleep(5)

    thread = threading.Thread(target=tick, name="aidbridge-periodic", daemon=True)
    thread.start()
    return thread
