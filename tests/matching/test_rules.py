"""The rules that admit a service for a need, one by one: a need the rule leaves without
a candidate is unmatched with that reason and the service counted against it; the same
need with the rule met is matched. Every run is judged by the independent checker."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import TenantStatus, TenantType
from aidbridge.clock import age_on, local_today, utcnow
from aidbridge.contracts.models import Contract, ContractItem, ContractStatus
from aidbridge.extensions import db
from aidbridge.policy.facts import Outcome
from aidbridge.pool.models import Service, ServiceStatus
from aidbridge.referrals import service as referrals
from aidbridge.referrals.models import CaseOutcome, DeclineReason, Referral, ReferralStatus

from factories import make_tenant, member_data
from matching_data import (
    NORTH,
    OTHER_STREET,
    OTHER_STREET_COMMUNITY,
    STREET,
    assessed,
    contract_funding,
    funded,
    outcome,
    published,
    run,
)


def elder(**fields):
    return member_data(date(1950, 1, 1), **fields)


def adult(**fields):
    return member_data(date(1980, 1, 1), **fields)


def test_a_need_is_matched_with_a_service_covering_its_street(api, bureau, charity):
    service = published(charity, areas=[STREET])
    _, (need,) = assessed(bureau, {"dimension": "care", "subcategory": "care.home_visit"})
    match = outcome(api, run(api), need)
    assert match["service_id"] == service.id and match["provider_name"] == "南通市慈善总会"
    rules = match["explanation"]["rules"]
    assert rules["covers"] == STREET and rules["dimension"] == "care"
    assert rules["consent"] == "household" and rules["places"] == 20
    assert db.session.get(Service, service.id).capacity_available == 19


def test_no_service_of_the_need_in_the_area(api, bureau, charity):
    published(charity, areas=[OTHER_STREET])  # care, but in another street
    published(charity, dimension="legal", subcategory=None, areas=[STREET])
    _, (need,) = assessed(bureau, {"dimension": "care"})
    unmatched = outcome(api, run(api), need)
    assert unmatched["reason"] == "no_service"
    assert (unmatched["considered"], unmatched["removed"]) == (0, {})


def _cases():
    """(service fields, household fields, need, reason when unmatched, the fix that
    admits it: fields for the household instead)."""
    return [
        pytest.param(
            {"subcategory": "care.home_visit"},
            {},
            {"dimension": "care", "subcategory": "care.day_care"},
            "subcategory",
            id="another sub-category",
        ),
        pytest.param(
            {"categories": frozenset({"dibao"})},
            {},
            {"dimension": "care"},
            "category",
            id="not for the household's category",
        ),
        pytest.param(
            {"min_age": 70},
            {"members": [adult()]},
            {"dimension": "care", "member": 0},
            "age",
            id="the member is too young",
        ),
        pytest.param(
            {"requires_disability": True, "disability_types": frozenset({"visual"})},
            {
                "members": [
                    member_data(date(1960, 1, 1), disability_type="physical", disability_grade=2)
                ]
            },
            {"dimension": "care", "member": 0},
            "disability",
            id="another disability",
        ),
        pytest.param(
            {},
            {"consents": False},
            {"dimension": "care"},
            "consent",
            id="no consent to share with a charity",
        ),
    ]


@pytest.mark.parametrize(("service_fields", "household", "need", "reason"), _cases())
def test_a_rule_not_met_leaves_the_need_unmatched_with_its_reason(
    api, bureau, charity, service_fields, household, need, reason
):
    published(charity, **service_fields)
    _, (item,) = assessed(bureau, need, **household)
    unmatched = outcome(api, run(api), item)
    assert unmatched["reason"] == reason
    assert unmatched["considered"] == 1 and unmatched["removed"] == {reason: 1}


def test_the_rules_met_admit_the_need(api, bureau, charity):
    published(charity, name="低保家庭照料", categories=frozenset({"dibao"}))
    published(charity, name="高龄照料", min_age=70, subcategory="care.day_care")
    published(
        charity,
        name="视障照料",
        requires_disability=True,
        disability_types=frozenset({"visual"}),
        subcategory="care.personal_care",
    )
    # Gradual exit keeps the household's dibao (NT21-LB-3): the dibao service admits it.
    household, (home, day, respite) = assessed(
        bureau,
        {"dimension": "care", "subcategory": "care.home_visit"},
        {"dimension": "care", "subcategory": "care.day_care"},
        # The household's need: one member of it has the disability asked for.
        {"dimension": "care", "subcategory": "care.personal_care"},
        members=[
            elder(),
            member_data(date(1990, 1, 1), relation="child", disability_type="visual",
                        disability_grade=1),
        ],
    )  # fmt: skip
    household.outcomes = frozenset({Outcome.gradual_exit})
    db.session.commit()
    result = run(api)
    assert outcome(api, result, home)["explanation"]["rules"]["categories"] == ["dibao"]
    # The household's needs: one of its members is 70 or over, one has the disability.
    assert outcome(api, result, day)["explanation"]["rules"]["age"] == {
        "min": 70, "max": None, "age": None
    }  # fmt: skip
    assert outcome(api, result, respite)["explanation"]["rules"]["disability"] is True


def test_an_age_is_the_member_concerneds(api, bureau, charity):
    published(charity, min_age=70)
    _, (young,) = assessed(
        bureau, {"dimension": "care", "member": 1}, members=[elder(), adult(relation="child")]
    )
    _, (old,) = assessed(
        bureau, {"dimension": "care", "member": 0}, members=[elder(), adult(relation="child")]
    )
    result = run(api)
    assert outcome(api, result, young)["reason"] == "age"
    age = outcome(api, result, old)["explanation"]["rules"]["age"]
    assert age == {"min": 70, "max": None, "age": age_on(date(1950, 1, 1), local_today())}


def test_a_bureaus_own_service_needs_no_consent(api, bureau):
    own = published(bureau, name="民政局临时救助")
    _, (need,) = assessed(bureau, {"dimension": "care"}, consents=False)
    match = outcome(api, run(api), need)
    assert match["service_id"] == own.id
    assert match["explanation"]["rules"]["consent"] == "government"


def test_unpublished_services_and_suspended_providers_are_not_candidates(api, bureau, charity):
    paused = published(charity, name="暂停的服务")
    paused.status = ServiceStatus.paused
    suspended = make_tenant(TenantType.agency, jurisdiction="320600")
    published(suspended, name="停用机构的服务")
    suspended.status = TenantStatus.suspended
    db.session.commit()
    _, (need,) = assessed(bureau, {"dimension": "care"})
    assert outcome(api, run(api), need)["reason"] == "no_service"


def test_no_places_left(api, bureau, charity):
    published(charity, places=0)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    assert outcome(api, run(api), need)["reason"] == "full"


def test_the_last_place_goes_to_the_more_urgent_need(api, bureau, charity):
    service = published(charity, places=1)
    _, (routine,) = assessed(bureau, {"dimension": "care"})
    _, (urgent,) = assessed(bureau, {"dimension": "care", "urgency": "priority"})
    result = run(api)
    assert outcome(api, result, urgent)["service_id"] == service.id
    left = outcome(api, result, routine)
    assert left["reason"] == "capacity_taken" and left["removed"] == {"capacity_taken": 1}
    assert result["counts"]["matched"] == {"emergency": 0, "priority": 1, "routine": 0}


def test_a_service_serves_a_member_once_for_the_most_urgent_need(api, bureau, charity):
    published(charity, subcategory=None)  # any care
    _, (visits, day_care) = assessed(
        bureau,
        {"dimension": "care", "subcategory": "care.home_visit"},
        {"dimension": "care", "subcategory": "care.day_care", "urgency": "priority"},
    )
    result = run(api)
    assert outcome(api, result, day_care)["service_id"]
    assert outcome(api, result, visits)["reason"] == "member_other_need"


def _end(referral_id: int, status: ReferralStatus) -> None:
    referral = db.session.get(Referral, referral_id)
    referral.status = status
    if status is ReferralStatus.declined:
        referral.decline_reason = DeclineReason.no_capacity
    if status in (ReferralStatus.completed, ReferralStatus.closed_unresolved):
        referral.outcome = CaseOutcome.resolved
    db.session.commit()


def test_no_service_serves_the_same_household_member_twice(api, bureau, charity):
    service = published(charity)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    first = outcome(api, run(api), need)
    _end(first["id"], ReferralStatus.completed)  # served, and the need is still open
    again = outcome(api, run(api), need)
    assert again["reason"] == "already_referred"
    assert db.session.get(Service, service.id).capacity_available == 19


def test_a_referral_the_bureau_revoked_does_not_bar_the_service(api, bureau, charity, caseworker):
    service = published(charity)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    first = outcome(api, run(api), need)
    referrals.revoke(db.session.get(Referral, first["id"]), "", caseworker, utcnow())
    db.session.commit()
    assert db.session.get(Service, service.id).capacity_available == 20  # given back
    again = outcome(api, run(api), need)
    assert again["service_id"] == service.id


def test_a_provider_that_declined_a_need_does_not_get_it_again(api, bureau, charity, agency):
    published(charity, name="慈善照料")
    other = published(agency, name="社工照料", places=5)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    first = outcome(api, run(api), need)
    decliner = first["provider_id"]
    _end(first["id"], ReferralStatus.declined)
    second = outcome(api, run(api), need)
    assert second["provider_id"] != decliner
    if decliner == charity.id:
        assert second["service_id"] == other.id


def test_a_declined_need_with_no_other_provider_says_so(api, bureau, charity):
    published(charity)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    _end(outcome(api, run(api), need)["id"], ReferralStatus.expired)
    assert outcome(api, run(api), need)["reason"] == "declined_before"


def test_a_need_with_an_active_referral_is_not_matched_again(api, bureau, charity):
    published(charity)
    assessed(bureau, {"dimension": "care"})
    run(api)
    second = run(api)
    assert second["counts"]["needs"] == 0


# --- contracts -----------------------------------------------------------------------------


def test_a_contract_funded_match_holds_a_unit_and_its_price(api, bureau, agency):
    contract = contract_funding(bureau, agency, units=10, price_fen=8_000)
    service = funded(bureau, agency, contract)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    match = outcome(api, run(api), need)
    assert match["service_id"] == service.id and match["contract_id"] == contract.id
    held = match["explanation"]["rules"]["contract"]
    assert (held["units_left"], held["price_fen"]) == (10, 8_000)
    db.session.expire_all()
    item = db.session.scalars(
        select(ContractItem).where(ContractItem.contract_id == contract.id)
    ).one()
    assert (item.units_reserved, item.units_remaining) == (1, 9)
    contract = db.session.get(Contract, contract.id)
    assert contract.reserved_fen == 8_000 and contract.remaining_fen == 1_000_000 - 8_000


@pytest.mark.parametrize(
    ("funding", "change", "reason"),
    [
        ({"compliant": False}, None, "provider_blocked"),
        ({}, "suspend", "contract_inactive"),
        ({"units": 1}, "use_units", "contract_units"),
        ({"budget_fen": 10_000, "price_fen": 8_000}, "spend", "contract_budget"),
    ],
)
def test_a_contract_that_cannot_pay_sets_its_service_aside(
    api, bureau, agency, funding, change, reason
):
    contract = contract_funding(bureau, agency, **funding)
    funded(bureau, agency, contract)
    if change == "suspend":
        contract.status = ContractStatus.suspended
    elif change == "use_units":
        contract.items[0].units_delivered = 1
    elif change == "spend":
        contract.spent_fen = 5_000  # 5,000 left for a unit of 8,000
    db.session.commit()
    _, (need,) = assessed(bureau, {"dimension": "care"})
    unmatched = outcome(api, run(api), need)
    assert unmatched["reason"] == reason and unmatched["removed"] == {reason: 1}


def test_a_contracts_units_bind_across_its_services(api, bureau, agency):
    contract = contract_funding(bureau, agency, units=2)
    funded(bureau, agency, contract, name="照料一")
    funded(bureau, agency, contract, name="照料二")
    needs = [assessed(bureau, {"dimension": "care"})[1][0] for _ in range(3)]
    result = run(api)
    assert sum(result["counts"]["matched"].values()) == 2
    assert result["counts"]["unmatched"] == {"capacity_taken": 1}
    assert {outcome(api, result, n).get("reason") for n in needs} == {None, "capacity_taken"}


def test_a_contract_in_another_area_funds_nothing_there(api, bureau, agency):
    contract = contract_funding(bureau, agency, areas=[OTHER_STREET])
    funded(bureau, agency, contract, areas=[OTHER_STREET])
    _, (here,) = assessed(bureau, {"dimension": "care"}, area=NORTH)
    _, (there,) = assessed(bureau, {"dimension": "care"}, area=OTHER_STREET_COMMUNITY)
    result = run(api)
    assert outcome(api, result, here)["reason"] == "no_service"
    assert outcome(api, result, there)["contract_id"] == contract.id


def test_another_bureaus_contract_funds_nothing_for_this_bureau(api, bureau, agency):
    """A city bureau's contract buys the agency's visits for the city's households; the
    district bureau's needs in the same streets do not spend it."""
    city = make_tenant(TenantType.bureau, name="南通市民政局", jurisdiction="320600")
    contract = contract_funding(city, agency)
    funded(city, agency, contract)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    assert outcome(api, run(api), need)["reason"] == "no_service"
    assert db.session.get(Contract, contract.id).reserved_fen == 0


def test_a_households_need_needs_one_member_both_of_the_age_and_with_the_disability(
    api, bureau, charity
):
    """A service for disabled people of 60 and over: a household of a grandparent of 76
    and a disabled grandchild of 10 has no one it is for; with a disabled grandparent it
    has."""
    published(charity, min_age=60, requires_disability=True, dimension="care", subcategory=None)
    child = member_data(date(2016, 5, 1), relation="grandchild", disability_type="intellectual",
                        disability_grade=2)  # fmt: skip
    _, (apart,) = assessed(bureau, {"dimension": "care"}, members=[elder(), child])
    disabled_elder = elder(disability_type="physical", disability_grade=3)
    _, (together,) = assessed(bureau, {"dimension": "care"}, members=[disabled_elder])
    result = run(api)
    assert outcome(api, result, apart)["reason"] == "disability"
    assert outcome(api, result, together)["service_id"]
