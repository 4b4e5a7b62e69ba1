"""The share of professional social-work posts under each pack's rule (NT21-SW-1,
CJ21-SW-1, NX21-SW-1, CN21-SW-1): exact at its boundaries, dated, per contract, and
whether a provider falling short is blocked or only warned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from aidbridge.accounts.models import Role, TenantType
from aidbridge.contracts.models import Contract, ContractStatus, FundingSource
from aidbridge.extensions import db
from aidbridge.tenancy import tenant_context
from aidbridge.workforce import service as workforce

from factories import make_tenant, make_user
from rosters import certified, make_post, make_roster, post_json

ON = date(2026, 6, 1)
ISSUE_ROSTER = ["social_work"] * 3 + ["management"] * 4 + ["support"] * 3


@pytest.fixture
def changjiang_agency(db):
    """A Changjiang agency (CJ21-SW-1: 80 % of professional-technical posts, held by
    certified social workers; the pack blocks)."""
    return make_tenant(TenantType.agency, jurisdiction="360202", policy_pack="changjiang")


def _contract(bureau, provider, number="NT-2026-001") -> Contract:
    contract = Contract(
        tenant_id=bureau.id,
        provider_id=provider.id,
        number=number,
        title="困难老人上门探访服务",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        budget_fen=20_000_000,
        funding_source=FundingSource.special_funds,
        status=ContractStatus.active,
    )
    db.session.add(contract)
    db.session.commit()
    return contract


# --- the issue's acceptance ------------------------------------------------------------------


def test_ten_posts_with_three_social_work_posts_read_30_percent_and_meet_nt21_sw_1(agency_api):
    for category in ISSUE_ROSTER:
        assert agency_api("POST", "/posts", json=post_json(category)).status_code == 201

    compliance = agency_api("GET", f"/compliance?on={ON}").json["compliance"]

    assert compliance["rule"] == "NT21-SW-1"
    assert (compliance["numerator"], compliance["denominator"]) == (3, 10)
    assert compliance["share"] == "0.3000" and compliance["min_share"] == "0.3000"
    assert compliance["compliant"] is True and compliance["blocked"] is False
    assert compliance["posts_needed"] == 0
    assert compliance["trace"] == {
        "rule": "NT21-SW-1",
        "held": True,
        "text": "NT21-SW-1: 3 social-work posts of 10 posts = 30.00 % ≥ 30.00 %",
    }


def test_certified_social_workers_meet_cj21_sw_1_until_another_professional_post_comes(
    changjiang_agency, as_user
):
    api = as_user(make_user(changjiang_agency, Role.admin))
    for index in range(3):
        assert api("POST", "/posts", json=certified(f"CJ{index}")).status_code == 201
    for category in ISSUE_ROSTER[3:]:
        assert api("POST", "/posts", json=post_json(category)).status_code == 201

    # Management and support posts are no professional-technical posts: 3 of 3.
    passing = api("GET", f"/compliance?on={ON}").json["compliance"]
    assert (passing["numerator"], passing["denominator"], passing["share"]) == (3, 3, "1.0000")
    assert passing["compliant"] is True

    assert api("POST", "/posts", json=post_json("professional_technical")).status_code == 201
    failing = api("GET", f"/compliance?on={ON}").json["compliance"]
    assert (failing["numerator"], failing["denominator"], failing["share"]) == (3, 4, "0.7500")
    assert failing["compliant"] is False and failing["blocked"] is True
    assert failing["posts_needed"] == 1
    assert failing["trace"]["text"] == (
        "CJ21-SW-1: 3 social-work posts held by certified social workers of 4 "
        "professional-technical posts = 75.00 % < 80.00 %"
    )

    # A fourth certified social worker: 4 of 5 is exactly 80 %.
    assert api("POST", "/posts", json=certified("CJ3")).status_code == 201
    exact = api("GET", f"/compliance?on={ON}").json["compliance"]
    assert (exact["share"], exact["compliant"]) == ("0.8000", True)


def test_cj21_sw_1_counts_a_social_work_post_without_a_certificate_only_as_a_post(
    changjiang_agency,
):
    for index in range(3):
        make_post(changjiang_agency, **certified(f"CJ{index}"))
    make_post(changjiang_agency, "social_work")  # not certified
    # Certified only after the day asked about.
    make_post(changjiang_agency, **certified("CJ9", certified_on="2026-08-01"))

    found = workforce.compliance(changjiang_agency, ON)

    assert (found.numerator, found.denominator, found.compliant) == (3, 5, False)
    # 3 of 5 = 60 % < 80 %: five more certified posts, or certifying the two holders.
    assert (found.posts_needed, found.uncertified) == (5, 2)
    assert workforce.compliance(changjiang_agency, date(2026, 8, 1)).numerator == 4


# --- in time ---------------------------------------------------------------------------------


def test_ending_a_social_work_post_flips_nt21_sw_1_from_the_next_day(agency, agency_api):
    posts = make_roster(agency, social_work=3, management=7)

    ended = agency_api("POST", f"/posts/{posts[0].id}/end", json={"ends_on": "2026-05-31"})

    assert ended.status_code == 200 and ended.json["ends_on"] == "2026-05-31"
    last_day = agency_api("GET", "/compliance?on=2026-05-31").json["compliance"]
    next_day = agency_api("GET", "/compliance?on=2026-06-01").json["compliance"]
    assert last_day["compliant"] is True
    assert (next_day["numerator"], next_day["denominator"]) == (2, 9)
    assert next_day["compliant"] is False and next_day["posts_needed"] == 1
    assert next_day["trace"]["text"] == (
        "NT21-SW-1: 2 social-work posts of 9 posts = 22.22 % < 30.00 %"
    )


def test_the_history_names_the_exact_days_the_status_changed(agency, agency_api):
    make_roster(agency, management=7)  # from 5 January: 0 of 7, as before any post
    make_post(agency, "social_work", starts_on="2026-02-16")
    make_post(agency, "social_work", starts_on="2026-02-16")
    third = make_post(agency, "social_work", starts_on="2026-03-02")
    workforce.end_post(third, date(2026, 9, 14), None)
    make_post(agency, "social_work", starts_on="2026-10-08")
    db.session.commit()

    changes = workforce.compliance_changes(agency, date(2026, 1, 1), date(2026, 11, 30))

    assert [(c["on"], c["compliant"]) for c in changes] == [
        (date(2026, 3, 2), True),  # 3 of 10
        (date(2026, 9, 15), False),  # 2 of 9, the day after the post's last day
        (date(2026, 10, 8), True),  # 3 of 10 again
    ]
    assert changes[1]["compliance"].text() == (
        "NT21-SW-1: 2 social-work posts of 9 posts = 22.22 % < 30.00 %"
    )
    answer = agency_api("GET", "/compliance?on=2026-11-30").json
    assert [(c["on"], c["compliant"]) for c in answer["changes"]] == [
        ("2026-03-02", True),
        ("2026-09-15", False),
        ("2026-10-08", True),
    ]


def test_a_roster_without_posts_shows_no_share_and_needs_one_social_work_post(agency_api):
    compliance = agency_api("GET", f"/compliance?on={ON}").json["compliance"]

    assert (compliance["denominator"], compliance["share"]) == (0, None)
    assert compliance["compliant"] is False and compliance["posts_needed"] == 1
    assert compliance["trace"]["text"] == (
        "NT21-SW-1: no posts on the roster: nothing shows a share of 30.00 %"
    )


# --- how many posts are needed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "min_share", "needed"),
    [
        (3, 10, "0.30", 0),  # exactly 30 %
        (2, 10, "0.30", 2),  # 3 of 11 is 27.3 %, 4 of 12 is 33.3 %
        (2, 9, "0.30", 1),  # 3 of 10
        (0, 0, "0.30", 1),  # no posts: one social-work post shows 100 %
        (0, 7, "0.30", 3),  # 3 of 10
        (3, 4, "0.80", 1),  # 4 of 5 is exactly 80 %
        (3, 5, "0.80", 5),  # 7 of 9 is 77.8 %, 8 of 10 is 80 %
        (0, 0, "0", 1),
        (0, 5, "0", 0),
        (1, 1, "1", 0),
        (0, 0, "1", 1),
        (1, 2, "1", None),  # every post must qualify: adding posts never does it
    ],
)
def test_posts_needed_is_the_fewest_qualifying_posts_that_comply(
    numerator, denominator, min_share, needed
):
    share = Decimal(min_share)
    if needed is None:
        assert workforce.posts_needed(numerator, denominator, share) is None
        return
    found = workforce.posts_needed(numerator, denominator, share)

    def complies(k):
        n, d = numerator + k, denominator + k
        return d > 0 and n >= Fraction(share) * d

    assert complies(found)
    assert found == 0 or not complies(found - 1)
    assert found == needed


def test_posts_needed_is_minimal_across_rosters():
    for share in (Decimal("0.30"), Decimal("0.80"), Decimal("0.3333"), Decimal("0.5")):
        for denominator in range(0, 25):
            for numerator in range(0, denominator + 1):
                found = workforce.posts_needed(numerator, denominator, share)
                first = next(
                    k
                    for k in range(1000)
                    if denominator + k > 0 and numerator + k >= Fraction(share) * (denominator + k)
                )
                assert found == first, (numerator, denominator, share)


def test_the_answer_says_how_many_more_social_work_posts_are_needed(agency, agency_api):
    make_roster(agency, social_work=2, management=8)

    compliance = agency_api("GET", f"/compliance?on={ON}").json["compliance"]

    assert compliance["share"] == "0.2000" and compliance["posts_needed"] == 2


# --- enforcement, scope and contracts --------------------------------------------------------


@pytest.mark.parametrize(
    ("jurisdiction", "pack", "rule", "enforcement"),
    [
        ("320600", "nantong", "NT21-SW-1", "block"),
        ("640000", "ningxia", "NX21-SW-1", "warn"),
        ("310105", "changning", "CN21-SW-1", "warn"),
    ],
)
def test_a_provider_falling_short_is_blocked_only_where_the_pack_says_block(
    db, jurisdiction, pack, rule, enforcement
):
    provider = make_tenant(TenantType.agency, jurisdiction=jurisdiction, policy_pack=pack)
    make_roster(provider, social_work=2, management=8)

    found = workforce.compliance(provider, ON)

    assert (found.rule, found.enforcement, found.compliant) == (rule, enforcement, False)
    assert workforce.is_blocked(provider, ON) is (enforcement == "block")
    make_post(provider, "social_work")  # 3 of 11
    make_post(provider, "social_work")  # 4 of 12
    assert workforce.compliance(provider, ON).compliant is True
    assert workforce.is_blocked(provider, ON) is False


def test_before_the_2021_pack_nantong_had_no_post_rule_and_blocks_nobody(agency):
    make_roster(agency, management=3)

    assert workforce.compliance(agency, date(2020, 6, 1)) is None
    assert workforce.is_blocked(agency, date(2020, 6, 1)) is False


def test_no_pack_in_force_is_refused_on_the_date(agency_api):
    answer = agency_api("GET", "/compliance?on=2016-01-01")

    assert answer.status_code == 422 and "on" in answer.json["errors"]


def test_compliance_reads_the_providers_posts_whatever_scope_the_caller_is_in(bureau, agency):
    make_roster(agency, social_work=3, management=7)

    with tenant_context(bureau.id):
        found = workforce.compliance(agency, ON)

    assert (found.numerator, found.denominator, found.compliant) == (3, 10, True)


def test_a_contracts_compliance_counts_the_posts_serving_it(bureau, agency, agency_api):
    contract = _contract(bureau, agency)
    served = {"contract_ids": [contract.id]}
    assert agency_api("POST", "/posts", json=post_json("social_work", **served)).status_code == 201
    for _ in range(3):
        assert agency_api("POST", "/posts", json=post_json(**served)).status_code == 201
    make_roster(agency, social_work=3, management=3)  # other work: 4 of 10 in all

    answer = agency_api("GET", f"/compliance?on={ON}").json

    assert (answer["compliance"]["numerator"], answer["compliance"]["denominator"]) == (4, 10)
    assert answer["compliance"]["compliant"] is True
    [on_contract] = answer["contracts"]
    assert (on_contract["contract_id"], on_contract["number"]) == (contract.id, "NT-2026-001")
    assert (on_contract["compliance"]["numerator"], on_contract["compliance"]["denominator"]) == (
        1,
        4,
    )
    assert on_contract["compliance"]["compliant"] is False
    assert on_contract["compliance"]["posts_needed"] == 1  # 2 of 5
