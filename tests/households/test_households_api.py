"""The households API: registration, protected numbers, facts, decisions kept as history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.db import RecordIsFinal
from aidbridge.households.models import Decision, Household

from factories import (
    ENGLISH,
    bearer,
    household_data,
    make_tenant,
    make_token,
    make_user,
    member_data,
    register_household,
    resident_id,
    wrong_check,
)

ON = "2026-11-20"  # Nantong S is 1,020.00 yuan from 2026-07-01


def _pensioner(**fields):
    """A single person of 50 living on a pension of 500.00 yuan a month."""
    data = household_data(member_data(date(1976, 3, 15)), **fields)
    data["items"] = [{"kind": "income", "type": "pension", "member": 0, "amount_fen": 50_000}]
    return data


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- registration ----------------------------------------------------------------------------


def test_registering_derives_birth_and_sex_and_masks_the_numbers(api):
    number = resident_id(date(1976, 3, 15), female=True)
    data = household_data(member_data(date(1976, 3, 15), id_number=number))
    response = api("POST", "/households", json=data)
    assert response.status_code == 201, response.json
    body = response.json
    member = body["members"][0]
    assert member["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert (member["birth_date"], member["sex"]) == ("1976-03-15", "female")
    assert body["phone"] == "138****5678"
    assert body["area_name"] == "北大街社区" and body["head_name"] == "张三"
    assert api("GET", f"/households/{body['id']}").json["members"][0]["id_number"].count("*") == 10


def test_id_and_phone_numbers_are_unreadable_in_the_database(api, db):
    number = resident_id(date(1980, 1, 2))
    api("POST", "/households", json=household_data(member_data(date(1980, 1, 2), id_number=number)))
    db.session.commit()
    dump = []
    for table in ("household", "member", "audit_event"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):
            dump.extend(str(value) for value in row)
    everything = "\n".join(dump)
    assert number[:4] + "*" * 10 + number[-4:] in everything  # the masked form is there
    assert number not in everything and number[6:14] + number[14:] not in everything
    assert "13812345678" not in everything


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("32060219760315123", "18 characters"),
        ("320602197603151230", "check character"),
        ("320602219901011234", "birth date"),
        ("990602197603151231", "province"),
    ],
)
def test_a_bad_id_number_is_refused_on_its_field_and_nothing_is_written(api, db, number, reason):
    before = _count(db, Household)
    if reason == "check character":  # make the check character certainly wrong
        number = wrong_check(number)
    data = household_data(member_data(date(1976, 3, 15), id_number=number))
    response = api("POST", "/households", json=data, headers=ENGLISH)
    assert response.status_code == 422
    assert reason in response.json["errors"]["members.0.id_number"][0]
    assert _count(db, Household) == before


def test_a_birth_date_in_the_future_is_refused(api):
    from aidbridge.resident_id import check_character

    body = "32060220991231123"
    data = household_data(member_data(date(1976, 3, 15), id_number=body + check_character(body)))
    response = api("POST", "/households", json=data)
    assert response.status_code == 422
    assert response.json["errors"]["members.0.id_number"] == ["所含出生日期在未来"]


def test_an_amount_in_an_unknown_money_format_is_refused(api, db):
    before = _count(db, Household)
    data = _pensioner()
    data["items"][0]["amount_fen"] = "1,530元"
    response = api("POST", "/households", json=data)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["items.0.amount_fen"]
    assert _count(db, Household) == before


def test_a_review_date_before_the_registration_is_refused(api):
    response = api("POST", "/households", json=household_data(next_review_on="2026-10-01"))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["next_review_on"]


def test_a_household_has_exactly_one_head(api):
    data = household_data(
        member_data(date(1970, 1, 1), relation="spouse"),
        member_data(date(1971, 1, 1), relation="spouse"),
    )
    response = api("POST", "/households", json=data)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["members"]


def test_a_household_lives_in_a_community_of_the_bureaus_jurisdiction(api):
    outside = api("POST", "/households", json=household_data(area_code="360202001001"))
    street = api("POST", "/households", json=household_data(area_code="320613001"))
    assert outside.status_code == street.status_code == 422
    assert outside.json["errors"]["area_code"] and street.json["errors"]["area_code"]


# --- one person, one household -----------------------------------------------------------


def test_a_person_in_two_households_of_the_same_bureau_is_refused_naming_the_first(api, db):
    number = resident_id(date(1960, 8, 8))
    first = api(
        "POST", "/households", json=household_data(member_data(date(1960, 8, 8), id_number=number))
    )
    again = household_data(
        member_data(date(1990, 1, 1)),
        member_data(date(1960, 8, 8), relation="parent", id_number=number),
    )
    response = api("POST", "/households", json=again, headers=ENGLISH)
    assert response.status_code == 409
    assert response.json["errors"] == {
        "members.1.id_number": [f"already registered in household {first.json['id']}"]
    }
    assert not db.session.scalar(select(Household).where(Household.id > first.json["id"]))


def test_a_person_kept_by_another_bureau_is_named_by_bureau_only(api, db):
    number = resident_id(date(1960, 8, 8))
    other = make_tenant(TenantType.bureau, name="南通市港闸区民政局")
    register_household(other, household_data(member_data(date(1960, 8, 8), id_number=number)))
    data = household_data(member_data(date(1960, 8, 8), id_number=number))
    response = api("POST", "/households", json=data)
    assert response.status_code == 409
    assert response.json["errors"]["members.0.id_number"] == [
        "已由另一政府部门登记：南通市港闸区民政局"
    ]
    assert "北大街" not in response.get_data(as_text=True)


def test_the_same_person_may_be_registered_in_another_jurisdiction(api, db):
    number = resident_id(date(1960, 8, 8))
    other = make_tenant(
        TenantType.bureau, jurisdiction="360202", policy_pack="changjiang", name="昌江区民政局"
    )
    register_household(
        other,
        household_data(member_data(date(1960, 8, 8), id_number=number), area_code="360202001001"),
    )
    data = household_data(member_data(date(1960, 8, 8), id_number=number))
    assert api("POST", "/households", json=data).status_code == 201


def test_adding_a_member_registered_elsewhere_is_refused(api):
    number = resident_id(date(1960, 8, 8))
    first = api(
        "POST", "/households", json=household_data(member_data(date(1960, 8, 8), id_number=number))
    )
    second = api("POST", "/households", json=household_data())
    response = api(
        "POST",
        f"/households/{second.json['id']}/members",
        json=member_data(date(1960, 8, 8), relation="parent", id_number=number),
    )
    assert response.status_code == 409
    assert response.json["errors"]["id_number"] == [f"已登记在家庭 {first.json['id']}"]


def test_a_bureau_can_find_a_person_by_id_number(api):
    number = resident_id(date(1960, 8, 8))
    api("POST", "/households", json=household_data())
    wanted = api(
        "POST", "/households", json=household_data(member_data(date(1960, 8, 8), id_number=number))
    )
    found = api("GET", f"/households?id_number={number}").json
    assert [h["id"] for h in found["items"]] == [wanted.json["id"]]


# --- numbers in full -------------------------------------------------------------------------


def test_reading_a_number_in_full_is_allowed_by_role_and_logged(api, client, bureau, db):
    number = resident_id(date(1976, 3, 15))
    created = api(
        "POST", "/households", json=household_data(member_data(date(1976, 3, 15), id_number=number))
    ).json
    member = created["members"][0]["id"]
    url = f"/households/{created['id']}/members/{member}/id-number"
    assert api("GET", url).json == {"value": number}
    assert api("GET", f"/households/{created['id']}/phone").json == {"value": "13812345678"}
    reads = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("%_read"))
    ).all()
    assert sorted(reads) == ["household.phone_read", "member.id_number_read"]

    monitor = bearer(make_token(make_user(bureau, Role.monitor)))
    refused = client.get(f"/api/v1{url}", headers=monitor)
    assert refused.status_code == 403
    assert number not in refused.get_data(as_text=True)


def test_a_member_of_another_household_is_not_found_under_this_one(api, db):
    number = resident_id(date(1976, 3, 15))
    first = api(
        "POST", "/households", json=household_data(member_data(date(1976, 3, 15), id_number=number))
    ).json
    second = api("POST", "/households", json=household_data()).json
    # The first household's member, named under the second (same bureau).
    url = f"/households/{second['id']}/members/{first['members'][0]['id']}"
    read = api("GET", f"{url}/id-number")
    assert read.status_code == 404 and number not in read.get_data(as_text=True)
    changed = api("PATCH", url, json={"name": "王五"})
    assert changed.status_code == 404 and number[-4:] not in changed.get_data(as_text=True)
    assert api("GET", f"/households/{first['id']}").json["members"][0]["name"] == "张三"
    assert not db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "member.id_number_read")
    )


def test_only_bureaus_register_households(client, db):
    charity = make_tenant(TenantType.charity)
    headers = bearer(make_token(make_user(charity, Role.caseworker)))
    response = client.post("/api/v1/households", json=household_data(), headers=headers)
    assert response.status_code == 403


# --- facts and decisions ---------------------------------------------------------------------


def test_a_decision_gives_dibao_with_the_gap_and_its_rule_trace(api):
    created = api("POST", "/households", json=_pensioner()).json
    response = api("POST", f"/households/{created['id']}/decisions", json={"decided_on": ON})
    assert response.status_code == 201, response.json
    decision = response.json
    assert decision["pack"] == "nantong-2021"
    assert decision["outcomes"] == ["dibao"]
    assert decision["standard_fen"] == 102_000
    assert decision["benefit_fen"] == 102_000 - 50_000
    assert decision["review_months"] and decision["next_review_on"]
    rules = [step["rule"] for step in decision["steps"]]
    assert "ALL-LB-1" in rules
    assert any("1,020.00" in step["text"] for step in decision["steps"])
    household = api("GET", f"/households/{created['id']}").json
    assert household["outcomes"] == ["dibao"] and household["benefit_fen"] == 52_000
    assert household["next_review_on"] == decision["next_review_on"]


def test_decisions_are_history_and_a_new_one_never_rewrites_the_old(api, db):
    created = api("POST", "/households", json=_pensioner()).json
    household = created["id"]
    first = api(
        "POST", f"/households/{household}/decisions", json={"decided_on": "2026-11-03"}
    ).json
    item = created["items"][0]["id"]
    # The pension rises to exactly S (1,020.00): no longer below the standard.
    changed = api("PATCH", f"/households/{household}/items/{item}", json={"amount_fen": 102_000})
    assert changed.status_code == 200
    second = api("POST", f"/households/{household}/decisions", json={"decided_on": ON}).json
    assert "dibao" not in second["outcomes"]
    history = api("GET", f"/households/{household}/decisions").json["items"]
    assert [d["id"] for d in history] == [second["id"], first["id"]]
    assert history[1]["outcomes"] == ["dibao"] and history[1]["benefit_fen"] == 52_000

    stored = db.session.get(Decision, first["id"])
    stored.benefit_fen = 1
    with pytest.raises(RecordIsFinal):
        db.session.flush()
    db.session.rollback()


def test_a_decision_needs_the_economic_check_authorisation(api):
    created = api("POST", "/households", json=_pensioner(checks_authorised_on=None)).json
    response = api("POST", f"/households/{created['id']}/decisions", json={"decided_on": ON})
    assert response.status_code == 422
    assert "ALL-PR-2" in response.json["errors"]["checks_authorised_on"][0]


def test_a_decision_cannot_precede_the_registration_or_the_last_decision(api):
    created = api("POST", "/households", json=_pensioner()).json
    url = f"/households/{created['id']}/decisions"
    early = api("POST", url, json={"decided_on": "2026-11-01"})
    assert early.status_code == 422 and list(early.json["errors"]) == ["decided_on"]
    api("POST", url, json={"decided_on": ON})
    before_last = api("POST", url, json={"decided_on": "2026-11-10"})
    assert before_last.status_code == 422 and list(before_last.json["errors"]) == ["decided_on"]


def test_items_are_checked_against_their_kind_and_household(api):
    created = api("POST", "/households", json=_pensioner()).json
    other = api("POST", "/households", json=household_data()).json
    url = f"/households/{created['id']}/items"
    wrong_type = api("POST", url, json={"kind": "property", "type": "wages", "amount_fen": 1})
    assert wrong_type.status_code == 422 and list(wrong_type.json["errors"]) == ["type"]
    stranger = other["members"][0]["id"]
    foreign = api(
        "POST",
        url,
        json={"kind": "income", "type": "wages", "amount_fen": 1, "member_id": stranger},
    )
    assert foreign.status_code == 422 and list(foreign.json["errors"]) == ["member_id"]
    other_item = f"/households/{other['id']}/items/{created['items'][0]['id']}"
    assert api("DELETE", other_item).status_code == 404
    assert api("DELETE", f"{url}/{created['items'][0]['id']}").status_code == 204
    assert api("GET", f"/households/{created['id']}").json["items"] == []


def test_an_item_ending_before_its_default_start_is_refused_on_its_field(api):
    data = _pensioner()
    data["items"][0]["ends_on"] = "2026-10-31"  # before the registration, its default start
    response = api("POST", "/households", json=data)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["items.0.ends_on"]


def test_lists_filter_by_outcome_and_review_date(api):
    decided = api("POST", "/households", json=_pensioner()).json
    api("POST", f"/households/{decided['id']}/decisions", json={"decided_on": ON})
    undecided = api("POST", "/households", json=household_data()).json
    dibao = api("GET", "/households?outcome=dibao").json["items"]
    assert [h["id"] for h in dibao] == [decided["id"]]
    bad = api("GET", "/households?outcome=rich")
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["outcome"]
    api("PATCH", f"/households/{undecided['id']}", json={"next_review_on": "2026-11-05"})
    overdue = api("GET", "/households?review=overdue").json["items"]
    assert [h["id"] for h in overdue] == [undecided["id"]]


def test_a_property_worth_more_than_21_million_yuan_is_kept_exactly(api):
    data = _pensioner()
    data["items"].append({"kind": "property", "type": "real_estate", "amount_fen": 3_500_000_000})
    response = api("POST", "/households", json=data)
    assert response.status_code == 201, response.json
    assert api("GET", f"/households/{response.json['id']}").json["items"][1]["amount_fen"] == (
        3_500_000_000
    )
