"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from aidbridge.audit.models import AuditEvent
from aidbridge.extensions import db


def request_address() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    action: str,
    target_type: str,
    target_id: Any = None,
    *,
    tenant_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
) -> AuditEvent:
    """Append one event in the current transaction; it commits with the change it records."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else None,
        actor_tenant_id=actor.tenant_id if actor else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        address=request_address(),
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, for a compact before/after pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_changes(
    action: str, target_type: str, target_id: Any, *, tenant_id: int, before: dict, after: dict
) -> AuditEvent | None:
    """Record what changed between two snapshots of an object; nothing if nothing did."""
    old, new = changes(before, after)
    if not new:
        return None
    return record(action, target_type, target_id, tenant_id=tenant_id, before=old, after=new)


def events_query(action: str | None = None, target_type: str | None = None):
    """The current tenant's log, newest first (scoping is automatic)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    return query
