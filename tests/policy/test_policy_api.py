"""The policy-pack API: every tenant reads the packs; only the operator publishes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import TenantType
from aidbridge.audit.models import AuditEvent

from factories import bearer, make_tenant, make_token, make_user, next_nantong_pack

NEXT = next_nantong_pack()


@pytest.fixture
def operator(db):
    return bearer(make_token(make_user(make_tenant(TenantType.operator), "operator")))


@pytest.fixture
def caseworker_headers(db):
    return bearer(make_token(make_user(make_tenant(TenantType.bureau), "caseworker")))


def test_any_tenant_reads_the_packs_and_the_rules_they_apply(client, caseworker_headers):
    listing = client.get(
        "/api/v1/policy/packs?jurisdiction=nantong", headers=caseworker_headers
    ).json
    assert [p["name"] for p in listing["items"]] == ["nantong-2021", "nantong-2017"]
    detail = client.get(
        f"/api/v1/policy/packs/{listing['items'][0]['id']}", headers=caseworker_headers
    )
    body = detail.json
    assert detail.status_code == 200
    rules = {r["id"]: r for r in body["rules"]}
    assert rules["NT21-LI-1"]["title_zh"].startswith("人均收入达到或超过低保标准")
    assert "NT17-IN-2" in rules and "NT17-LB-3" not in rules
    assert body["supersedes"]["NT17-LB-3"] == "NT21-LB-3"
    assert "property" in body["local_settings"]
    assert {"effective_from": "2026-07-01", "urban_fen": 102000, "rural_fen": 102000} in body[
        "standards"
    ]
    assert 'jurisdiction = "nantong"' in body["text"]


def test_the_operator_publishes_a_version_and_it_is_audited(client, db, operator):
    response = client.post("/api/v1/policy/packs", json={"text": NEXT}, headers=operator)
    assert response.status_code == 201, response.json
    assert (response.json["name"], response.json["starts_on"]) == ("nantong-2027", "2027-04-01")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "policy_pack.publish")
    ).one()
    assert event.after == {"name": "nantong-2027", "starts_on": "2027-04-01"}


def test_only_the_operator_publishes(client, caseworker_headers):
    response = client.post("/api/v1/policy/packs", json={"text": NEXT}, headers=caseworker_headers)
    assert response.status_code == 403


def test_a_broken_pack_is_refused_naming_the_field(client, operator):
    broken = NEXT.replace("months = 6\n", 'months = "six"\n')
    response = client.post("/api/v1/policy/packs", json={"text": broken}, headers=operator)
    assert response.status_code == 422
    assert "gradual_exit.months" in response.json["errors"]
    listing = client.get("/api/v1/policy/packs?jurisdiction=nantong", headers=operator).json
    assert len(listing["items"]) == 2
