"""Two social workers of the provider accepting one offer at the same moment
(PostgreSQL, real transactions): the guarded update lets exactly one through; the
other is told, and nothing of it is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update

from aidbridge.accounts.models import Role, TenantType, User
from aidbridge.audit.models import AuditEvent
from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.matching import service as matching
from aidbridge.matching.models import MatchingRun, UnmatchedNeed
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.notifications.models import Notification
from aidbridge.referrals import service
from aidbridge.referrals.models import Referral, ReferralEvent
from aidbridge.tenancy import all_tenants, tenant_context

from concurrency import DONE, at_once, suspend_tenants
from conftest import TEST_DATABASE_URL
from factories import make_tenant, make_user, member_data, resident_id
from matching_data import assessed, published

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
NAMES = ("并发接收民政局", "并发接收社工中心")


def _offered(app) -> dict:
    """An offered referral of a committed bureau to a committed agency with two workers."""
    with app.app_context():
        bureau = make_tenant(TenantType.bureau, name=NAMES[0], jurisdiction="320613")
        agency = make_tenant(TenantType.agency, name=NAMES[1], jurisdiction="320613")
        workers = [make_user(agency, Role.caseworker).id for _ in "ab"]
        published(agency, name="并发上门服务", places=2)
        born = date(1939, 9, 9)
        person = member_data(born, id_number=resident_id(born, area="320684"))
        _household, (need,) = assessed(bureau, {"dimension": "care"}, members=[person])
        with tenant_context(bureau.id):
            run = matching.match_now(bureau, need, None, {})
            referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
            service.offer(referral, None, utcnow())
            db.session.commit()
        scene = {"bureau": bureau.id, "agency": agency.id, "workers": workers,
                 "referral": referral.id, "need": need.id}  # fmt: skip
        db.session.remove()
    return scene


def _accept_as(scene: dict, worker_id: int):
    def call(ready) -> None:
        with all_tenants():
            worker = db.session.get(User, worker_id)
        with tenant_context(scene["bureau"]):  # as a provider's request acts for the bureau
            referral = db.session.get(Referral, scene["referral"])
            ready()
            service.accept(referral, worker_id, worker, utcnow())

    return call


def _clean_up(app, scene: dict) -> None:
    with app.app_context(), all_tenants():
        runs = select(MatchingRun.id).where(MatchingRun.tenant_id == scene["bureau"])
        referrals = select(Referral.id).where(Referral.run_id.in_(runs))
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(referrals)))
        db.session.execute(delete(Referral).where(Referral.run_id.in_(runs)))
        db.session.execute(delete(UnmatchedNeed).where(UnmatchedNeed.run_id.in_(runs)))
        db.session.execute(delete(MatchingRun).where(MatchingRun.tenant_id == scene["bureau"]))
        db.session.execute(
            delete(Notification).where(
                Notification.tenant_id.in_([scene["bureau"], scene["agency"]])
            )
        )
        db.session.execute(
            update(Need)
            .where(Need.id == scene["need"])
            .values(status=NeedStatus.closed, closed_on=date.today())
        )
        db.session.commit()
    suspend_tenants(app, *NAMES)


def test_two_workers_accepting_one_offer_at_once_one_wins(app):
    scene = _offered(app)
    try:
        outcomes = at_once(app, *(_accept_as(scene, w) for w in scene["workers"]))
        with app.app_context(), all_tenants():
            referral = db.session.get(Referral, scene["referral"])
            found = (str(referral.status), referral.worker_id, len(referral.events))
            accepted = db.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.target_type == "referral",
                    AuditEvent.target_id == str(scene["referral"]),
                    AuditEvent.action == "referral.status_changed",
                )
                .order_by(AuditEvent.id)
            ).all()
            db.session.remove()
    finally:
        _clean_up(app, scene)
    assert outcomes.count(DONE) == 1, outcomes
    loser = next(o for o in outcomes if o != DONE)
    assert list(loser) == ["status"]
    winner = scene["workers"][outcomes.index(DONE)]
    assert found == ("accepted", winner, 2)  # offered, then accepted once
    assert [e.after["status"] for e in accepted] == ["offered", "accepted"]
