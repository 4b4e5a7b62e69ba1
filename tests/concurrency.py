"""Service calls made at the same moment on PostgreSQL, each in its own request, session
and transaction — as two users' requests are. No waiting on the clock: the calls are
released together once each has prepared."""

from __future__ import annotations

import threading
from collections.abc import Callable

from aidbridge.errors import ServiceError
from aidbridge.extensions import db

from factories import ENGLISH

# A thread that never reaches the barrier must fail the test, not hang the run.
BARRIER_TIMEOUT = 30  # seconds
DONE = "done"

# A call prepares (reads, validates), calls ``ready()`` and then writes.
Call = Callable[[Callable[[], object]], None]


def at_once(app, *calls: Call) -> list[object]:
    """Run the calls together; each commits at its end. Returns, per call, DONE or the
    errors (by field) of the ServiceError that refused it."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Call) -> None:
        with app.test_request_context(headers=ENGLISH):
            try:
                call(barrier.wait)
                db.session.commit()
                outcomes[index] = DONE
            except ServiceError as refused:
                db.session.rollback()
                outcomes[index] = refused.errors
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def suspend_tenants(app, *names: str) -> None:
    """Suspend the tenants these tests committed for real (they cannot be deleted: their
    audit entries are final), so that no later test finds them among a pool's
    providers."""
    from sqlalchemy import update

    from aidbridge.accounts.models import Tenant, TenantStatus
    from aidbridge.tenancy import all_tenants

    with app.app_context(), all_tenants():
        db.session.execute(
            update(Tenant).where(Tenant.name.in_(names)).values(status=TenantStatus.suspended)
        )
        db.session.commit()
