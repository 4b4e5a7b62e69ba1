"""A referral's life cycle through the service: offered with the pack's response time,
accepted with a social worker or declined with a reason (the need matched again without
that provider), revoked by the bureau, expired when left unanswered — each move kept
as an event and in the audit log, what it held given back when it ends unserved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.clock import CALENDAR_YEARS, is_working_day
from aidbridge.contracts.models import Contract
from aidbridge.errors import Conflict, InvalidInput
from aidbridge.extensions import db
from aidbridge.jobs.runner import run as run_job
from aidbridge.matching import service as matching
from aidbridge.needs import service as needs
from aidbridge.needs.schemas import AssessmentInputSchema
from aidbridge.notifications.models import Notification
from aidbridge.pool.models import Service
from aidbridge.referrals import service
from aidbridge.referrals.models import DeclineReason, Referral, ReferralStatus
from aidbridge.tenancy import tenant_context

from factories import make_tenant, make_user
from matching_data import assessed, contract_funding, funded, published

# Friday 4 December 2026, 15:00 in Nantong.
FRIDAY_AFTERNOON = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


@pytest.fixture
def home_visits(bureau, agency):
    """The agency's home visits, funded by a contract of the bureau (10 units)."""
    contract = contract_funding(bureau, agency, units=10)
    return funded(bureau, agency, contract, name="上门访视服务", places=5)


def matched(bureau, urgency: str = "routine") -> Referral:
    """A household's care need matched at once: its proposed referral."""
    _household, (need,) = assessed(bureau, {"dimension": "care", "urgency": urgency})
    with tenant_context(bureau.id):
        run = matching.match_now(bureau, need, None, {})
        db.session.commit()
        return db.session.scalar(select(Referral).where(Referral.run_id == run.id))


def told(tenant, kind: str) -> int:
    return len(
        db.session.scalars(
            select(Notification).where(
                Notification.tenant_id == tenant.id, Notification.kind == kind
            )
        ).all()
    )


def test_an_offer_gives_the_provider_two_working_days_across_the_weekend(
    bureau, agency, home_visits, caseworker
):
    referral = matched(bureau)
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    assert referral.status is ReferralStatus.offered
    # Friday 15:00 + 2 working days: Tuesday 15:00 (the weekend skipped), ALL-PR-1.
    assert referral.respond_by.astimezone(UTC) == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert referral.respond_rule == "ALL-PR-1"
    assert told(agency, "referral_offered") == 1
    (event,) = referral.events
    assert (event.from_status, event.to_status) == (ReferralStatus.proposed, ReferralStatus.offered)
    assert (event.by_name, event.by_tenant_id) == (caseworker.full_name, bureau.id)
    audit = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "referral.status_changed",
            AuditEvent.target_id == str(referral.id),
        )
    )
    assert audit.after["status"] == "offered" and audit.actor_id == caseworker.id


def test_an_emergency_is_answered_within_hours_and_national_day_is_no_working_day(
    bureau, agency, home_visits, caseworker
):
    emergency = matched(bureau, "emergency")
    service.offer(emergency, caseworker, FRIDAY_AFTERNOON)
    assert emergency.respond_by.astimezone(UTC) == FRIDAY_AFTERNOON + timedelta(hours=4)
    assert emergency.respond_rule == "ALL-EM-2"
    # Offered on Wednesday 30 September: the National Day holiday (1–7 October) is
    # skipped, so the two working days are Thursday 8 and Friday 9 October.
    routine = matched(bureau)
    service.offer(routine, caseworker, datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    assert routine.respond_by.astimezone(UTC) == datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


def test_an_offer_made_on_a_saturday_counts_from_monday(bureau, agency, home_visits, caseworker):
    referral = matched(bureau, "priority")  # one working day
    service.offer(referral, caseworker, datetime(2026, 12, 4, 19, 30, tzinfo=UTC))  # Sat 03:30
    # Counted from Monday 00:00 in Nantong: due at the end of Monday.
    assert referral.respond_by.astimezone(UTC) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def test_a_local_holiday_setting_moves_the_deadline(app, bureau, agency, home_visits, caseworker):
    referral = matched(bureau, "priority")
    app.config["HOLIDAYS"] = frozenset({datetime(2026, 12, 7).date()})
    try:
        service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    finally:
        app.config["HOLIDAYS"] = frozenset()
    # One working day from Friday: Monday is a local holiday, so Tuesday.
    assert referral.respond_by.astimezone(UTC) == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


def test_a_household_that_withdrew_its_consent_is_not_offered_to_a_charity(
    bureau, agency, home_visits, caseworker
):
    referral = matched(bureau)
    household = referral.need.household
    with tenant_context(bureau.id):
        needs.assess(
            household,
            AssessmentInputSchema().load(
                {
                    "assessed_on": "2026-11-25",
                    "consents_to_share": False,
                    "needs": [{"dimension": "care", "severity": "moderate"}],
                }
            ),
            None,
        )
    with pytest.raises(InvalidInput) as refused:
        service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    assert list(refused.value.errors) == ["consent"]
    assert referral.status is ReferralStatus.proposed


def test_a_social_worker_accepts_and_a_second_answer_is_refused(
    bureau, agency, home_visits, caseworker, social_worker
):
    referral = matched(bureau)
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    other = make_user(make_tenant(TenantType.agency), Role.caseworker)
    with pytest.raises(InvalidInput) as refused:
        service.accept(referral, other.id, social_worker, FRIDAY_AFTERNOON)
    assert list(refused.value.errors) == ["worker_id"]
    later = FRIDAY_AFTERNOON + timedelta(hours=2)
    service.accept(referral, social_worker.id, social_worker, later)
    assert referral.status is ReferralStatus.accepted
    assert (referral.worker_id, referral.answered_by_id) == (social_worker.id, social_worker.id)
    assert referral.answered_at.astimezone(UTC) == later
    assert told(bureau, "referral_accepted") == 1
    with pytest.raises(Conflict) as again:
        service.decline(referral, {"reason": DeclineReason.no_capacity}, social_worker, later)
    assert again.value.errors == {"status": ["the referral is no longer offered"]}


def test_an_offer_past_its_time_cannot_be_accepted(
    bureau, agency, home_visits, caseworker, social_worker
):
    referral = matched(bureau, "emergency")
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    with pytest.raises(Conflict) as refused:
        service.accept(
            referral, social_worker.id, social_worker, FRIDAY_AFTERNOON + timedelta(hours=5)
        )
    assert refused.value.errors == {"status": ["the offer expired"]}


def test_a_decline_gives_back_what_it_held_and_the_need_goes_to_another_provider(
    bureau, agency, home_visits, caseworker, social_worker
):
    referral = matched(bureau)
    assert referral.service_id == home_visits.id
    charity = make_tenant(TenantType.charity, name="南通市慈善总会")
    published(charity, name="助老上门服务", places=3)  # after the match
    contract = db.session.get(Contract, home_visits.contract_id)
    (item,) = contract.items
    assert (home_visits.capacity_available, item.units_reserved) == (4, 1)
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)

    with pytest.raises(InvalidInput) as refused:
        service.decline(referral, {"reason": DeclineReason.other, "note": " "}, social_worker,
                        FRIDAY_AFTERNOON)  # fmt: skip
    assert list(refused.value.errors) == ["note"]
    service.decline(
        referral, {"reason": DeclineReason.no_capacity, "note": "本月已满"}, social_worker,
        FRIDAY_AFTERNOON,
    )  # fmt: skip
    db.session.expire_all()
    assert referral.status is ReferralStatus.declined
    assert (referral.decline_reason, referral.decline_note) == (
        DeclineReason.no_capacity,
        "本月已满",
    )
    assert db.session.get(Service, home_visits.id).capacity_available == 5
    assert item.units_reserved == 0 and contract.reserved_fen == 0
    # Matched again at once, without the agency, and offered to the charity.
    again = db.session.scalar(
        select(Referral).where(Referral.need_id == referral.need_id, Referral.id != referral.id)
    )
    assert again.provider_id == charity.id and again.status is ReferralStatus.offered
    assert again.explanation["rules"]
    assert told(charity, "referral_offered") == 1 and told(bureau, "referral_declined") == 1


def test_the_bureau_revokes_a_referral_and_its_place_comes_back(
    bureau, agency, home_visits, caseworker
):
    referral = matched(bureau)
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    service.revoke(referral, "家庭已搬离", caseworker, FRIDAY_AFTERNOON)
    assert referral.status is ReferralStatus.revoked
    assert referral.events[-1].note == "家庭已搬离"
    assert db.session.get(Service, home_visits.id).capacity_available == 5
    assert told(agency, "referral_revoked") == 1
    with pytest.raises(InvalidInput) as refused:
        service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    assert list(refused.value.errors) == ["status"]


def test_an_unanswered_offer_reminds_then_tells_the_bureau_then_expires(
    app, bureau, agency, home_visits, caseworker
):
    referral = matched(bureau, "emergency")  # 4 hours
    charity = make_tenant(TenantType.charity, name="南通市慈善总会")
    published(charity, name="助老上门服务", places=3)  # by a caseworker of the charity
    service.offer(referral, caseworker, FRIDAY_AFTERNOON)
    assert service.expire_offers(FRIDAY_AFTERNOON + timedelta(hours=1)) == []
    assert told(agency, "referral_reminder") == 0
    service.expire_offers(FRIDAY_AFTERNOON + timedelta(hours=2))  # half the time
    service.expire_offers(FRIDAY_AFTERNOON + timedelta(hours=2, minutes=30))
    assert told(agency, "referral_reminder") == 1 and told(bureau, "referral_unanswered") == 0
    service.expire_offers(FRIDAY_AFTERNOON + timedelta(hours=3))  # three quarters
    assert told(bureau, "referral_unanswered") == 1
    assert referral.status is ReferralStatus.offered

    with app.test_request_context():
        expired = run_job("referrals.expire_offers", None)
    assert expired == 1  # the job reads the real clock: long past that Friday's four hours
    db.session.expire_all()
    assert referral.status is ReferralStatus.expired
    assert referral.events[-1].by_id is None  # the platform's own move
    assert db.session.get(Service, home_visits.id).capacity_available == 5
    again = db.session.scalar(
        select(Referral).where(Referral.need_id == referral.need_id, Referral.id != referral.id)
    )
    assert again.provider_id == charity.id and again.status is ReferralStatus.offered
    assert told(bureau, "referral_expired") == 1 and told(agency, "referral_expired") == 1


def test_a_year_the_calendar_does_not_know_yet_counts_monday_to_friday(db):
    monday = datetime(max(CALENDAR_YEARS) + 4, 1, 1).date()
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    assert is_working_day(monday) and not is_working_day(monday + timedelta(days=5))
