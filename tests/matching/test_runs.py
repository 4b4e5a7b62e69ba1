"""Matching runs through the API: the optimum and why, costs and their weights, bad
input refused with nothing written, runs as jobs (in process, and on a real RQ worker),
the nightly schedule and runs whose worker ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.clock import utcnow
from aidbridge.extensions import db
from aidbridge.jobs import enqueue
from aidbridge.matching import service as matching
from aidbridge.matching.models import MatchingRun, RunStatus, UnmatchedNeed
from aidbridge.notifications.models import Notification
from aidbridge.pool.models import Service
from aidbridge.referrals.models import CaseOutcome, DeclineReason, Referral, ReferralStatus
from aidbridge.tenancy import tenant_context

from factories import make_tenant, make_user
from matching_data import NORTH, OTHER_STREET_COMMUNITY, STREET, assessed, outcome, published, run

NEAR = {"latitude": "32.0100", "longitude": "120.8600"}


def _located(provider, name, latitude, longitude, **fields):
    location = {
        "name": name,
        "area_code": NORTH,
        "address": "人民中路1号",
        "latitude": Decimal(latitude),
        "longitude": Decimal(longitude),
    }
    return published(provider, name=name, locations=[location], **fields)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_run_reports_its_counts_timings_and_the_greedy_beside_it(api, bureau, charity):
    published(charity, places=2)
    for urgency in ("routine", "routine", "emergency"):
        assessed(bureau, {"dimension": "care", "urgency": urgency})
    result = run(api)
    counts = result["counts"]
    assert (counts["needs"], counts["candidates"]) == (3, 3)
    assert counts["matched"] == {"emergency": 1, "priority": 0, "routine": 1}
    assert counts["unmatched"] == {"capacity_taken": 1}
    assert counts["greedy"]["matched"] == counts["matched"]
    assert result["solver"] == "min_cost_flow" and result["cost"] >= 0
    assert {"load", "build", "solve", "greedy", "write", "total"} <= result["timings"].keys()
    assert result["weights"] == {"distance": 50, "performance": 20, "continuity": 20, "price": 10}
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "matching_run", AuditEvent.target_id == str(result["id"])
        )
    ).all()
    assert actions == ["matching.run_started", "matching.run_finished"]


def test_the_bureaus_matchers_hear_of_a_finished_run(api, bureau, charity, caseworker):
    admin = make_user(bureau, Role.admin)
    published(charity)
    assessed(bureau, {"dimension": "care"})
    result = run(api)
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "matching_run_finished")
    ).all()
    assert {n.user_id for n in told} == {admin.id, caseworker.id}
    assert told[0].params["matched"] == 1 and told[0].params["run"] == result["id"]


def test_the_nearer_service_wins_and_the_explanation_says_how_far(api, bureau, charity):
    near = _located(charity, "近处照料", "32.0200", "120.8600")  # about 1.1 km north
    _located(charity, "远处照料", "32.1500", "120.8600")  # about 15.6 km
    _, (need,) = assessed(bureau, {"dimension": "care"}, **NEAR)
    match = outcome(api, run(api), need)
    assert match["service_id"] == near.id
    cost = match["explanation"]["cost"]
    assert cost["distance_km"] == pytest.approx(1.11, abs=0.01)
    assert cost["distance"] == 56  # 1.11 km of the 20 km scale, per mille
    (alternative,) = match["explanation"]["alternatives"]
    assert alternative["why"] == "costlier" and alternative["cost"] > match["cost"]


def test_without_coordinates_the_area_tree_measures_distance(api, bureau, charity):
    community = published(charity, name="社区照料", areas=[NORTH])
    published(charity, name="全市照料", areas=["320600"])
    _, (need,) = assessed(bureau, {"dimension": "care"})
    match = outcome(api, run(api), need)
    assert match["service_id"] == community.id
    assert match["explanation"]["cost"]["area_gap"] == 0
    assert match["explanation"]["cost"]["distance_km"] is None


def test_an_alternative_that_went_to_another_need_says_so(api, bureau, charity):
    near = _located(charity, "近处照料", "32.0200", "120.8600", places=1)
    _located(charity, "远处照料", "32.1500", "120.8600", places=1)
    _, (urgent,) = assessed(bureau, {"dimension": "care", "urgency": "priority"}, **NEAR)
    _, (routine,) = assessed(bureau, {"dimension": "care"}, **NEAR)
    result = run(api)
    assert outcome(api, result, urgent)["service_id"] == near.id
    (alternative,) = outcome(api, result, routine)["explanation"]["alternatives"]
    assert alternative == {
        "service_id": near.id, "provider_id": charity.id,
        "cost": alternative["cost"], "why": "taken",
    }  # fmt: skip


def _past_run(bureau) -> MatchingRun:
    """A finished instant run to hang referrals made by hand on."""
    with tenant_context(bureau.id):
        past = MatchingRun(
            tenant_id=bureau.id, mode="instant", area_code=STREET, status="succeeded", weights={}
        )
        db.session.add(past)
        db.session.commit()
    return past


def _referral(past, need, service, status: ReferralStatus) -> Referral:
    """A referral of another need, in ``status`` (as the referrals' life cycle leaves it)."""
    referral = Referral(
        tenant_id=past.tenant_id, need_id=need.id, household_id=need.household_id,
        service_id=service.id, provider_id=service.tenant_id, run_id=past.id,
        urgency="routine", status=status, cost=0, explanation={},
        decline_reason=DeclineReason.no_capacity if status is ReferralStatus.declined else None,
        outcome=CaseOutcome.resolved if status in (ReferralStatus.completed,
                                                   ReferralStatus.closed_unresolved) else None,
    )  # fmt: skip
    db.session.add(referral)
    db.session.commit()
    return referral


def test_weights_decide_between_distance_and_continuity(api, bureau, charity, agency):
    near = _located(charity, "近处照料", "32.0200", "120.8600")
    serving = _located(agency, "远处照料", "32.1500", "120.8600")
    _, (stranger,) = assessed(bureau, {"dimension": "care"}, **NEAR)
    _, (known, counselling) = assessed(
        bureau, {"dimension": "care"}, {"dimension": "psychological"}, **NEAR
    )
    # The agency already serves the second household, for its other need.
    talks = published(agency, name="心理疏导", dimension="psychological", subcategory=None)
    _referral(_past_run(bureau), counselling, talks, ReferralStatus.in_service)
    result = run(api, weights={"distance": 10, "continuity": 100})
    assert outcome(api, result, stranger)["service_id"] == near.id
    match = outcome(api, result, known)
    assert match["service_id"] == serving.id
    assert match["explanation"]["cost"]["continuity"] == 0
    assert result["weights"] == {"distance": 10, "performance": 20, "continuity": 100, "price": 10}


def test_a_provider_that_declines_more_costs_more(api, bureau, charity, agency):
    declining = published(charity, name="慈善照料")
    accepting = published(agency, name="社工照料")
    past = _past_run(bureau)
    for _ in range(10):
        _referral(past, assessed(bureau, {"dimension": "legal"})[1][0], declining,
                  ReferralStatus.declined)  # fmt: skip
    for _ in range(5):
        _referral(past, assessed(bureau, {"dimension": "legal"})[1][0], accepting,
                  ReferralStatus.accepted)  # fmt: skip
    _, (need,) = assessed(bureau, {"dimension": "care"})
    match = outcome(api, run(api, weights={"performance": 100}), need)
    assert match["service_id"] == accepting.id
    (alternative,) = match["explanation"]["alternatives"]
    assert alternative["service_id"] == declining.id and alternative["why"] == "costlier"
    # 5 of 5 accepted and 0 of 10, each shrunk towards the pool's 5 of 15 by 10 referrals'
    # worth; nothing closed yet, so completion counts in full for both.
    assert match["explanation"]["cost"]["performance"] == 222


def test_a_run_for_an_area_serves_only_the_needs_inside_it(api, bureau, charity):
    published(charity)
    _, (inside,) = assessed(bureau, {"dimension": "care"}, area=NORTH)
    _, (outside,) = assessed(bureau, {"dimension": "care"}, area=OTHER_STREET_COMMUNITY)
    result = run(api, area_code=STREET)
    assert result["area_code"] == STREET and result["counts"]["needs"] == 1
    assert outcome(api, result, inside)["service_id"]
    assert db.session.scalar(select(Referral.id).where(Referral.need_id == outside.id)) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"area_code": "360202"}, "area_code"),  # Changjiang: another jurisdiction
        ({"area_code": "320613999"}, "area_code"),  # no such area
        ({"area_code": "32"}, "area_code"),
        ({"weights": {"distance": 101}}, "weights.distance"),
        ({"weights": {"price": -1}}, "weights.price"),
        ({"weights": {"speed": 5}}, "weights.speed"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(api, bureau, body, field):
    refused = api("POST", "/matching/runs", json=body)
    assert refused.status_code == 422 and field in refused.json["errors"], refused.json
    assert _count(MatchingRun) == 0


def test_a_second_run_for_a_scope_under_way_is_refused(api, bureau):
    with tenant_context(bureau.id):
        db.session.add(
            MatchingRun(tenant_id=bureau.id, mode="batch", area_code=STREET, status="running",
                        weights={})
        )  # fmt: skip
        db.session.commit()
    refused = api("POST", "/matching/runs", json={"area_code": STREET})
    assert refused.status_code == 409 and "area_code" in refused.json["errors"]
    assert _count(MatchingRun) == 1
    # Another scope is free to run.
    assert api("POST", "/matching/runs", json={}).status_code == 202


def test_only_a_bureaus_matchers_run_and_its_readers_read(as_user, bureau):
    monitor = as_user(make_user(bureau, Role.monitor))
    assert monitor("POST", "/matching/runs", json={}).status_code == 403
    assert monitor("GET", "/matching/runs").status_code == 200
    charity_user = as_user(make_user(make_tenant(TenantType.charity), Role.admin))
    assert charity_user("GET", "/matching/runs").status_code == 403


def test_running_a_run_twice_does_nothing_more(api, bureau, charity):
    published(charity)
    assessed(bureau, {"dimension": "care"})
    result = run(api)
    with tenant_context(bureau.id):
        assert matching.execute(result["id"]) is None
    assert _count(Referral) == 1


def test_a_run_left_running_by_its_worker_is_failed(app, db, bureau):
    with tenant_context(bureau.id):
        stalled = MatchingRun(
            tenant_id=bureau.id, mode="batch", area_code=STREET, status="running", weights={},
            started_at=utcnow() - timedelta(hours=2),
        )  # fmt: skip
        fresh = MatchingRun(
            tenant_id=bureau.id, mode="batch", area_code=NORTH, status="running", weights={},
            started_at=utcnow(),
        )  # fmt: skip
        db.session.add_all([stalled, fresh])
        db.session.commit()
    assert enqueue("matching.fail_stalled_runs") == 1
    assert (stalled.status, fresh.status) == (RunStatus.failed, RunStatus.running)
    assert "stopped" in stalled.error


def test_a_run_whose_job_was_lost_is_failed_and_frees_its_area(api, bureau, charity):
    published(charity)
    assessed(bureau, {"dimension": "care"})
    with tenant_context(bureau.id):
        lost = MatchingRun(
            tenant_id=bureau.id, mode="batch", area_code=bureau.jurisdiction_code,
            status="queued", weights={}, created_at=utcnow() - timedelta(hours=2),
        )  # fmt: skip
        db.session.add(lost)
        db.session.commit()
    assert api("POST", "/matching/runs", json={}).status_code == 409
    assert enqueue("matching.fail_stalled_runs") == 1
    assert lost.status is RunStatus.failed and "never started" in lost.error
    assert run(api)["counts"]["matched"]["routine"] == 1


def test_the_nightly_runs_start_once_in_their_hour(app, db, bureau, charity):
    published(charity)
    assessed(bureau, {"dimension": "care"})
    other = make_tenant(TenantType.bureau, name="海门区民政局", jurisdiction="320613")
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    night = datetime(2026, 12, 4, app.config["MATCHING_NIGHTLY_HOUR"], 5, tzinfo=zone)
    assert matching.start_nightly_runs(night.replace(hour=(night.hour + 12) % 24)) == 0
    assert matching.start_nightly_runs(night) == 2
    assert matching.start_nightly_runs(night + timedelta(minutes=30)) == 0
    runs = db.session.scalars(select(MatchingRun).order_by(MatchingRun.tenant_id)).all()
    assert [(r.tenant_id, str(r.mode), str(r.status)) for r in runs] == [
        (bureau.id, "nightly", "succeeded"),
        (other.id, "nightly", "succeeded"),
    ]
    assert _count(Referral) == 1


def test_a_run_on_a_real_rq_worker(app, db, api, bureau, charity, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    published(charity)
    assessed(bureau, {"dimension": "care"})
    connection = Redis.from_url(redis_url)
    app.config.update(JOBS_IN_PROCESS=False)
    try:
        queued = api("POST", "/matching/runs", json={})
        assert queued.status_code == 202 and queued.json["status"] == "queued"
        worker = SimpleWorker([Queue("matching", connection=connection)], connection=connection)
        worker.work(burst=True)
    finally:
        app.config.update(JOBS_IN_PROCESS=True)
        Queue("matching", connection=connection).empty()
    finished = api("GET", f"/matching/runs/{queued.json['id']}").json
    assert finished["status"] == "succeeded"
    assert finished["counts"]["matched"]["routine"] == 1


def test_unmatched_needs_read_by_reason_and_summed_by_street(api, bureau, charity):
    published(charity, places=1, areas=[STREET])
    for _ in range(3):
        assessed(bureau, {"dimension": "care"})
    assessed(bureau, {"dimension": "legal"})
    result = run(api)
    listed = api("GET", f"/matching/runs/{result['id']}/unmatched?reason=capacity_taken").json
    assert listed["total"] == 2
    summary = api("GET", f"/matching/runs/{result['id']}/unmatched/summary").json["groups"]
    assert summary == [
        {"area_code": STREET, "area_name": "和平桥街道", "dimension": "care",
         "reason": "capacity_taken", "needs": 2},
        {"area_code": STREET, "area_name": "和平桥街道", "dimension": "legal",
         "reason": "no_service", "needs": 1},
    ]  # fmt: skip
    bad = api("GET", f"/matching/runs/{result['id']}/unmatched?reason=sunspots")
    assert bad.status_code == 422 and "reason" in bad.json["errors"]
    assert _count(UnmatchedNeed) == 3


def test_a_need_says_what_matching_last_said_of_it(api, bureau, charity):
    service = published(charity, places=1)
    _, (first,) = assessed(bureau, {"dimension": "care", "urgency": "priority"})
    _, (second,) = assessed(bureau, {"dimension": "care"})
    run(api)
    matched = api("GET", f"/needs/{first.id}/matching").json
    assert matched["match"]["service_id"] == service.id and matched["unmatched"] is None
    left = api("GET", f"/needs/{second.id}/matching").json
    assert left["match"] is None and left["unmatched"]["reason"] == "capacity_taken"


def test_capacity_drawn_down_is_the_matches_made(api, bureau, charity):
    service = published(charity, places=3)
    for _ in range(5):
        assessed(bureau, {"dimension": "care"})
    run(api)
    assert db.session.get(Service, service.id).capacity_available == 0
    assert _count(Referral) == 3
