"""Writing notifications to the users who may act on them, and reading one's own."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from aidbridge.accounts.models import User
from aidbridge.accounts.permissions import Permission, grants
from aidbridge.clock import utcnow
from aidbridge.errors import NotFound
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.notifications.models import Notification
from aidbridge.tenancy import tenant_context


def notify(
    tenant_id: int,
    permission: Permission,
    kind: str,
    message: str,
    params: dict | None = None,
    skip: User | None = None,
) -> int:
    """Tell every active user of the tenant who holds ``permission`` (but ``skip``, who
    caused it); returns how many. From any tenant's scope: a bureau tells a provider,
    a provider's answer tells the bureau."""
    # What the caller wrote is flushed in its own scope; the notifications are the told
    # tenant's rows, read and written in its scope.
    db.session.flush()
    with tenant_context(tenant_id):
        users = db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.active.is_(True))
            .options(selectinload(User.role_grants), joinedload(User.tenant))
        ).all()
        skip_id = skip.id if skip is not None else None
        told = 0
        for user in users:
            if user.id != skip_id and grants(user.roles, user.tenant.type, permission):
                db.session.add(
                    Notification(
                        tenant_id=tenant_id,
                        user_id=user.id,
                        kind=kind,
                        message=message,
                        params=params or {},
                    )
                )
                told += 1
        db.session.flush()
    return told


def mine_query(unread_only: bool = False):
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query


def unread_count() -> int:
    # One's own, whatever tenant the request acts for (an agency on a bureau's case).
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .execution_options(all_tenants=True)
    )


def mark_read(notification: Notification) -> Notification:
    """Another user's notification, even of the same tenant, does not exist for you."""
    if notification.user_id != current_user.id:
        raise NotFound(N_("no such object"))
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read() -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
