"""Periodic work, declared as data. Later issues add review reminders, SLA escalation…"""

from aidbridge.jobs import Periodic

PERIODIC: tuple[Periodic, ...] = (Periodic("accounts.purge_login_attempts", interval=30 * 60),)
