"""The notifications' job: e-mailing them, when SMTP is configured."""

from __future__ import annotations

from aidbridge.clock import utcnow
from aidbridge.jobs import job
from aidbridge.notifications import service


@job("notifications.send_emails", queue="maintenance", platform_wide=True)
def send_emails_job() -> int:
    return service.send_emails(utcnow())
