"""Notifications by e-mail, through a real SMTP server on localhost (aiosmtpd): the
periodic job sends each notification once to its user's address, in Chinese with the
link to what it is about; without SMTP nothing is sent; old ones are not sent."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from aidbridge.accounts.models import Role
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.jobs import enqueue
from aidbridge.notifications.models import Notification
from aidbridge.notifications.service import notify

from factories import make_user


class Inbox:
    """What the server received: each message as parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:  # a port free on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                "SMTP_STARTTLS": False, "PUBLIC_URL": "https://aidbridge.example.cn"}  # fmt: skip
    saved = {k: app.config[k] for k in settings}
    app.config.update(settings)
    yield inbox
    app.config.update(saved)
    server.stop()


def test_a_notification_is_emailed_once_in_chinese_with_its_link(app, bureau, smtp):
    user = make_user(bureau, Role.caseworker)
    user.email = "li.mei@nantong.example.cn"
    nobody = make_user(bureau, Role.caseworker)  # no address: nothing to send
    accepted = "Referral %(referral)s was accepted by %(provider)s"
    params = {"referral": 7, "provider": "崇川区启航社工中心", "url": "/referrals/7"}
    notify(bureau.id, Permission.offer_referrals, "referral_accepted", accepted, params)
    db.session.commit()
    assert enqueue("notifications.send_emails") == 1
    (message,) = smtp.messages
    assert message["To"].addresses[0].addr_spec == "li.mei@nantong.example.cn"
    assert "转介 7 已被崇川区启航社工中心接收" in message["Subject"]
    body = message.get_content()
    assert "https://aidbridge.example.cn/referrals/7" in body
    assert enqueue("notifications.send_emails") == 0  # sent once
    assert len(smtp.messages) == 1
    assert db.session.query(Notification).filter_by(user_id=nobody.id).one().emailed_at is None


def test_without_smtp_or_for_old_notifications_nothing_is_sent(app, bureau, smtp):
    user = make_user(bureau, Role.caseworker)
    user.email = "li.mei@nantong.example.cn"
    old = Notification(tenant_id=bureau.id, user_id=user.id, kind="review_overdue",
                       message="x", created_at=utcnow() - timedelta(days=3))  # fmt: skip
    db.session.add(old)
    db.session.commit()
    assert enqueue("notifications.send_emails") == 0 and smtp.messages == []
    app.config["SMTP_HOST"] = None
    db.session.add(Notification(tenant_id=bureau.id, user_id=user.id, kind="x", message="y"))
    db.session.commit()
    assert enqueue("notifications.send_emails") == 0 and smtp.messages == []
