"""The monitoring measures against the hand-computed month of ``monitoring_data``
(read its docstring for the figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from aidbridge.clock import local_today
from aidbridge.extensions import db
from aidbridge.monitoring.service import (
    Filters,
    contract_measures,
    provider_scorecards,
    referral_measures,
    staffing,
    unmet_needs,
)
from aidbridge.referrals import service as referrals
from aidbridge.referrals.models import RecordKind
from aidbridge.tenancy import tenant_context
from aidbridge.workforce import service as workforce

from matching_data import assessed, contract_funding, funded, published
from monitoring_data import NOVEMBER
from monitoring_data import november as november_referrals
from rosters import make_roster


@pytest.fixture
def november(bureau, agency, social_worker):
    return november_referrals(bureau, agency, social_worker)


def test_the_referral_funnel_of_a_month(bureau, november):
    found = referral_measures(bureau, NOVEMBER)
    assert found["offered"] == 5 and found["took_on"] == 3
    assert {k: v for k, v in found["by_status"].items() if v} == {
        "accepted": 1, "declined": 1, "expired": 1, "completed": 2,
    }  # fmt: skip
    assert found["declined_by_reason"]["no_capacity"] == 1
    assert found["acceptance_rate"] == Decimal("0.6000")
    assert found["completion_rate"] == Decimal("1.0000")
    assert found["loop_closure_rate"] == Decimal("0.6667")
    assert found["hours_to_accept"] == {"median": Decimal("10.0"), "p90": Decimal("16.0")}
    assert found["days_to_first_service"] == {"median": Decimal("0.0"), "p90": Decimal("2.0")}
    assert found["outcomes"]["resolved"] == 1 and found["outcomes"]["partly_resolved"] == 1
    assert (found["satisfaction"], found["rated"]) == (Decimal("4.00"), 2)
    assert found["severity"] == {"improved": 1, "unchanged": 1, "worse": 0}
    assert found["re_referral_rate"] == Decimal("0.0000")


def test_the_provider_sees_the_same_of_its_own_and_filters_narrow(bureau, agency, november):
    assert referral_measures(agency, NOVEMBER)["offered"] == 5
    assert referral_measures(bureau, Filters(date(2026, 10, 1), date(2026, 10, 31)))["offered"] == 0
    legal = Filters(NOVEMBER.since, NOVEMBER.until, dimension="legal")
    assert referral_measures(bureau, legal)["offered"] == 0
    street = Filters(NOVEMBER.since, NOVEMBER.until, area_code="320613001")
    assert referral_measures(bureau, street)["offered"] == 5
    elsewhere = Filters(NOVEMBER.since, NOVEMBER.until, area_code="320613002")
    assert referral_measures(bureau, elsewhere)["offered"] == 0


def test_a_contracts_drawdown_against_its_time(app, bureau, agency, social_worker):
    contract = contract_funding(bureau, agency, units=10, price_fen=8_000, budget_fen=80_000)
    funded(bureau, agency, contract, name="上门访视服务", places=5)
    today = contract.starts_on + timedelta(days=30)  # 31 of 211 days: 14.7 % of the time
    found = contract_measures(contract, today)
    assert (found["units"], found["delivered"], found["spent_fen"]) == (10, 0, 0)
    assert found["elapsed_share"] == Decimal("0.1469") and found["burn"] == "behind"
    contract.items[0].units_delivered, contract.spent_fen = 2, 16_000  # as two visits leave it
    found = contract_measures(contract, today)
    assert found["spent_share"] == Decimal("0.2000") and found["burn"] == "on_track"
    contract.items[0].units_delivered, contract.spent_fen = 4, 32_000
    assert contract_measures(contract, today)["burn"] == "ahead"


def test_the_funnel_through_the_api_and_bad_periods_refused(api_en, november):
    found = api_en("GET", "/monitoring/referrals?since=2026-11-01&until=2026-11-30")
    assert found.status_code == 200, found.json
    body = found.json
    assert (body["offered"], body["acceptance_rate"], body["loop_closure_rate"]) == (
        5, "0.6000", "0.6667",
    )  # fmt: skip
    assert body["hours_to_accept"] == {"median": "10.0", "p90": "16.0"}
    backwards = api_en("GET", "/monitoring/referrals?since=2026-11-30&until=2026-11-01")
    assert backwards.status_code == 422 and list(backwards.json["errors"]) == ["until"]
    nowhere = api_en("GET", "/monitoring/referrals?area_code=999999")
    assert nowhere.status_code == 422 and list(nowhere.json["errors"]) == ["area_code"]


def test_a_provider_reads_its_contracts_measures(as_user, bureau, agency, social_worker):
    contract = contract_funding(bureau, agency, units=10, price_fen=8_000, budget_fen=80_000)
    found = as_user(social_worker)("GET", f"/contracts/{contract.id}/measures")
    assert found.status_code == 200, found.json
    assert (found.json["units"], found.json["budget_fen"], found.json["burn"]) == (
        10, 80_000, "behind",
    )  # fmt: skip


def test_unmet_needs_by_street_dimension_and_urgency_with_why(api_en, bureau, charity):
    """One place of care in 和平桥街道: the emergency takes it; two routine care needs are
    left for want of places, a legal need for want of any service; a care need assessed
    after the run waits for its first."""
    published(charity, name="居家照护服务", places=1, areas=["320613001"])
    assessed(bureau, {"dimension": "care", "urgency": "emergency"})
    assessed(bureau, {"dimension": "care"})
    assessed(bureau, {"dimension": "care"}, area="320613001002")
    assessed(bureau, {"dimension": "legal"})
    assert api_en("POST", "/matching/runs", json={}).json["status"] == "succeeded"
    assessed(bureau, {"dimension": "care"})
    found = unmet_needs(bureau, NOVEMBER, date(2026, 12, 4))
    assert [(g["street_name"], g["dimension"], g["urgency"], g["needs"]) for g in found] == [
        ("和平桥街道", "care", "routine", 3),
        ("和平桥街道", "legal", "routine", 1),
    ]
    care, legal = found
    assert care["reasons"] == {"capacity_taken": 2, "not_matched_yet": 1}
    assert legal["reasons"] == {"no_service": 1}
    # Assessed on 20 November: 14 days open on 4 December.
    assert (care["oldest_days"], care["mean_age_days"]) == (14, Decimal("14.0"))
    listed = api_en("GET", "/monitoring/unmet-needs?dimension=legal").json
    assert [(g["dimension"], g["needs"]) for g in listed["items"]] == [("legal", 1)]


def test_a_provider_reads_its_funnel_through_the_api(as_user, november, social_worker):
    found = as_user(social_worker)("GET", "/monitoring/referrals?since=2026-11-01&until=2026-11-30")
    assert found.status_code == 200 and found.json["offered"] == 5


def test_the_staffing_record_of_the_pools_providers(bureau, agency):
    """The agency keeps 3 social-work posts of 10 (NT21-SW-1's 30 %) from 5 January; its
    October and this month's snapshots are in its record, the other months are not."""

    make_roster(agency, social_work=3, management=7)
    today = local_today()
    october = date(2026, 10, 15)
    workforce.take_snapshots(october)
    workforce.take_snapshots(today)
    (row,) = [r for r in staffing(bureau, today) if r["provider"].id == agency.id]
    assert row["compliance"].share == Decimal("0.3000") and row["compliance"].compliant
    months = dict(row["months"])
    assert len(months) == 6 and months[today.replace(day=1)]["share"] == Decimal("0.3000")
    if october.replace(day=1) in months:  # within the last six months of today
        assert months[october.replace(day=1)]["compliant"] is True
    assert sum(1 for m in months.values() if m is None) == 6 - len(
        {today.replace(day=1), october.replace(day=1)} & set(months)
    )


def test_providers_side_by_side(bureau, agency, november):
    (card,) = provider_scorecards(bureau, NOVEMBER)
    assert card["provider_name"] == "崇川区启航社工中心"
    assert (card["offered"], card["took_on"], card["declined"], card["expired"]) == (5, 3, 1, 1)
    assert card["acceptance_rate"] == Decimal("0.6000")
    assert card["completion_rate"] == Decimal("1.0000")
    assert card["satisfaction"] == Decimal("4.00")


def test_the_first_day_of_service_is_the_earliest_record_whatever_their_order(
    bureau, november, social_worker
):
    taken_on = november[2]  # R3: taken on at 19:00 on 2 Nov in Nantong, nothing recorded
    written = datetime(2026, 11, 7, 4, 0, tzinfo=UTC)
    with tenant_context(bureau.id):
        for day in (date(2026, 11, 6), date(2026, 11, 3), date(2026, 11, 5)):
            record = {"kind": RecordKind.visit, "served_on": day, "units": 1,
                      "worker_id": social_worker.id}  # fmt: skip
            referrals.record_service(taken_on, record, social_worker, written)
        db.session.commit()
    assert taken_on.first_served_on == date(2026, 11, 3)
    # R1 2 days, R2 0, R3 1 (2 Nov → 3 Nov): median 1, p90 2.
    found = referral_measures(bureau, NOVEMBER)["days_to_first_service"]
    assert found == {"median": Decimal("1.0"), "p90": Decimal("2.0")}
