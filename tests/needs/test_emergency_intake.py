"""Emergency intake (ALL-EM-1, ALL-EM-3): a caseworker takes a household in with what is
known now, its emergency need is open at once, and the record is completed later —
no decision until it is."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role
from aidbridge.extensions import db
from aidbridge.notifications.models import Notification

from factories import ENGLISH, bearer, make_token, make_user, member_data, resident_id


def intake_data(**fields) -> dict:
    """A man found after his home burnt down: no papers with him, no phone."""
    return {
        "area_code": "320613001001",
        "address": "北大街12号（火灾现场）",
        "setting": "urban",
        "members": [
            {
                "name": "王五",
                "relation": "head",
                "labour_capacity": "full",
                "employment": "flexible",
            }
        ],
        "need": {
            "subcategory": "emergency.temporary_assistance",
            "severity": "severe",
            "note": "住房昨夜失火，无处居住",
        },
        "consents_to_share": True,
        **fields,
    }


def test_an_intake_opens_the_emergency_need_at_once(api, bureau):
    assessor = make_user(bureau, Role.assessor)
    assessor_id = assessor.id
    response = api("POST", "/households/emergency", json=intake_data())
    assert response.status_code == 201, response.json
    body = response.json
    household, assessment, need = body["household"], body["assessment"], body["need"]
    assert household["emergency"] is True
    assert household["members"][0]["id_number"] is None
    assert household["missing_for_decision"] == ["checks_authorised_on", "members.0.id_number"]
    # The need is open now, as urgent as it gets, and the grade is the hardest.
    assert (need["status"], need["dimension"], need["urgency"], need["severity"]) == (
        "open",
        "emergency",
        "emergency",
        "severe",
    )
    assert need["note"] == "住房昨夜失火，无处居住"
    assert need["basis"]["rule"] == "ALL-EM-1"
    assert assessment["version"] == 1 and assessment["grade"] == 1
    assert assessment["consents_to_share"] is True
    listed = api("GET", "/needs?urgency=emergency").json["items"]
    assert [n["id"] for n in listed] == [need["id"]]
    # The bureau's assessors hear of it at once (ALL-EM-2); the caseworker who took it
    # in is not told of their own intake.
    told = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.params) for n in told] == [
        (assessor_id, "emergency_intake", {"household": household["id"]})
    ]


def test_the_record_is_completed_later_and_only_then_decided(api):
    household = api("POST", "/households/emergency", json=intake_data()).json["household"]
    hid, member_id = household["id"], household["members"][0]["id"]

    refused = api("POST", f"/households/{hid}/decisions", json={})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"checks_authorised_on", "members.0.id_number"}
    incomplete = api("GET", "/households?incomplete=true").json["items"]
    assert [h["id"] for h in incomplete] == [hid]

    number = resident_id(date(1980, 3, 9))
    changed = api("PATCH", f"/households/{hid}/members/{member_id}", json={"id_number": number})
    assert changed.status_code == 200, changed.json
    assert changed.json["birth_date"] == "1980-03-09"
    today = date.today().isoformat()
    api("PATCH", f"/households/{hid}", json={"checks_authorised_on": today})

    assert api("GET", "/households?incomplete=true").json["items"] == []
    assert [h["id"] for h in api("GET", "/households?incomplete=false").json["items"]] == [hid]
    decided = api("POST", f"/households/{hid}/decisions", json={})
    assert decided.status_code == 201, decided.json
    assert "emergency" in decided.json["outcomes"]


def test_a_person_already_registered_is_named_where_they_are(api):
    known = api(
        "POST",
        "/households",
        json={
            "area_code": "320613001001",
            "address": "北大街1号",
            "setting": "urban",
            "members": [member_data(date(1980, 3, 9))],
        },
    ).json
    number = known["members"][0]["id"]
    full = api("GET", f"/households/{known['id']}/members/{number}/id-number").json["value"]
    data = intake_data()
    data["members"][0]["id_number"] = full
    response = api("POST", "/households/emergency", json=data)
    assert response.status_code == 409
    assert response.json["errors"] == {
        "members.0.id_number": [f"already registered in household {known['id']}"]
    }
    assert len(api("GET", "/households").json["items"]) == 1


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"need": {"severity": "severe"}}, "need.note", "Missing data for required field."),
        (
            {"need": {"severity": "none", "note": "x"}},
            "need.severity",
            "a need is at least mild",
        ),
        (
            {"need": {"subcategory": "care.personal_care", "severity": "mild", "note": "x"}},
            "need.subcategory",
            "not a sub-category of this dimension",
        ),
        (
            {"need": {"subcategory": "emergency.nothing_such", "severity": "mild", "note": "x"}},
            "need.subcategory",
            "not a sub-category of this dimension",
        ),
        ({"emergency": False}, "emergency", "Unknown field."),
        ({"area_code": "320613001"}, "area_code", "a household lives in a community"),
        # 西郊社区 of Changjiang district: a community, but not the Nantong bureau's.
        ({"area_code": "360202001001"}, "area_code", "outside your jurisdiction"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api, change, field, reason):
    response = api("POST", "/households/emergency", json=intake_data(**change))
    assert response.status_code in (400, 422)
    assert reason in " ".join(response.json["errors"][field])
    assert api("GET", "/households").json["items"] == []
    assert api("GET", "/needs").json["items"] == []


def test_only_those_who_assess_take_households_in(client, bureau):
    admin = make_user(bureau, Role.admin)
    response = client.post(
        "/api/v1/households/emergency",
        json=intake_data(),
        headers={**bearer(make_token(admin)), **ENGLISH},
    )
    assert response.status_code == 403
