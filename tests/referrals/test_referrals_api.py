"""Referrals through the API, as each side sees them: the bureau offers its matches;
the provider's inbox shows what it needs to decide and nothing more; it accepts with
a social worker (then it sees the household's address, and that reading is logged) or
declines with a reason; the bureau revokes; each side is refused the other's moves."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.extensions import db
from aidbridge.matching import service as matching
from aidbridge.referrals.models import Referral
from aidbridge.tenancy import tenant_context

from factories import make_tenant, make_user, member_data
from matching_data import assessed, published


@pytest.fixture
def provider_api(as_user, social_worker):
    return as_user(social_worker)


@pytest.fixture
def bureau_api(as_user, caseworker):
    return as_user(caseworker)


@pytest.fixture
def proposed(bureau, agency) -> Referral:
    """An elderly member's care need, matched with the agency's home visits."""
    published(agency, name="上门访视服务", places=5)
    _household, (need,) = assessed(
        bureau, {"dimension": "care", "urgency": "priority", "member": 0},
        members=[member_data(date(1948, 1, 9), name="王秀英"),
                 member_data(date(1975, 4, 2), relation="child", name="王建华")],
    )  # fmt: skip
    with tenant_context(bureau.id):
        run = matching.match_now(bureau, need, None, {})
        db.session.commit()
        return db.session.scalar(select(Referral).where(Referral.run_id == run.id))


def test_the_provider_sees_an_offer_in_its_inbox_with_no_names(bureau_api, provider_api, proposed):
    # Proposed is the bureau's own business: the provider does not see it yet.
    assert provider_api("GET", f"/referrals/{proposed.id}").status_code == 404
    assert provider_api("GET", "/referrals").json["items"] == []

    offered = bureau_api("POST", f"/referrals/{proposed.id}/offer")
    assert offered.status_code == 200, offered.json
    assert offered.json["status"] == "offered" and offered.json["respond_rule"] == "ALL-PR-1"
    assert offered.json["household"]["head_name"] == "王秀英"
    assert offered.json["explanation"]["rules"]

    (item,) = provider_api("GET", "/referrals").json["items"]
    assert item["id"] == proposed.id and item["urgency"] == "priority"
    household = item["household"]
    assert household["area_name"] == "北大街社区" and household["phone_masked"] == "138****5678"
    assert (household["id"], household["head_name"], household["address"]) == (None, None, None)
    assert [(m["relation"], m["concerned"]) for m in household["members"]] == [
        ("head", True),
        ("child", False),
    ]
    assert household["members"][0]["age"] >= 78
    assert item["explanation"] is None  # it names other providers
    assert item["assessment"] is None  # not before it accepts
    assert "王秀英" not in str(item) and "王建华" not in str(item)


def test_the_provider_accepts_and_then_reads_the_address_each_time_logged(
    bureau_api, provider_api, proposed, social_worker
):
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    refused = provider_api("POST", f"/referrals/{proposed.id}/accept", json={})
    assert refused.status_code == 422 and "worker_id" in refused.json["errors"]
    accepted = provider_api(
        "POST", f"/referrals/{proposed.id}/accept", json={"worker_id": social_worker.id}
    )
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    assert accepted.json["worker"] == {"id": social_worker.id, "full_name": social_worker.full_name}
    assert accepted.json["household"]["address"] == "北大街12号3幢201室"
    assert accepted.json["household"]["head_name"] == "王秀英"
    assert [e["to_status"] for e in accepted.json["events"]] == ["offered", "accepted"]
    assert accepted.json["assessment"]["assessed_on"] == "2026-11-20"
    assert accepted.json["assessment"]["rating"] == "moderate"
    provider_api("GET", f"/referrals/{proposed.id}")
    (listed,) = provider_api("GET", "/referrals").json["items"]  # the inbox reads it too
    assert listed["household"]["address"] == "北大街12号3幢201室"
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "referral.household_read",
            AuditEvent.target_id == str(proposed.id),
        )
    ).all()
    assert len(reads) == 3 and {r.actor_id for r in reads} == {social_worker.id}
    again = provider_api(
        "POST", f"/referrals/{proposed.id}/accept", json={"worker_id": social_worker.id}
    )
    assert again.status_code == 409
    assert again.json["errors"] == {"status": ["the referral is no longer offered"]}


def test_a_decline_needs_a_reason_and_other_needs_a_note(bureau_api, provider_api, proposed):
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    for body, field in (({}, "reason"), ({"reason": "busy"}, "reason"),
                        ({"reason": "other"}, "note")):  # fmt: skip
        refused = provider_api("POST", f"/referrals/{proposed.id}/decline", json=body)
        assert refused.status_code == 422 and field in refused.json["errors"], refused.json
    declined = provider_api(
        "POST", f"/referrals/{proposed.id}/decline", json={"reason": "cannot_contact"}
    )
    assert declined.status_code == 200, declined.json
    assert declined.json["status"] == "declined"
    assert declined.json["decline_reason"] == "cannot_contact"
    # The bureau sees it declined, and the need matched again (nobody else offers care).
    seen = bureau_api("GET", f"/referrals/{proposed.id}").json
    assert (
        seen["status"] == "declined" and seen["events"][-1]["by_tenant_id"] == proposed.provider_id
    )


def test_each_side_is_refused_the_others_moves(
    as_user, bureau_api, provider_api, proposed, caseworker
):
    assert provider_api("POST", f"/referrals/{proposed.id}/offer").status_code in (403, 404)
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    assert provider_api("POST", f"/referrals/{proposed.id}/offer").status_code == 403
    assert provider_api("POST", f"/referrals/{proposed.id}/revoke", json={}).status_code == 403
    accept = {"worker_id": caseworker.id}
    assert bureau_api("POST", f"/referrals/{proposed.id}/accept", json=accept).status_code == 403
    # Another provider's staff do not even see it.
    stranger = make_user(make_tenant(TenantType.charity), Role.admin)
    assert as_user(stranger)("GET", f"/referrals/{proposed.id}").status_code == 404


def test_the_bureau_offers_a_whole_run_and_revokes_one(bureau, bureau_api, proposed):
    offered = bureau_api("POST", f"/matching/runs/{proposed.run_id}/offer")
    assert offered.status_code == 200 and offered.json == {"offered": 1, "left": []}
    revoked = bureau_api(
        "POST", f"/referrals/{proposed.id}/revoke", json={"note": "家庭已入住养老院"}
    )
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["status"] == "revoked"
    assert revoked.json["events"][-1]["note"] == "家庭已入住养老院"
    twice = bureau_api("POST", f"/referrals/{proposed.id}/revoke", json={})
    assert twice.status_code == 422 and list(twice.json["errors"]) == ["status"]
    listed = bureau_api("GET", "/referrals?status=revoked").json["items"]
    assert [r["id"] for r in listed] == [proposed.id]


def test_the_phone_in_full_once_accepted_each_reading_logged(
    bureau_api, provider_api, proposed, social_worker
):
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    early = provider_api("GET", f"/referrals/{proposed.id}/phone")
    assert early.status_code == 409 and list(early.json["errors"]) == ["status"]
    provider_api("POST", f"/referrals/{proposed.id}/accept", json={"worker_id": social_worker.id})
    shown = provider_api("GET", f"/referrals/{proposed.id}/phone")
    assert shown.status_code == 200 and shown.json == {"value": "13812345678"}
    logged = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "referral.phone_read", AuditEvent.target_id == str(proposed.id)
        )
    ).all()
    assert [e.actor_id for e in logged] == [social_worker.id]


def test_the_bureaus_loop_closure_list_holds_the_cases_taken_on(
    bureau_api, provider_api, proposed, social_worker
):
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    assert bureau_api("GET", "/referrals?waiting=true").json["items"] == []
    provider_api("POST", f"/referrals/{proposed.id}/accept", json={"worker_id": social_worker.id})
    (waiting,) = bureau_api("GET", "/referrals?waiting=true").json["items"]
    assert waiting["id"] == proposed.id and waiting["outcome"] is None


def test_an_offer_the_bureau_withdrew_cannot_be_accepted(
    bureau_api, provider_api, proposed, social_worker
):
    bureau_api("POST", f"/referrals/{proposed.id}/offer")
    bureau_api("POST", f"/referrals/{proposed.id}/revoke", json={"note": "重复转介"})
    refused = provider_api(
        "POST", f"/referrals/{proposed.id}/accept", json={"worker_id": social_worker.id}
    )
    assert refused.status_code == 409
    assert refused.json["errors"] == {"status": ["the referral is no longer offered"]}
    assert provider_api("GET", f"/referrals/{proposed.id}").json["worker"] is None
