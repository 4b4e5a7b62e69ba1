"""Jobs of the accounts context."""

from aidbridge.accounts.service import purge_login_attempts
from aidbridge.jobs import job


@job("accounts.purge_login_attempts", queue="maintenance", platform_wide=True)
def purge_login_attempts_job() -> int:
    return purge_login_attempts()
