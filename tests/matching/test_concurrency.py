"""Two runs handing out the same capacity at the same moment (PostgreSQL, real
transactions): each draws places and contract units down under row locks and checks
them afresh, so the one that writes second finds what the first took, solves again
with what is left, and nothing is handed out twice.

To make the moment certain rather than likely, a third connection holds the service's
row lock while both runs start: both read the pool, solve and then wait at the lock
to write; released, one writes first and the other must try again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select, update

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.contracts.models import ContractItem
from aidbridge.extensions import db
from aidbridge.matching import service
from aidbridge.matching.models import MatchingRun, UnmatchedNeed
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.notifications.models import Notification
from aidbridge.pool.models import Service
from aidbridge.referrals.models import ACTIVE, Referral
from aidbridge.tenancy import all_tenants, tenant_context

from concurrency import DONE, at_once, suspend_tenants
from conftest import TEST_DATABASE_URL
from factories import make_tenant, make_user, member_data, resident_id
from matching_data import NORTH, SOUTH, STREET, assessed, contract_funding, funded, published

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
# These tests commit for real. The runs, referrals and unmatched needs they write are
# deleted, their needs closed and their tenants suspended; the assessments stay (they
# are final), and so do the audit entries.
WAITING_TIMEOUT = 30  # seconds for both runs to reach the lock


def _people(count: int) -> list[dict]:
    """Members with ID numbers of their own (a county no other test registers in)."""
    from datetime import date

    born = date(1938, 8, 8)
    return [member_data(born, id_number=resident_id(born, area="320684")) for _ in range(count)]


def _jurisdiction(app, names: tuple[str, str], needs: list[tuple[str, str]]) -> dict:
    """A bureau and a charity; households with one care need each, (community,
    urgency); an unfunded service of one place and a contract-funded one of many
    places but one contract unit, both covering the street (the unfunded one costs
    less: no price)."""
    with app.app_context():
        bureau = make_tenant(TenantType.bureau, name=names[0], jurisdiction="320613")
        charity = make_tenant(TenantType.charity, name=names[1], jurisdiction="320613")
        user = make_user(bureau)
        people = iter(_people(len(needs)))
        need_ids = []
        for area, urgency in needs:
            _household, (need,) = assessed(
                bureau, {"dimension": "care", "urgency": urgency, "member": 0},
                area=area, members=[next(people)],
            )  # fmt: skip
            need_ids.append(need.id)
        contract = contract_funding(bureau, charity, units=1, areas=[STREET])
        services = [
            published(charity, name="并发照护服务", places=1, areas=[STREET]),
            funded(bureau, charity, contract, name="并发购买服务", areas=[STREET]),
        ]
        scene = {
            "bureau": bureau.id,
            "user": user.id,
            "needs": need_ids,
            "services": [s.id for s in services],
        }
        db.session.remove()
    return scene


def _clean_up(app, scene: dict, names: tuple[str, ...]) -> None:
    with app.app_context(), all_tenants():
        runs = select(MatchingRun.id).where(MatchingRun.tenant_id == scene["bureau"])
        db.session.execute(delete(Referral).where(Referral.run_id.in_(runs)))
        db.session.execute(delete(UnmatchedNeed).where(UnmatchedNeed.run_id.in_(runs)))
        db.session.execute(delete(MatchingRun).where(MatchingRun.tenant_id == scene["bureau"]))
        db.session.execute(delete(Notification).where(Notification.tenant_id == scene["bureau"]))
        db.session.execute(
            update(Need)
            .where(Need.id.in_(scene["needs"]))
            .values(status=NeedStatus.closed, closed_on=sa.func.current_date())
        )
        db.session.commit()
    suspend_tenants(app, *names)


class RowLock:
    """A service's row held locked by a connection of its own, until released: once
    ``waiters`` other sessions wait on it, or after the timeout (then the test fails on
    what it finds, not by hanging). ``commit``: what its connection wrote meanwhile is
    committed at the release, else rolled back."""

    def __init__(self, app, service_id: int, waiters: int, commit: bool = False):
        with app.app_context():
            self.engine = db.engine
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.connection.execute(
            sa.text("SELECT id FROM service WHERE id = :id FOR UPDATE"), {"id": service_id}
        )
        self.waiters = waiters
        self.seen = 0
        self.commit = commit
        self.watcher = threading.Thread(target=self._release_when_waited_on)
        self.watcher.start()

    def _release_when_waited_on(self) -> None:
        deadline = time.monotonic() + WAITING_TIMEOUT
        # Waiting on the lock, or behind one who does (the second waits on the first).
        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with self.engine.connect() as probe:
            while time.monotonic() < deadline:
                self.seen = probe.execute(waiting).scalar()
                probe.rollback()  # the activity is read once per transaction
                if self.seen >= self.waiters:
                    break
                time.sleep(0.02)
        if self.commit:
            self.transaction.commit()
        else:
            self.transaction.rollback()
        self.connection.close()

    def join(self) -> int:
        """How many sessions were seen waiting when it was released."""
        self.watcher.join()
        return self.seen


def _batch(scene: dict, area_code: str) -> Callable:
    def call(ready) -> None:
        with tenant_context(scene["bureau"]):
            bureau = db.session.get(Tenant, scene["bureau"])
            ready()
            service.start_run(bureau, None, {"area_code": area_code})

    return call


def _instant(scene: dict, need_id: int) -> Callable:
    def call(ready) -> None:
        with tenant_context(scene["bureau"]):
            bureau = db.session.get(Tenant, scene["bureau"])
            need = db.session.get(Need, need_id)
            ready()
            service.match_now(bureau, need, None, {})

    return call


def _results(app, scene: dict) -> dict:
    with app.app_context(), all_tenants():
        runs = db.session.scalars(
            select(MatchingRun)
            .where(MatchingRun.tenant_id == scene["bureau"])
            .order_by(MatchingRun.id)
        ).all()
        referrals = db.session.scalars(
            select(Referral).where(Referral.run_id.in_([r.id for r in runs]))
        ).all()
        services = {i: db.session.get(Service, i) for i in scene["services"]}
        items = db.session.scalars(
            select(ContractItem).where(
                ContractItem.contract_id.in_(
                    [s.contract_id for s in services.values() if s.contract_id]
                )
            )
        ).all()
        found = {
            "runs": [(str(r.mode), str(r.status), (r.counts or {}).get("attempts")) for r in runs],
            "referred": [r.need_id for r in referrals if r.status in ACTIVE],
            "by_service": sorted(r.service_id for r in referrals),
            "places": {i: s.capacity_available for i, s in services.items()},
            "units_reserved": [i.units_reserved for i in items],
        }
        db.session.remove()
    return found


def test_two_runs_over_one_street_at_once_hand_out_its_places_once(app):
    """A run of the district and a run of one of its streets (scopes of their own, so
    both may run) want the same three needs; two can be served: one place of the
    unfunded service, one contract unit of the funded one."""
    names = ("并发匹配民政局", "并发匹配慈善会")
    scene = _jurisdiction(app, names, [(NORTH, "routine"), (NORTH, "priority"), (SOUTH, "routine")])
    try:
        lock = RowLock(app, scene["services"][0], waiters=2)
        outcomes = at_once(app, _batch(scene, "320613"), _batch(scene, STREET))
        waited = lock.join()
        found = _results(app, scene)
    finally:
        _clean_up(app, scene, names)
    assert outcomes == [DONE, DONE]
    assert waited == 2, "both runs reached the lock"
    assert sorted(found["runs"]) == [("batch", "succeeded", 1), ("batch", "succeeded", 2)]
    # Two referrals in all, one per need and per place: the unit held once.
    assert len(found["referred"]) == len(set(found["referred"])) == 2
    assert scene["needs"][1] in found["referred"]  # the priority need wins a place
    assert found["by_service"] == sorted(scene["services"])
    assert found["places"][scene["services"][0]] == 0
    assert found["units_reserved"] == [1]


def test_an_instant_match_and_a_run_at_once_refer_the_need_once(app):
    """An emergency matched at once while a run of its street is solving: one place,
    one referral, whichever writes first; the other is told or finds nothing left."""
    names = ("并发即时民政局", "并发即时慈善会")
    scene = _jurisdiction(app, names, [(NORTH, "emergency"), (SOUTH, "routine")])
    emergency = scene["needs"][0]
    try:
        lock = RowLock(app, scene["services"][0], waiters=2)
        outcomes = at_once(app, _batch(scene, STREET), _instant(scene, emergency))
        waited = lock.join()
        found = _results(app, scene)
    finally:
        _clean_up(app, scene, names)
    assert waited == 2, "both reached the lock"
    assert outcomes[0] == DONE
    assert outcomes[1] in (DONE, {"need_id": ["the need already has an active referral"]})
    assert found["referred"].count(emergency) == 1
    assert len(found["referred"]) == 2  # the routine need takes the funded service
    assert found["places"][scene["services"][0]] == 0
    assert found["units_reserved"] == [1]


def test_a_service_paused_while_a_run_waits_to_write_gets_no_referral(app):
    """The provider pauses its service (in the very transaction holding the lock) while
    a run that chose it waits to write: the run finds it no longer offered, solves
    again, and gives the need the funded service instead."""
    names = ("并发暂停民政局", "并发暂停慈善会")
    scene = _jurisdiction(app, names, [(NORTH, "routine")])
    paused = scene["services"][0]
    try:
        lock = RowLock(app, paused, waiters=1, commit=True)
        lock.connection.execute(
            sa.text("UPDATE service SET status = 'paused' WHERE id = :id"), {"id": paused}
        )
        outcomes = at_once(app, _batch(scene, STREET))
        waited = lock.join()
        found = _results(app, scene)
    finally:
        _clean_up(app, scene, names)
    assert outcomes == [DONE] and waited == 1
    assert found["runs"] == [("batch", "succeeded", 2)]
    assert found["by_service"] == [scene["services"][1]]
    assert found["places"][paused] == 1  # nothing drawn from the paused service
