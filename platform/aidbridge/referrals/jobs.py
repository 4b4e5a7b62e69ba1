"""The referral jobs: offers running out, and needs matched again after a decline."""

from __future__ import annotations

from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.jobs import enqueue, job
from aidbridge.referrals import service


@job("referrals.expire_offers", queue="maintenance", platform_wide=True)
def expire_offers_job() -> int:
    """Expire the offers past their time, remind those near it; the needs whose offer
    expired are matched again, each in its bureau's scope once this has committed."""
    rematch = service.expire_offers(utcnow())
    db.session.commit()
    for need_id, bureau_id in rematch:
        enqueue(service.REMATCH_JOB, need_id, tenant_id=bureau_id)
    return len(rematch)


@job(service.REMATCH_JOB, queue="matching")
def rematch_job(need_id: int) -> int | None:
    referral = service.rematch(need_id, utcnow())
    return None if referral is None else referral.id
