"""Assessing a household's needs through the API: proposals with reasons, the assessor's
confirmation kept as a version, open need items that follow re-assessments (CN21-AS-1)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.db import RecordIsFinal
from aidbridge.needs.models import Assessment

from factories import (
    ENGLISH,
    bearer,
    frail_parent_data,
    household_data,
    make_tenant,
    make_token,
    make_user,
    member_data,
)

ON = "2026-11-20"


@pytest.fixture
def family(api):
    """A Nantong family: an unemployed man of 41 able to work; his mother of 79 in full
    care with no legal supporter able to support her; his son of 12 at primary school."""
    data = household_data(
        member_data(date(1985, 4, 1)),
        frail_parent_data(date(1947, 2, 1)),
        member_data(
            date(2014, 6, 1),
            relation="child",
            name="张小",
            labour_capacity="none",
            employment="not_in_labour_force",
            school_stage="primary",
        ),
    )
    response = api("POST", "/households", json=data)
    assert response.status_code == 201, response.json
    return response.json


def _ids(family) -> tuple[int, int, int]:
    return tuple(m["id"] for m in family["members"])


def _confirm_proposal(api, family, on=ON, **fields) -> dict:
    proposal = api("GET", f"/households/{family['id']}/assessments/proposal?on={on}").json
    needs = [
        {k: p[k] for k in ("dimension", "subcategory", "member_id", "severity", "urgency")}
        for p in proposal["needs"]
    ]
    body = {"assessed_on": on, "consents_to_share": True, "needs": needs, **fields}
    return api("POST", f"/households/{family['id']}/assessments", json=body)


def test_the_proposal_reads_the_facts_and_says_why(api, family):
    head, mother, child = _ids(family)
    response = api("GET", f"/households/{family['id']}/assessments/proposal?on={ON}")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["pack"] == "nantong-2021"
    needs = {(n["subcategory"], n["member_id"]): n for n in body["needs"]}
    assert set(needs) == {
        ("employment.job_referral", head),
        ("care.personal_care", mother),
        ("education.tutoring", child),
    }
    care = needs[("care.personal_care", mother)]
    assert (care["severity"], care["urgency"], care["rule"]) == ("severe", "priority", "CN21-AS-1")
    assert care["why"] == "cannot look after themselves (full care, no legal supporter)"
    ratings = {r["dimension"]: r["severity"] for r in body["ratings"]}
    assert ratings == {
        "material": "none",
        "care": "severe",
        "psychological": "none",
        "employment": "moderate",
        "education": "mild",
        "health": "none",
        "housing": "none",
        "legal": "none",
        "social_support": "none",
        "emergency": "none",
    }
    # Severe care 4 + moderate employment 2 + mild education 1: grade 2 from 6 points
    # (CN21-AS-1 with its default figures, a local setting in Nantong).
    assert (body["points"], body["grade"]) == (7, 2)


def test_the_proposal_is_in_chinese_by_default_for_chinese_clients(api, family):
    url = f"/households/{family['id']}/assessments/proposal?on={ON}"
    body = api("GET", url, headers={"Accept-Language": "zh-CN"}).json
    care = next(n for n in body["needs"] if n["dimension"] == "care")
    assert "全护理" in care["why"]


def test_confirming_the_proposal_opens_need_items(api, family):
    response = _confirm_proposal(api, family, note="入户评估")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["version"], body["grade"], body["consents_to_share"]) == (1, 2, True)
    assert {c["dimension"]: c["direction"] for c in body["changes"]}["care"] == "worse"
    needs = api("GET", f"/needs?household_id={family['id']}").json["items"]
    assert [n["dimension"] for n in needs] == ["care", "employment", "education"]
    care = needs[0]
    assert care["urgency"] == "priority" and care["area_code"] == "320613001001"
    assert care["basis"]["rule"] == "CN21-AS-1" and care["member_name"] == "李四"
    assert care["status"] == "open" and care["opened_on"] == ON


def test_the_assessor_edits_and_adds_and_their_own_need_has_no_engine_reason(api, family):
    mother = _ids(family)[1]
    body = {
        "assessed_on": ON,
        "consents_to_share": False,
        "ratings": [{"dimension": "psychological", "severity": "moderate", "note": "丧偶"}],
        "needs": [
            {
                "dimension": "care",
                "subcategory": "care.home_visit",
                "member_id": mother,
                "severity": "moderate",
            },
            {
                "dimension": "psychological",
                "subcategory": "psychological.counselling",
                "severity": "moderate",
            },
        ],
    }
    response = api("POST", f"/households/{family['id']}/assessments", json=body)
    assert response.status_code == 201, response.json
    ratings = {r["dimension"]: r for r in response.json["ratings"]}
    assert ratings["psychological"]["note"] == "丧偶"
    assert ratings["care"]["severity"] == "moderate"  # rated by its need
    assert ratings["employment"]["severity"] == "none"  # not confirmed
    assert all(n["basis"] is None for n in response.json["needs"])


def test_a_reassessment_keeps_closes_and_opens_needs_and_shows_the_change(api, family):
    mother = _ids(family)[1]
    first = _confirm_proposal(api, family, on="2026-11-02").json
    care_id = next(n["need_id"] for n in first["needs"] if n["dimension"] == "care")
    body = {
        "assessed_on": ON,
        "consents_to_share": True,
        "needs": [
            {
                "dimension": "care",
                "subcategory": "care.personal_care",
                "member_id": mother,
                "severity": "moderate",
            },
            {"dimension": "housing", "subcategory": "housing.home_repair", "severity": "mild"},
        ],
    }
    second = api("POST", f"/households/{family['id']}/assessments", json=body)
    assert second.status_code == 201, second.json
    assert second.json["version"] == 2
    changes = {
        c["dimension"]: (c["before"], c["after"], c["direction"]) for c in second.json["changes"]
    }
    assert changes["care"] == ("severe", "moderate", "better")
    assert changes["housing"] == ("none", "mild", "worse")
    assert changes["employment"] == ("moderate", "none", "better")
    assert changes["legal"] == ("none", "none", "same")
    open_needs = api("GET", f"/needs?household_id={family['id']}").json["items"]
    assert {(n["dimension"], n["id"] == care_id) for n in open_needs} == {
        ("care", True),  # the same item, now moderate
        ("housing", False),
    }
    closed = api("GET", f"/needs?household_id={family['id']}&status=closed").json["items"]
    assert {n["dimension"] for n in closed} == {"employment", "education"}
    assert all(n["closed_on"] == ON for n in closed)
    history = api("GET", f"/households/{family['id']}/assessments").json["items"]
    assert [a["version"] for a in history] == [2, 1]
    # Version 1 still reads as it was recorded: its needs, severe care among them.
    first_again = api("GET", f"/households/{family['id']}/assessments/{first['id']}").json
    assert first_again["grade"] == first["grade"]
    assert first_again["needs"] == first["needs"]
    assert {n["dimension"]: n["severity"] for n in first_again["needs"]}["care"] == "severe"


def test_cj21_job_1_targets_come_from_the_pack_and_cannot_be_set_lower(client, db):
    bureau = make_tenant(
        TenantType.bureau, name="昌江区民政局", jurisdiction="360202", policy_pack="changjiang"
    )
    token = {**bearer(make_token(make_user(bureau, Role.assessor))), **ENGLISH}
    data = household_data(
        member_data(date(1990, 1, 1)),
        area_code="360202001001",
    )
    response = client.post("/api/v1/households", json=data, headers=token)
    assert response.status_code == 201, response.json
    url = f"/api/v1/households/{response.json['id']}/assessments"
    need = {"dimension": "employment", "subcategory": "employment.job_referral", "severity": "mild"}
    low = {"assessed_on": ON, "consents_to_share": True, "needs": [{**need, "yearly_target": 2}]}
    refused = client.post(url, json=low, headers=token)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"needs.0.yearly_target": ["at least 3 a year (CJ21-JOB-1)"]}
    body = {"assessed_on": ON, "consents_to_share": True, "needs": [need]}
    created = client.post(url, json=body, headers=token)
    assert created.status_code == 201, created.json
    kept = created.json["needs"][0]
    assert (kept["yearly_target"], kept["target_rule"]) == (3, "CJ21-JOB-1")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"assessed_on": "2099-01-01"}, "assessed_on", "cannot be in the future"),
        ({"assessed_on": "2026-10-01"}, "assessed_on", "cannot be before the registration"),
        ({"consents_to_share": None}, "consents_to_share", "Field may not be null."),
        (
            {"ratings": [{"dimension": "care", "severity": "mild"}] * 2},
            "ratings.1.dimension",
            "rated twice",
        ),
        (
            {"needs": [{"dimension": "legal", "severity": "none"}]},
            "needs.0.severity",
            "a need is at least mild",
        ),
        (
            {"needs": [{"dimension": "legal", "subcategory": "care.day_care", "severity": "mild"}]},
            "needs.0.subcategory",
            "not a sub-category of this dimension",
        ),
        (
            {"needs": [{"dimension": "legal", "subcategory": "legal.divorce", "severity": "mild"}]},
            "needs.0.subcategory",
            "not a sub-category of this dimension",
        ),
        (
            {"needs": [{"dimension": "legal", "severity": "mild"}] * 2},
            "needs.1.dimension",
            "the same need twice",
        ),
        ({"needs": [{"dimension": "wealth", "severity": "mild"}]}, "needs.0.dimension", "one of"),
    ],
)
def test_bad_assessments_are_refused_naming_the_field_and_nothing_is_written(
    api, family, db, change, field, reason
):
    body = {"assessed_on": ON, "consents_to_share": True, **change}
    response = api("POST", f"/households/{family['id']}/assessments", json=body)
    assert response.status_code == 422, response.json
    assert reason in " ".join(response.json["errors"][field])
    assert db.session.scalar(text("SELECT count(*) FROM assessment")) == 0
    assert db.session.scalar(text("SELECT count(*) FROM need")) == 0


def test_a_need_of_another_households_member_is_refused(api, family, db):
    stranger = api("POST", "/households", json=household_data()).json["members"][0]["id"]
    need = {"dimension": "legal", "member_id": stranger, "severity": "mild"}
    body = {"assessed_on": ON, "consents_to_share": True, "needs": [need]}
    response = api("POST", f"/households/{family['id']}/assessments", json=body)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"needs.0.member_id": ["not a member of this household"]}
    assert db.session.scalar(text("SELECT count(*) FROM assessment")) == 0


def test_an_assessment_of_another_household_is_not_found_under_this_one(api, family):
    assessment = _confirm_proposal(api, family).json["id"]
    other = api("POST", "/households", json=household_data()).json["id"]
    response = api("GET", f"/households/{other}/assessments/{assessment}")
    assert response.status_code == 404
    assert "李四" not in response.get_data(as_text=True)  # the family's mother


def test_before_any_pack_is_in_force_there_is_nothing_to_assess_by(api):
    data = household_data(registered_on="2016-01-04", checks_authorised_on="2016-01-04")
    household = api("POST", "/households", json=data).json["id"]
    proposal = api("GET", f"/households/{household}/assessments/proposal?on=2016-06-01")
    assert proposal.status_code == 422
    assert "no policy pack" in proposal.json["errors"]["on"][0]
    body = {"assessed_on": "2016-06-01", "consents_to_share": True}
    refused = api("POST", f"/households/{household}/assessments", json=body)
    assert refused.status_code == 422
    assert "no policy pack" in refused.json["errors"]["assessed_on"][0]


def test_one_assessment_per_date_and_never_before_the_last(api, family):
    assert _confirm_proposal(api, family).status_code == 201
    for day in (ON, "2026-11-10"):
        again = _confirm_proposal(api, family, on=day)
        assert again.status_code == 422
        assert again.json["errors"] == {
            "assessed_on": [f"must be after the last assessment, on {ON}"]
        }


def test_a_rating_is_never_lighter_than_its_hardest_need(api, family):
    body = {
        "assessed_on": ON,
        "consents_to_share": True,
        "ratings": [
            {"dimension": "legal", "severity": "none"},
            {"dimension": "housing", "severity": "mild"},
            {"dimension": "psychological", "severity": "severe", "note": "自述"},
        ],
        "needs": [
            {"dimension": "legal", "severity": "mild"},
            {"dimension": "housing", "severity": "moderate", "urgency": "emergency"},
        ],
    }
    response = api("POST", f"/households/{family['id']}/assessments", json=body)
    assert response.status_code == 201, response.json
    ratings = {r["dimension"]: (r["severity"], r["urgency"]) for r in response.json["ratings"]}
    assert ratings["legal"] == ("mild", "routine")
    assert ratings["housing"] == ("moderate", "emergency")
    assert ratings["psychological"] == ("severe", "routine")  # a rating without a need stands
    # 1 + 2 + 4 = 7 points would be grade 2; an emergency need makes it grade 1.
    assert (response.json["points"], response.json["grade"]) == (7, 1)


def test_an_assessment_is_never_changed(api, family, db):
    _confirm_proposal(api, family)
    assessment = db.session.query(Assessment).one()
    assessment.grade = 4
    with pytest.raises(RecordIsFinal):
        db.session.flush()
    db.session.rollback()
    for statement in (
        "UPDATE assessment SET grade = 4",
        "DELETE FROM assessment",
        "UPDATE dimension_rating SET severity = 'none'",
        "UPDATE assessed_need SET severity = 'mild'",
        "DELETE FROM assessed_need",
    ):
        with pytest.raises(Exception, match="never changed"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_assessing_is_audited(api, family, db):
    _confirm_proposal(api, family)
    event = db.session.query(AuditEvent).filter_by(action="household.assess").one()
    assert event.after["version"] == 1 and len(event.after["needs_opened"]) == 3
    assert {n["dimension"] for n in event.after["needs"]} == {"care", "employment", "education"}


def test_monitors_read_nothing_and_admins_cannot_assess(client, bureau, family):
    monitor = bearer(make_token(make_user(bureau, Role.monitor)))
    admin = bearer(make_token(make_user(bureau, Role.admin)))
    url = f"/api/v1/households/{family['id']}/assessments"
    assert client.get(url, headers=monitor).status_code == 403
    assert client.get("/api/v1/needs", headers=monitor).status_code == 403
    body = {"consents_to_share": True}
    assert client.post(url, json=body, headers=admin).status_code == 403
    assert client.get(url, headers=admin).status_code == 200


def test_needs_are_listed_most_urgent_first_and_filtered(api, family):
    _confirm_proposal(api, family)
    listed = api("GET", "/needs").json["items"]
    assert [n["urgency"] for n in listed] == ["priority", "routine", "routine"]
    assert [n["dimension"] for n in api("GET", "/needs?dimension=education").json["items"]] == [
        "education"
    ]
    assert api("GET", "/needs?area_code=320613001").json["total"] == 3
    assert api("GET", "/needs?area_code=320613002").json["total"] == 0
    bad = api("GET", "/needs?urgency=later")
    assert bad.status_code == 422 and "urgency" in bad.json["errors"]
    need = api("GET", f"/needs/{listed[0]['id']}").json
    assert need["basis"]["text"].startswith("cannot look after themselves")
