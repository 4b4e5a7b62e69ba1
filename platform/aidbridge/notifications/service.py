"""Writing notifications to the users who may act on them, and reading one's own."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from flask_babel import force_locale, gettext
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from aidbridge.accounts.models import User
from aidbridge.accounts.permissions import Permission, grants
from aidbridge.clock import utcnow
from aidbridge.errors import NotFound
from aidbridge.extensions import db
from aidbridge.i18n import N_, translate
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


# --- e-mail ----------------------------------------------------------------------------------


def send_emails(now: datetime) -> int:
    """E-mail the notifications not sent yet to their users who have an address, when
    SMTP is configured: those at most NOTIFICATION_EMAIL_MAX_AGE old (a platform that
    starts e-mailing does not send its whole history). In the platform's language. Each
    is marked sent and committed as it goes, so that a failure part-way sends none twice
    (the rest go on the next run). Returns how many were sent."""
    config = current_app.config
    if not config["SMTP_HOST"]:
        return 0
    since = now - timedelta(seconds=config["NOTIFICATION_EMAIL_MAX_AGE"])
    pending = db.session.execute(
        select(Notification.id, User.email, User.full_name)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= since,
            User.email.is_not(None),
            User.active.is_(True),
        )
        .order_by(Notification.id)
    ).all()
    if not pending:
        return 0
    with _smtp(config) as smtp, force_locale(config["BABEL_DEFAULT_LOCALE"]):
        for notification_id, address, name in pending:
            notification = db.session.get(Notification, notification_id)
            smtp.send_message(_message(notification, address, name, config))
            notification.emailed_at = now
            db.session.commit()
    return len(pending)


def _smtp(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USERNAME"]:
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    return smtp


def _message(notification: Notification, address: str, name: str, config) -> EmailMessage:
    text = notification.text(translate)
    message = EmailMessage()
    message["Subject"] = f"{gettext('AidBridge')}: {text}"
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr((name, address))
    link = notification.params.get("url")
    body = [f"{name}:", "", text]
    if link:
        body += ["", config["PUBLIC_URL"] + link]
    message.set_content("\n".join(body))
    return message
