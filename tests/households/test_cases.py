"""A bureau opens a household's case to a social-work agency, whose assessors assess its
needs (CN21-AS-1: one assessment every agency uses); the household stays the bureau's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.extensions import db
from aidbridge.households.models import CaseGrant
from aidbridge.notifications.models import Notification

from factories import (
    frail_parent_data,
    household_data,
    make_tenant,
    make_user,
    member_data,
)

ON = "2026-11-20"


@pytest.fixture
def api(api_en):
    return api_en


@pytest.fixture
def agency(db):
    return make_tenant(TenantType.agency, name="南通阳光社工事务所")


@pytest.fixture
def agency_assessor(agency):
    user = make_user(agency, Role.assessor)
    user.full_name = "王芳"
    db.session.commit()
    return user


@pytest.fixture
def agency_api(as_user, agency_assessor):
    return as_user(agency_assessor)


@pytest.fixture
def household(api):
    """A son able to work and his mother in full care, of the bureau."""
    data = household_data(member_data(date(1985, 4, 1)), frail_parent_data(date(1947, 2, 1)))
    data["phone"] = "13912345678"
    response = api("POST", "/households", json=data)
    assert response.status_code == 201, response.json
    return response.json


def _grant(api, household, agency, note="上门评估照护需求"):
    return api(
        "POST", f"/households/{household['id']}/grants", json={"agency_id": agency.id, "note": note}
    )


def _grants() -> int:
    return db.session.scalar(select(func.count(CaseGrant.id)))


def _assess(call, household, on=ON):
    proposal = call("GET", f"/households/{household['id']}/assessments/proposal?on={on}")
    assert proposal.status_code == 200, proposal.json
    needs = [
        {k: p[k] for k in ("dimension", "subcategory", "member_id", "severity", "urgency")}
        for p in proposal.json["needs"]
    ]
    body = {"assessed_on": on, "consents_to_share": True, "needs": needs}
    return call("POST", f"/households/{household['id']}/assessments", json=body)


def test_an_agency_assesses_a_case_the_bureau_opened_to_it(
    api, agency_api, household, agency, agency_assessor, bureau
):
    url = f"/households/{household['id']}"
    assert agency_api("GET", url).status_code == 404  # not yet its case

    granted = _grant(api, household, agency)
    assert granted.status_code == 201, granted.json
    assert (granted.json["agency_name"], granted.json["is_open"]) == ("南通阳光社工事务所", True)
    assert granted.json["note"] == "上门评估照护需求"

    # The agency's assessors hear of it, with the bureau's name.
    told = select(Notification).where(Notification.user_id == agency_assessor.id)
    assert [n.kind for n in db.session.scalars(told)] == ["case_granted"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.grant"))

    cases = agency_api("GET", "/cases").json
    assert cases["total"] == 1
    case = cases["items"][0]
    assert (case["bureau_name"], case["note"]) == (bureau.name, "上门评估照护需求")
    assert case["household"]["head_name"] == "张三"
    assert case["household"]["member_count"] == 2

    # The household as the agency reads it: members there, numbers masked.
    read = agency_api("GET", url).json
    assert len(read["members"]) == 2
    assert "*" in read["members"][0]["id_number"] and "*" in read["phone"]

    assessed = _assess(agency_api, household)
    assert assessed.status_code == 201, assessed.json
    assert assessed.json["assessed_by"] == "王芳"
    assert assessed.json["assessed_by_organisation"] == "南通阳光社工事务所"

    # The assessment and its needs are the bureau's record.
    mine = api("GET", f"{url}/assessments").json["items"]
    assert [(a["version"], a["assessed_by_organisation"]) for a in mine] == [
        (1, "南通阳光社工事务所")
    ]
    needs = api("GET", f"/needs?household_id={household['id']}").json["items"]
    assert {n["subcategory"] for n in needs} >= {"care.personal_care"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "household.assess"))
    assert (event.tenant_id, event.actor_tenant_id) == (bureau.id, agency.id)


def test_a_bureau_assessment_names_the_bureau(api, household, bureau, caseworker):
    assessed = _assess(api, household)
    assert assessed.status_code == 201, assessed.json
    assert assessed.json["assessed_by"] == caseworker.full_name
    assert assessed.json["assessed_by_organisation"] == bureau.name


def test_an_agency_only_reads_and_assesses(api, agency_api, household, agency):
    _grant(api, household, agency)
    url = f"/households/{household['id']}"
    # Changing the household, its members, facts and decisions stays with the bureau;
    # the numbers in full are never the agency's.
    member = household["members"][0]["id"]
    for method, path in [
        ("PATCH", url),
        ("GET", f"{url}/phone"),
        ("GET", f"{url}/members/{member}/id-number"),
        ("POST", f"{url}/members"),
        ("POST", f"{url}/items"),
        ("POST", f"{url}/decisions"),
        ("GET", f"{url}/grants"),
    ]:
        response = agency_api(method, path, json={} if method != "GET" else None)
        assert response.status_code == 404, (method, path, response.status_code)
    assert agency_api("GET", "/households").status_code == 403
    assert agency_api("POST", "/households/emergency", json={}).status_code == 403


def test_another_agency_does_not_see_the_case(api, as_user, household, agency):
    _grant(api, household, agency)
    other = make_user(make_tenant(TenantType.agency), Role.assessor)
    other_api = as_user(other)
    url = f"/households/{household['id']}"
    assert other_api("GET", url).status_code == 404
    assert other_api("GET", f"{url}/assessments/proposal").status_code == 404
    body = {"assessed_on": ON, "consents_to_share": True, "needs": []}
    assert other_api("POST", f"{url}/assessments", json=body).status_code == 404
    assert other_api("GET", "/cases").json["items"] == []


def test_an_agency_admin_reads_but_does_not_assess(api, as_user, household, agency):
    _grant(api, household, agency)
    admin_api = as_user(make_user(agency, Role.admin))
    assert admin_api("GET", f"/households/{household['id']}").status_code == 200
    body = {"assessed_on": ON, "consents_to_share": True, "needs": []}
    response = admin_api("POST", f"/households/{household['id']}/assessments", json=body)
    assert response.status_code == 403


def test_ending_the_grant_ends_the_access(api, agency_api, household, agency):
    grant = _grant(api, household, agency).json
    assert _assess(agency_api, household).status_code == 201
    end = f"/households/{household['id']}/grants/{grant['id']}/end"
    ended = api("POST", end)
    assert ended.status_code == 200, ended.json
    assert ended.json["is_open"] is False and ended.json["ended_at"]

    assert agency_api("GET", f"/households/{household['id']}").status_code == 404
    assert agency_api("GET", "/cases").json["items"] == []
    # What the agency recorded stays, with its name on it.
    kept = api("GET", f"/households/{household['id']}/assessments").json["items"]
    assert kept[0]["assessed_by_organisation"] == "南通阳光社工事务所"

    again = api("POST", end)
    assert again.status_code == 409
    assert again.json["errors"] == {"ended_at": ["the grant has already ended"]}

    # The bureau may open it again; the history keeps both.
    assert _grant(api, household, agency).status_code == 201
    listed = api("GET", f"/households/{household['id']}/grants").json["items"]
    assert [g["is_open"] for g in listed] == [True, False]


def test_a_grant_names_an_active_agency_of_the_pool(api, household, agency):
    charity = make_tenant(TenantType.charity)
    elsewhere = make_tenant(TenantType.agency, jurisdiction="360202", policy_pack="changjiang")
    suspended = make_tenant(TenantType.agency)
    suspended.status = TenantStatus.suspended
    db.session.commit()
    for tenant in (charity, elsewhere, suspended):
        response = _grant(api, household, tenant)
        assert response.status_code == 422, response.json
        assert response.json["errors"] == {"agency_id": ["no such active agency in your pool"]}
    assert _grant(api, household, agency).status_code == 201
    twice = _grant(api, household, agency)
    assert twice.status_code == 409
    assert twice.json["errors"] == {"agency_id": ["the agency already has this case"]}
    bad = api("POST", f"/households/{household['id']}/grants", json={"note": "x" * 501})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"agency_id", "note"}
    assert _grants() == 1


def test_the_bureau_lists_the_agencies_of_its_pool(api, agency):
    make_tenant(TenantType.agency, jurisdiction="360202", policy_pack="changjiang")
    make_tenant(TenantType.charity)
    listed = api("GET", "/agencies").json["items"]
    assert [a["name"] for a in listed] == ["南通阳光社工事务所"]


def test_only_caseworkers_and_admins_grant(as_user, household, agency, bureau):
    assessor_api = as_user(make_user(bureau, Role.assessor))
    assert _grant(assessor_api, household, agency).status_code == 403
    assert _grants() == 0
