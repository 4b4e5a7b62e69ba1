"""A bureau opens a household to an agency in the pages; the agency's assessor finds the
case, assesses it with the bureau's own form, and the bureau sees who did."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.extensions import db
from aidbridge.households.models import CaseGrant
from aidbridge.needs.models import Assessment

from factories import make_tenant, make_user, sign_in
from page_forms import form_values


@pytest.fixture
def agency(db):
    return make_tenant(TenantType.agency, name="南通阳光社工事务所")


def _grant(client, household, agency) -> None:
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    values = form_values(page, "grant-form")
    values.update(agency_id=str(agency.id), note="上门评估照护需求")
    response = client.post(f"/households/{household.id}/grants", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)


def _agency_assessor(agency):
    user = make_user(agency, Role.assessor)
    user.full_name = "王芳"
    db.session.commit()
    return user


def test_an_agency_assesses_the_case_a_bureau_opened_to_it(
    client, worker, household, agency, bureau
):
    agency_assessor = _agency_assessor(agency)
    _grant(client, household, agency)
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    grants = page[page.index('id="grants"') :]
    assert "南通阳光社工事务所" in grants and "上门评估照护需求" in grants

    sign_in(client, agency_assessor)
    # Told of it, with the bureau's name; the notification leads to the case.
    notifications = client.get("/notifications/").get_data(as_text=True)
    assert bureau.name in notifications
    notification = re.search(r'action="(/notifications/\d+/read)"', notifications).group(1)
    assert client.post(notification).headers["Location"].endswith(f"/cases/{household.id}")
    cases = client.get("/cases/").get_data(as_text=True)
    assert f"/cases/{household.id}" in cases and bureau.name in cases
    case = client.get(f"/cases/{household.id}").get_data(as_text=True)
    assert household.members[0].name in case
    assert household.members[0].id_number_masked in case
    assert "id-number" not in case  # no way to read a number in full

    url = f"/cases/{household.id}/assessments/new"
    values = form_values(client.get(url).get_data(as_text=True), "assessment-form")
    values.update(consents_to_share="y", assessed_on="2026-11-20")
    response = client.post(url, data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assessment = db.session.scalar(select(Assessment))
    assert response.headers["Location"].endswith(
        f"/cases/{household.id}/assessments/{assessment.id}"
    )
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王芳" in detail and "南通阳光社工事务所" in detail
    # The household's other pages stay the bureau's.
    assert client.get(f"/households/{household.id}").status_code == 404

    sign_in(client, worker)
    show = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "照护" in show[show.index('id="needs"') :]
    detail = client.get(f"/households/{household.id}/assessments/{assessment.id}")
    text = detail.get_data(as_text=True)
    assert "王芳" in text and "南通阳光社工事务所" in text


def test_ending_the_access_closes_the_case_page(client, worker, household, agency):
    _grant(client, household, agency)
    grant = db.session.scalar(select(CaseGrant))
    ended = client.post(f"/households/{household.id}/grants/{grant.id}/end")
    assert ended.status_code == 302
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "南通阳光社工事务所" in page  # kept, as history

    sign_in(client, _agency_assessor(agency))
    assert client.get(f"/cases/{household.id}").status_code == 404
    assert f"/cases/{household.id}" not in client.get("/cases/").get_data(as_text=True)


def test_a_grant_without_an_agency_is_refused_on_the_field(client, worker, household):
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    values = form_values(page, "grant-form")
    response = client.post(f"/households/{household.id}/grants", data=values)
    assert response.status_code == 422
    assert db.session.scalar(select(CaseGrant)) is None


def test_an_assessor_of_the_bureau_cannot_grant(client, signed_in, household, agency):
    signed_in(Role.assessor)
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert 'id="grant-form"' not in page
    response = client.post(f"/households/{household.id}/grants", data={"agency_id": agency.id})
    assert response.status_code == 403
