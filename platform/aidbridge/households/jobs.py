"""Jobs of the households context."""

from aidbridge.clock import local_today
from aidbridge.households.service import note_overdue_reviews
from aidbridge.jobs import job


@job("households.note_overdue_reviews", queue="maintenance", platform_wide=True)
def note_overdue_reviews_job() -> int:
    return note_overdue_reviews(local_today())
