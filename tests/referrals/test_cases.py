"""A case through the API: the social worker records visits on an accepted referral —
each drawing the contract down, the first using the unit the referral held since its
match — and closes it with an outcome, the household's satisfaction and the need's
severity re-assessed; bad records and a second closing are refused, nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.clock import local_today
from aidbridge.contracts.models import Contract, Delivery
from aidbridge.extensions import db
from aidbridge.matching import service as matching
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.pool.models import Service
from aidbridge.referrals.models import Referral, ServiceRecord
from aidbridge.tenancy import tenant_context

from factories import make_tenant, make_user
from matching_data import assessed, contract_funding, funded

PRICE = 8_000  # fen a visit


@pytest.fixture
def provider_api(as_user, social_worker):
    return as_user(social_worker)


@pytest.fixture
def contract(bureau, agency):
    return contract_funding(bureau, agency, units=10, price_fen=PRICE, budget_fen=80_000)


@pytest.fixture
def accepted(as_user, caseworker, bureau, agency, contract, provider_api, social_worker):
    """The agency's funded home visits matched with a care need, offered and accepted."""
    funded(bureau, agency, contract, name="上门访视服务", places=5)
    _household, (need,) = assessed(bureau, {"dimension": "care", "severity": "severe"})
    with tenant_context(bureau.id):
        run = matching.match_now(bureau, need, None, {})
        db.session.commit()
        referral = db.session.scalar(select(Referral).where(Referral.run_id == run.id))
    as_user(caseworker)("POST", f"/referrals/{referral.id}/offer")
    answer = provider_api(
        "POST", f"/referrals/{referral.id}/accept", json={"worker_id": social_worker.id}
    )
    assert answer.status_code == 200, answer.json
    return referral


def visit(social_worker, days_ago: int = 0, **fields) -> dict:
    day = local_today() - timedelta(days=days_ago)
    return {"kind": "visit", "served_on": day.isoformat(), "minutes": 60,
            "worker_id": social_worker.id, "note": "上门探访", **fields}  # fmt: skip


def test_two_visits_draw_the_contract_down_and_the_first_uses_the_held_unit(
    provider_api, accepted, contract, social_worker
):
    url = f"/referrals/{accepted.id}/records"
    first = provider_api("POST", url, json=visit(social_worker))
    assert first.status_code == 201, first.json
    assert first.json["delivery_id"] and first.json["worker"]["id"] == social_worker.id
    second = provider_api("POST", url, json=visit(social_worker, kind="session", units=1))
    assert second.status_code == 201, second.json
    db.session.expire_all()
    contract = db.session.get(Contract, contract.id)
    (item,) = contract.items
    assert (item.units_delivered, item.units_reserved) == (2, 0)
    assert (contract.spent_fen, contract.reserved_fen) == (2 * PRICE, 0)
    seen = provider_api("GET", f"/referrals/{accepted.id}").json
    assert seen["status"] == "in_service"
    assert [r["kind"] for r in seen["records"]] == ["visit", "session"]
    deliveries = db.session.scalars(select(Delivery).where(Delivery.referral_id == accepted.id))
    assert [d.units for d in deliveries] == [1, 1]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units": -1}, "units"),
        ({"units": 0}, "units"),
        ({"minutes": 0}, "minutes"),
        ({"kind": "phone_call"}, "kind"),
        ({"served_on": "not a date"}, "served_on"),
    ],
)
def test_a_bad_record_is_refused_on_its_field(
    provider_api, accepted, social_worker, changes, field
):
    refused = provider_api(
        "POST", f"/referrals/{accepted.id}/records", json={**visit(social_worker), **changes}
    )
    assert refused.status_code == 422 and field in refused.json["errors"], refused.json
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_a_visit_in_the_future_or_by_another_organisations_worker_is_refused(
    provider_api, accepted, social_worker, caseworker
):
    url = f"/referrals/{accepted.id}/records"
    tomorrow = provider_api("POST", url, json=visit(social_worker, days_ago=-1))
    assert tomorrow.status_code == 422
    assert tomorrow.json["errors"] == {"served_on": ["cannot be in the future"]}
    before = provider_api("POST", url, json=visit(social_worker, days_ago=3))
    assert before.json["errors"] == {"served_on": ["cannot be before the referral was accepted"]}
    stranger = provider_api("POST", url, json=visit(social_worker, worker_id=caseworker.id))
    assert stranger.json["errors"] == {"worker_id": ["not an active user of your organisation"]}
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_another_provider_cannot_record_on_the_case(as_user, accepted, social_worker):
    other = make_user(make_tenant(TenantType.agency), Role.caseworker)
    answer = as_user(other)("POST", f"/referrals/{accepted.id}/records", json=visit(other))
    assert answer.status_code == 404


def test_closing_records_the_outcome_and_the_need_improved(
    as_user, caseworker, provider_api, accepted, social_worker
):
    url = f"/referrals/{accepted.id}/close"
    early = provider_api("POST", url, json={"status": "completed", "outcome": "resolved"})
    assert early.status_code == 422
    assert early.json["errors"] == {"status": ["a case is completed after a service record"]}
    provider_api("POST", f"/referrals/{accepted.id}/records", json=visit(social_worker))
    bad = provider_api("POST", url, json={"status": "completed", "outcome": "resolved",
                                          "satisfaction": 6})  # fmt: skip
    assert bad.status_code == 422 and "satisfaction" in bad.json["errors"]
    closed = provider_api(
        "POST", url,
        json={"status": "completed", "outcome": "resolved", "satisfaction": 5,
              "severity": "mild", "note": "老人照料已落实"},
    )  # fmt: skip
    assert closed.status_code == 200, closed.json
    body = closed.json
    assert (body["status"], body["outcome"], body["satisfaction"]) == ("completed", "resolved", 5)
    assert (body["severity_before"], body["severity_after"]) == ("severe", "mild")
    need = db.session.get(Need, accepted.need_id)
    assert need.severity == "mild" and need.status is NeedStatus.closed
    seen = as_user(caseworker)("GET", f"/referrals/{accepted.id}").json
    assert seen["outcome"] == "resolved" and seen["events"][-1]["to_status"] == "completed"
    twice = provider_api("POST", url, json={"status": "completed", "outcome": "resolved"})
    assert twice.status_code == 422 and list(twice.json["errors"]) == ["status"]
    late = provider_api("POST", f"/referrals/{accepted.id}/records", json=visit(social_worker))
    assert late.status_code == 422


def test_a_case_closed_unserved_gives_back_its_place_and_unit(provider_api, accepted, contract):
    closed = provider_api(
        "POST", f"/referrals/{accepted.id}/close",
        json={"status": "closed_unresolved", "outcome": "moved", "note": "已搬离本市"},
    )  # fmt: skip
    assert closed.status_code == 200, closed.json
    db.session.expire_all()
    assert db.session.get(Service, accepted.service_id).capacity_available == 5
    contract = db.session.get(Contract, contract.id)
    assert contract.reserved_fen == 0 and contract.items[0].units_reserved == 0
