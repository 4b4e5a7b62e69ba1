"""The monthly record of each provider's social-work post share, kept by a daily job,
and what a bureau sees of its pool's providers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.clock import local_today
from aidbridge.extensions import db
from aidbridge.jobs import enqueue
from aidbridge.jobs.schedule import PERIODIC
from aidbridge.workforce import service as workforce
from aidbridge.workforce.models import ComplianceSnapshot

from factories import make_tenant, make_user
from rosters import make_post, make_roster


def _snapshots() -> list[tuple]:
    return list(
        db.session.execute(
            select(
                ComplianceSnapshot.tenant_id,
                ComplianceSnapshot.month,
                ComplianceSnapshot.computed_on,
                ComplianceSnapshot.numerator,
                ComplianceSnapshot.denominator,
                ComplianceSnapshot.compliant,
            ).order_by(ComplianceSnapshot.tenant_id, ComplianceSnapshot.month)
        )
    )


@pytest.fixture
def pool(bureau, agency):
    """The bureau's pool: the agency (3 of 10, compliant) and a charity (1 of 10, not);
    beside it a Changjiang agency and a suspended Nantong charity."""
    make_roster(agency, social_work=3, management=7)
    charity = make_tenant(TenantType.charity, name="南通市慈善总会")
    make_roster(charity, social_work=1, support=9)
    elsewhere = make_tenant(
        TenantType.agency, name="昌江区社工中心", jurisdiction="360202", policy_pack="changjiang"
    )
    suspended = make_tenant(TenantType.charity, name="已暂停的慈善会")
    suspended.status = TenantStatus.suspended
    db.session.commit()
    return {"agency": agency, "charity": charity, "elsewhere": elsewhere, "suspended": suspended}


def test_the_job_keeps_one_row_per_provider_and_month_holding_its_latest_computation(pool):
    agency, charity, elsewhere = pool["agency"], pool["charity"], pool["elsewhere"]

    assert workforce.take_snapshots(date(2026, 6, 10)) == 3
    assert _snapshots() == [
        (agency.id, date(2026, 6, 1), date(2026, 6, 10), 3, 10, True),
        (charity.id, date(2026, 6, 1), date(2026, 6, 10), 1, 10, False),
        # Changjiang counts professional-technical posts: it has none.
        (elsewhere.id, date(2026, 6, 1), date(2026, 6, 10), 0, 0, False),
    ]

    make_post(charity, "social_work")
    make_post(charity, "social_work")
    assert workforce.take_snapshots(date(2026, 6, 20)) == 3
    assert workforce.take_snapshots(date(2026, 7, 1)) == 3

    rows = [row for row in _snapshots() if row[0] == charity.id]
    assert rows == [
        (charity.id, date(2026, 6, 1), date(2026, 6, 20), 3, 12, False),
        (charity.id, date(2026, 7, 1), date(2026, 7, 1), 3, 12, False),
    ]
    assert len(_snapshots()) == 6  # three providers, two months; no bureau, none suspended


def test_the_daily_job_records_this_month(pool):
    assert any(p.job == "workforce.take_snapshots" for p in PERIODIC)

    assert enqueue("workforce.take_snapshots") == 3
    assert enqueue("workforce.take_snapshots") == 3  # again the same day: nothing new

    months = {row[1] for row in _snapshots()}
    assert months == {local_today().replace(day=1)} and len(_snapshots()) == 3


def test_a_provider_reads_its_own_trend_latest_month_first(pool, agency_api):
    workforce.take_snapshots(date(2026, 5, 31))
    workforce.take_snapshots(date(2026, 6, 30))
    db.session.commit()

    trend = agency_api("GET", "/compliance/snapshots").json

    assert [(s["month"], s["share"], s["compliant"]) for s in trend["items"]] == [
        ("2026-06-01", "0.3000", True),
        ("2026-05-01", "0.3000", True),
    ]
    assert trend["items"][0]["rule"] == "NT21-SW-1" and trend["items"][0]["min_share"] == "0.3000"


def test_a_bureau_sees_every_provider_of_its_pool_those_falling_short_first(bureau, pool, as_user):
    api = as_user(make_user(bureau, Role.monitor))

    answer = api("GET", "/providers/compliance?on=2026-06-01")

    assert answer.status_code == 200
    assert answer.json["on"] == "2026-06-01"
    rows = [
        (
            p["provider_name"],
            p["compliance"]["numerator"],
            p["compliance"]["denominator"],
            p["compliance"]["compliant"],
            p["compliance"]["blocked"],
        )
        for p in answer.json["providers"]
    ]
    assert rows == [
        ("南通市慈善总会", 1, 10, False, True),
        ("崇川区启航社会工作服务中心", 3, 10, True, False),
    ]
    charity = answer.json["providers"][0]["compliance"]
    assert charity["posts_needed"] == 3  # 4 of 13
    assert charity["trace"]["text"] == (
        "NT21-SW-1: 1 social-work posts of 10 posts = 10.00 % < 30.00 %"
    )


def test_a_bureau_reads_one_providers_trend_of_its_pool_only(bureau, pool, as_user):
    workforce.take_snapshots(date(2026, 6, 10))
    db.session.commit()
    api = as_user(make_user(bureau, Role.caseworker))

    own_pool = api("GET", f"/providers/{pool['charity'].id}/compliance/snapshots")

    assert own_pool.status_code == 200
    assert [(s["month"], s["numerator"]) for s in own_pool.json["items"]] == [("2026-06-01", 1)]
    for other in (pool["elsewhere"], bureau):  # another pool's provider; no provider at all
        answer = api("GET", f"/providers/{other.id}/compliance/snapshots")
        assert answer.status_code == 404
        assert "昌江区" not in answer.get_data(as_text=True)


def test_providers_do_not_read_each_others_compliance(pool, agency_api):
    charity = pool["charity"]

    assert agency_api("GET", "/providers/compliance").status_code == 403
    assert agency_api("GET", f"/providers/{charity.id}/compliance/snapshots").status_code == 403
