"""Households in the pages: a caseworker registers, records facts, classifies and reads
the rule trace; numbers are masked until asked for, and each reading is logged."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.households.models import Household

from factories import make_tenant, make_user, resident_id, sign_in, wrong_check

BORN = date(1976, 3, 15)


def _registration(number: str, **fields) -> dict:
    return {
        "area_code": "320613001001",
        "address": "北大街12号3幢201室",
        "setting": "urban",
        "phone": "13812345678",
        "checks_authorised_on": "2026-11-02",
        "registered_on": "2026-11-02",
        "members_0_name": "李四",
        "members_0_id_number": number,
        "members_0_relation": "head",
        "members_0_labour_capacity": "full",
        "members_0_employment": "unemployed",
        "members_0_self_care": "self_care",
        "members_0_supporter": "able",
        # Left blank, sent as "" by a browser: none, for the schema to judge.
        "next_review_on": "",
        **fields,
    }


def _register(client, number: str) -> int:
    response = client.post("/households/new", data=_registration(number))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/households/(\d+)$", response.headers["Location"]).group(1))


def test_a_caseworker_registers_classifies_and_reads_the_trace(client, worker, db):
    number = resident_id(BORN)
    home = client.get("/bureau/").get_data(as_text=True)
    assert 'href="/households/"' in home and 'href="/households/?review=overdue"' in home
    form = client.get("/households/new").get_data(as_text=True)
    assert "登记家庭" in form and "北大街社区" in form
    household = _register(client, number)
    page = client.get(f"/households/{household}").get_data(as_text=True)
    assert "李四" in page and number not in page and number[:4] + "*" * 10 in page
    assert "138****5678" in page and "<dt>地址</dt>" in page  # a home's, not an IP address

    recorded = client.post(
        f"/households/{household}/items",
        data={"type": "income:pension", "member_id": "", "amount": "500.00"},
    )
    assert recorded.status_code == 422  # an income belongs to a member
    assert "收入须属于某一成员" in recorded.get_data(as_text=True)
    member = db.session.scalar(select(Household).where(Household.id == household)).members[0]
    recorded = client.post(
        f"/households/{household}/items",
        data={
            "type": "income:pension",
            "member_id": str(member.id),
            "amount": "500.00",
            "starts_on": "",
            "ends_on": "",
        },
    )
    assert recorded.status_code == 302

    decided = client.post(f"/households/{household}/decisions", data={"decided_on": "2026-11-20"})
    assert decided.status_code == 302
    page = client.get(f"/households/{household}").get_data(as_text=True)
    assert '<span class="badge ok">低保</span>' in page  # the outcome, as labelled
    assert "ALL-LB-1" in page and "1,020.00" in page
    assert "¥520.00" in page  # 1,020.00 − 500.00
    # Able to work, income not stable: reviewed every 6 months (ALL-RV-2).
    assert "2027-05-20 (每6个月)" in page

    listing = client.get("/households/?review=").get_data(as_text=True)
    assert "李四" in listing


def test_a_number_is_shown_in_full_only_on_request_and_logged(client, worker, db):
    number = resident_id(BORN)
    household = _register(client, number)
    member = db.session.get(Household, household).members[0]
    page = client.post(f"/households/{household}/members/{member.id}/id-number")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "member.id_number_read", AuditEvent.target_id == str(member.id)
        )
    )
    assert number not in client.get(f"/households/{household}").get_data(as_text=True)


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(client, worker, db):
    number = resident_id(BORN)
    response = client.post("/households/new", data=_registration(wrong_check(number)))
    assert response.status_code == 422
    assert 'data-field="members_0_id_number">校验码错误' in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(Household).where(Household.tenant_id == worker.tenant_id)) is None
    )

    household = _register(client, number)
    twice = client.post("/households/new", data=_registration(number))
    assert twice.status_code == 409
    assert f"已登记在家庭 {household}" in twice.get_data(as_text=True)

    money = client.post(
        f"/households/{household}/items",
        data={"type": "property:deposit", "member_id": "", "amount": "USD 300"},
    )
    assert money.status_code == 422
    assert 'data-field="amount">' in money.get_data(as_text=True)


def test_monitors_and_providers_have_no_household_pages(client, bureau, db):
    sign_in(client, make_user(bureau, Role.monitor))
    assert client.get("/households/").status_code == 403
    client.post("/sign-out")
    sign_in(client, make_user(make_tenant(TenantType.agency), Role.caseworker))
    assert client.get("/households/").status_code == 404


def test_an_emergency_intake_opens_the_need_and_lists_what_to_complete(client, worker, bureau, db):
    assessor = make_user(bureau, Role.assessor)
    form = client.get("/households/").get_data(as_text=True)
    assert 'href="/households/emergency"' in form
    intake = {
        "area_code": "320613001001",
        "address": "北大街12号（火灾现场）",
        "setting": "urban",
        "members_0_name": "王五",
        "members_0_labour_capacity": "full",
        "members_0_employment": "flexible",
        "need_subcategory": "emergency.temporary_assistance",
        "need_severity": "severe",
        "consents_to_share": "y",
    }
    refused = client.post("/households/emergency", data=intake)
    assert refused.status_code == 422  # what happened is the first thing responders read
    assert 'data-field="need_note">此项为必填项' in refused.get_data(as_text=True)
    assert db.session.scalars(select(Household)).all() == []

    response = client.post("/households/emergency", data={**intake, "need_note": "住房失火"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "认定前需补全" in page and "王五的身份证号码" in page
    assert "住房失火" in page and "紧急" in page

    household = db.session.scalars(select(Household)).one()
    listed = client.get("/households/?incomplete=true").get_data(as_text=True)
    assert f'href="/households/{household.id}"' in listed
    # The bureau's assessor is told at once, with the way to the household (ALL-EM-2).
    sign_in(client, assessor)
    told = client.get("/notifications/").get_data(as_text=True)
    assert f"急难受理：家庭 {household.id} 急需救助" in told
    look = re.search(r'action="(/notifications/\d+/read)"', told).group(1)
    assert client.post(look).headers["Location"] == f"/households/{household.id}"


def test_an_admin_does_not_take_households_in(client, bureau):
    sign_in(client, make_user(bureau, Role.admin))
    assert 'href="/households/emergency"' not in client.get("/households/").get_data(as_text=True)
    assert client.get("/households/emergency").status_code == 403
