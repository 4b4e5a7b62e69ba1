"""What a worker executes: one registered job inside an app context and a tenant scope."""

from __future__ import annotations

from flask import current_app, has_app_context

from aidbridge.extensions import db
from aidbridge.jobs import JOBS, check_scope
from aidbridge.tenancy import all_tenants, tenant_context


def run(name: str, tenant_id: int | None, args: tuple = (), kwargs: dict | None = None):
    """Run a job in a fresh app context (its own session); its writes commit together
    or not at all."""
    if has_app_context():
        app = current_app._get_current_object()
    else:
        from aidbridge.app import create_app

        app = create_app()
    with app.app_context():
        return _run(name, tenant_id, args, kwargs or {})


def _run(name: str, tenant_id: int | None, args: tuple, kwargs: dict):
    # Checked here too: the scheduler calls run() without going through enqueue().
    check_scope(name, tenant_id)
    func = JOBS[name]
    scope = tenant_context(tenant_id) if tenant_id is not None else all_tenants()
    with scope:
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
