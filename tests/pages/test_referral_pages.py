"""Referrals in the pages: the bureau offers a run's matches; the agency's social worker
finds the offer in the inbox without names, accepts it, records a visit and closes the
case; a decline without a reason is refused on its field."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.clock import local_today
from aidbridge.extensions import db
from aidbridge.matching.models import MatchingRun
from aidbridge.referrals.models import Referral, ReferralStatus

from factories import make_tenant, make_user, member_data, sign_in
from matching_data import assessed, published
from page_forms import form_values, section, text


@pytest.fixture
def offered(client, bureau, agency, worker):
    """The bureau's caseworker runs matching and offers the matches from the run page."""
    published(agency, name="上门访视服务", places=3)
    assessed(
        bureau, {"dimension": "care", "urgency": "priority", "member": 0},
        members=[member_data(date(1946, 2, 2), name="王秀英")],
    )  # fmt: skip
    client.post("/language/en")
    values = form_values(client.get("/matching/").get_data(as_text=True), "run-form")
    client.post("/matching/", data=values)
    run = db.session.scalar(select(MatchingRun))
    page = client.get(f"/matching/runs/{run.id}").get_data(as_text=True)
    assert 'id="offer-run"' in page
    done = client.post(f"/referrals/runs/{run.id}/offer", follow_redirects=True)
    assert "1 referrals offered to their providers." in text(done)
    listed = section(done, "referrals")
    assert "上门访视服务" in listed and "Offered" in listed
    return db.session.scalar(select(Referral))


def test_the_social_worker_accepts_records_a_visit_and_closes_the_case(
    client, offered, agency, social_worker
):
    # A colleague at the agency takes the offer on and gives the case to the social worker.
    colleague = make_user(agency, Role.caseworker)
    sign_in(client, colleague)
    client.post("/language/en")
    inbox = client.get("/referrals/")
    assert "Referrals offered to you" in text(inbox)
    assert "北大街社区" in section(inbox, "referrals")
    page = client.get(f"/referrals/{offered.id}")
    words = text(page)
    assert "王秀英" not in words and "北大街12号" not in words
    assert "The address and the names are shown once the referral is accepted." in words
    values = form_values(page.get_data(as_text=True), "accept-form")
    assert values["worker_id"] == str(colleague.id)  # by default, the one accepting
    assert f'<option value="{social_worker.id}">{social_worker.full_name}' in page.text
    values["worker_id"] = str(social_worker.id)
    accepted = client.post(f"/referrals/{offered.id}/accept", data=values, follow_redirects=True)
    words = text(accepted)
    assert "Accepted: the case is yours." in words
    assert "王秀英" in words and "北大街12号3幢201室" in words
    assert "13812345678" not in words and "138****5678" in words
    shown = client.post(f"/referrals/{offered.id}/phone", data={"csrf_token": ""})
    assert 'id="phone">13812345678<' in shown.get_data(as_text=True)

    record = form_values(accepted.get_data(as_text=True), "record-form")
    assert record["served_on"] == local_today().isoformat()
    assert record["worker_id"] == str(social_worker.id)  # the case's, not the one signed in
    record.update(minutes="90", note="上门探访，了解照料需求")
    recorded = client.post(f"/referrals/{offered.id}/records", data=record, follow_redirects=True)
    assert "Service recorded." in text(recorded)
    assert "上门探访，了解照料需求" in section(recorded, "records")
    assert "In service" in text(recorded)

    close = form_values(recorded.get_data(as_text=True), "close-form")
    close.update(status="completed", outcome="resolved", satisfaction="5", severity="mild")
    closed = client.post(f"/referrals/{offered.id}/close", data=close, follow_redirects=True)
    words = text(closed)
    assert "The case is closed." in words and "Need resolved" in words and "5 / 5" in words
    db.session.expire_all()
    assert db.session.get(Referral, offered.id).status is ReferralStatus.completed


def test_a_decline_without_a_reason_is_refused_on_its_field(client, offered, social_worker):
    sign_in(client, social_worker)
    client.post("/language/en")
    values = form_values(
        client.get(f"/referrals/{offered.id}").get_data(as_text=True), "decline-form"
    )
    refused = client.post(f"/referrals/{offered.id}/decline", data=values)
    assert refused.status_code == 422
    assert re.search(r'data-field="reason">', refused.get_data(as_text=True))
    values["reason"] = "no_capacity"
    declined = client.post(f"/referrals/{offered.id}/decline", data=values, follow_redirects=True)
    assert "Declined: the need goes back to matching." in text(declined)


def test_another_provider_and_a_monitorless_charity_see_nothing(client, offered):
    stranger = make_user(make_tenant(TenantType.charity), Role.admin)
    sign_in(client, stranger)
    assert client.get(f"/referrals/{offered.id}").status_code == 404
    assert "No referrals." in text(client.get("/referrals/"))
