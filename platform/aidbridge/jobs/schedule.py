"""Periodic work, declared as data."""

from aidbridge.jobs import Periodic

HOUR = 60 * 60

PERIODIC: tuple[Periodic, ...] = (
    Periodic("accounts.purge_login_attempts", interval=HOUR // 2),
    # Hourly, so a review that passes at midnight is noted early in the working day;
    # each household and review date is noted once however often it runs.
    Periodic("households.note_overdue_reviews", interval=HOUR),
    # An import whose worker died stays "running": failed after
    # HOUSEHOLD_IMPORT_STALLED_AFTER, looked for every quarter of an hour.
    Periodic("households.fail_stalled_imports", interval=HOUR // 4),
    # Daily: each provider's social-work post share as its month's snapshot (the month
    # keeps one row, its latest computation, so a month's trend point is its last day's).
    Periodic("workforce.take_snapshots", interval=24 * HOUR),
    # Hourly, starting each bureau's nightly matching run in MATCHING_NIGHTLY_HOUR (once a
    # night), and failing runs whose worker ended mid-run.
    Periodic("matching.nightly", interval=HOUR),
    Periodic("matching.fail_stalled_runs", interval=HOUR // 4),
    # Offers past their response time expire (the need is matched again); those near it
    # remind the provider, then tell the bureau. Every 5 minutes: an emergency has hours.
    Periodic("referrals.expire_offers", interval=HOUR // 12),
    # Notifications by e-mail, when SMTP is configured: within a minute of being made.
    Periodic("notifications.send_emails", interval=60),
    # Exports whose worker ended are failed after EXPORT_STALLED_AFTER; those older than
    # EXPORTS_KEPT_DAYS are deleted with their files.
    Periodic("exports.maintain", interval=HOUR // 4),
)
