"""The monitoring tests' hand-computed month: five referrals of the agency's home
visits offered on Monday 2 November 2026 at 09:00 in Nantong, each taken through the
real life cycle at chosen moments (hours after the offer):

    R1  accepted +2 h, first visit 4 Nov, completed resolved, satisfaction 5, severe → mild
    R2  accepted +16 h (01:00 on 3 Nov in Nantong, still 2 Nov in UTC), first visit
        3 Nov, completed partly resolved, satisfaction 3, moderate → moderate
    R3  accepted +10 h, nothing recorded yet
    R4  declined (no capacity)            R5  left to expire

Offered 5; taken on 3; answered 5 → acceptance 3/5; completed 2 of 2 closed; loop
closure 2 of 3 taken on; hours to accept 2, 10, 16 → median 10, p90 16; whole days from
the day taken on (in Nantong) to the first visit's: R1 2 Nov → 4 Nov = 2, R2 3 Nov →
3 Nov = 0 → median 0, p90 2; satisfaction 4.00 of 2 ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from aidbridge.extensions import db
from aidbridge.matching import service as matching
from aidbridge.monitoring.service import Filters
from aidbridge.referrals import service as referrals
from aidbridge.referrals.models import CaseOutcome, DeclineReason, RecordKind, Referral
from aidbridge.tenancy import tenant_context

from matching_data import assessed, published

OFFERED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Nantong
NOVEMBER = Filters(date(2026, 11, 1), date(2026, 11, 30))


def _referral(bureau, severity: str) -> Referral:
    _household, (need,) = assessed(bureau, {"dimension": "care", "severity": severity})
    with tenant_context(bureau.id):
        run = matching.match_now(bureau, need, None, {})
        referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
        referrals.offer(referral, None, OFFERED)
        return referral


def _served(referral, worker, accepted_after: int, visit: date, closing: dict | None):
    accepted = OFFERED + timedelta(hours=accepted_after)
    referrals.accept(referral, worker.id, worker, accepted)
    if visit is None:
        return
    record = {"kind": RecordKind.visit, "served_on": visit, "units": 1, "worker_id": worker.id}
    at = datetime.combine(visit, datetime.min.time(), UTC) + timedelta(hours=12)
    referrals.record_service(referral, record, worker, at)
    if closing:
        referrals.close(referral, {"status": "completed", **closing}, worker, at)


def november(bureau, agency, social_worker) -> list[Referral]:
    """The month above, committed; its referrals R1…R5."""
    published(agency, name="上门访视服务", places=10)
    made = [_referral(bureau, s) for s in ("severe", "moderate", "moderate", "mild", "mild")]
    with tenant_context(bureau.id):
        _served(
            made[0],
            social_worker,
            2,
            date(2026, 11, 4),
            {"outcome": CaseOutcome.resolved, "satisfaction": 5, "severity": "mild"},
        )
        _served(made[1], social_worker, 16, date(2026, 11, 3),
                {"outcome": CaseOutcome.partly_resolved, "satisfaction": 3,
                 "severity": "moderate"})  # fmt: skip
        _served(made[2], social_worker, 10, None, None)
        referrals.decline(made[3], {"reason": DeclineReason.no_capacity}, social_worker,
                          OFFERED + timedelta(hours=1))  # fmt: skip
        referrals.expire_offers(OFFERED + timedelta(days=4))
        db.session.commit()
    return made
