"""Needs assessment in the pages: the form starts from the facts, the assessor confirms,
changes and adds; the household page then shows the grade and the open needs."""

from __future__ import annotations

from sqlalchemy import select

from aidbridge.accounts.models import Role
from aidbridge.needs.models import Assessment, Need

from factories import (
    make_user,
    sign_in,
)
from page_forms import form_values


def _row_of(values: dict, subcategory: str) -> str:
    return next(
        k.removesuffix("subcategory")
        for k, v in values.items()
        if k.startswith("needs_")
        and k.endswith("_subcategory")
        and v == subcategory
        and values.get(k.removesuffix("subcategory") + "include")
    )


def test_an_assessor_confirms_the_proposal_adds_a_need_and_sees_it_open(
    client, assessor, household, db
):
    url = f"/households/{household.id}/assessments/new"
    page = client.get(url).get_data(as_text=True)
    assert "无法定义务人" in page  # the reason the care need is proposed
    values = form_values(page, "assessment-form")
    care = _row_of(values, "care.personal_care")
    assert values[care + "severity"] == "severe" and values[care + "urgency"] == "priority"
    # The assessor adds counselling for the household in the last, blank row.
    rows = int(values["rows"])
    added = f"needs_{rows - 1}_"
    values.update(
        {
            added + "include": "y",
            added + "subcategory": "psychological.counselling",
            added + "member_id": "",
            added + "severity": "moderate",
            "ratings_2_severity": "moderate",  # psychological
            "consents_to_share": "y",
            "assessed_on": "2026-11-20",
        }
    )
    response = client.post(url, data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.household_id == household.id)
    )
    assert assessment.consents_to_share and assessment.version == 1
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "CN21-AS-1" in detail and "困难等级" in detail

    show = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "生活照料" in show and "心理疏导" in show and "评估员添加" in show
    kinds = {n.subcategory_code for n in db.session.scalars(select(Need))}
    assert kinds == {"care.personal_care", "psychological.counselling"}


def test_a_bad_row_is_shown_on_that_row_and_nothing_is_saved(client, assessor, household, db):
    url = f"/households/{household.id}/assessments/new"
    values = form_values(client.get(url).get_data(as_text=True), "assessment-form")
    last = f"needs_{int(values['rows']) - 1}_"
    values[last + "include"] = "y"  # ticked, but the need left blank
    values[last + "subcategory"] = ""
    response = client.post(url, data=values)
    assert response.status_code == 422
    assert f'data-field="{last}subcategory"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Assessment)) is None


def test_an_earlier_version_shows_what_it_confirmed(client, assessor, household, db):
    url = f"/households/{household.id}/assessments/new"
    values = form_values(client.get(url).get_data(as_text=True), "assessment-form")
    first = client.post(url, data={**values, "assessed_on": "2026-11-10"})
    assert first.status_code == 302
    care = _row_of(values, "care.personal_care")
    # Care is no longer needed: the assessor unticks it and rates care none.
    changed = {care + "include": "", "ratings_1_severity": "none", "ratings_1_urgency": "routine"}
    second = client.post(url, data={**values, **changed, "assessed_on": "2026-11-20"})
    assert second.status_code == 302
    later = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "好转" in later  # care: severe → none
    earlier = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "生活照料" in earlier and "第 2 次评估" in earlier


def test_caseworkers_assess_but_admins_do_not(client, bureau, household):
    admin = make_user(bureau, Role.admin)
    sign_in(client, admin)
    assert client.get(f"/households/{household.id}/assessments/new").status_code == 403
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "/assessments/new" not in page
