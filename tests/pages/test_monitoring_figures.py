"""Every figure of the bureau's dashboard, as the page shows it, against a hand-computed
fixture: the month of ``monitoring_data`` (read its docstring for the funnel), and
beside it, worked out here:

- a contract of the agency, 10 visits at ¥80.00 within ¥800.00, from 30 days ago to 180
  days ahead (211 days, 31 elapsed: 14.7 %), with 3 visits delivered: 3 / 10, ¥240.00
  (30.0 %), more than 14.7 % + the 10 % tolerance: ahead;
- the agency's roster from that contract, 3 social-work posts of 10: 30.0 % against
  NT21-SW-1's 30 %, and this month's snapshot, taken today, the same;
- reviews: the month's five households in 和平桥街道 have none; one more there is overdue
  (3 Nov), one in 城东街道 is due in 10 days (within the 30 days' notice);
- unmet: the needs open with no active referral, all care and routine in 和平桥街道,
  assessed on 20 Nov — R2's (partly resolved, so still open), R4's (declined: matched
  again without the agency, the only provider, so "its provider declined it before")
  and R5's (expired; the fixture expires offers without the job's rematch: "not matched
  yet")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from aidbridge.clock import local_today
from aidbridge.contracts import service as contracts
from aidbridge.extensions import db
from aidbridge.tenancy import all_tenants, tenant_context
from aidbridge.workforce.service import take_snapshots

from factories import household_data, register_household
from matching_data import contract_funding
from monitoring_data import november
from page_forms import section

BAR = re.compile(r"<text[^>]*>([^<]*)</text>\s*<rect[^>]*></rect>\s*<text[^>]*>(\d+)</text>")


def _bars(page, title: str) -> dict[str, int]:
    chart = page.text[page.text.index(f'aria-label="{title}"') :]
    chart = chart[: chart.index("</svg>")]
    return {label: int(n) for label, n in BAR.findall(chart)}


def test_every_figure_of_the_dashboard_against_the_hand_computed_month(
    client, worker, bureau, agency, social_worker
):
    november(bureau, agency, social_worker)
    today = local_today()
    contract = contract_funding(bureau, agency, units=10, budget_fen=80_000, price_fen=8_000)
    with tenant_context(bureau.id):
        for _ in range(3):
            delivery = {"contract_item_id": contract.items[0].id, "units": 1, "delivered_on": today}
            contracts.record_delivery(contract, delivery, social_worker)
        db.session.commit()
    with all_tenants():
        take_snapshots(today)
        db.session.commit()
    register_household(bureau, household_data(next_review_on="2026-11-03"))
    soon = (today + timedelta(days=10)).isoformat()
    register_household(bureau, household_data(area_code="320613002001", next_review_on=soon))

    client.post("/language/en")
    page = client.get("/monitoring/?since=2026-11-01&until=2026-11-30")
    assert page.status_code == 200
    assert section(page, "funnel").startswith(
        'id="funnel"> Referrals offered 2026-11-01 – 2026-11-30 CSV · XLSX '
        "Offered 5 Taken on 3 Acceptance rate 60.0% Completion rate 100.0% "
        "Loop closure 66.7% Hours to accept median 10.0, 90 % within 16.0 "
        "Days to first service median 0.0, 90 % within 2.0 "
        "Satisfaction 4.00 / 5 (2 ratings) "
        "Needs improved at closing 1 · unchanged 1 · worse 0 Re-referred 0.0%"
    )
    assert _bars(page, "Referrals by status") == {
        "Offered": 0, "Accepted": 1, "Declined": 1, "Expired": 1, "Revoked": 0,
        "In service": 0, "Completed": 2, "Closed unresolved": 0,
    }  # fmt: skip
    declines = _bars(page, "Declines by reason")
    assert declines["No capacity"] == 1 and sum(declines.values()) == 1
    outcomes = _bars(page, "Outcomes")
    assert (outcomes["Need resolved"], outcomes["Partly resolved"], sum(outcomes.values())) == (
        1, 1, 2,
    )  # fmt: skip
    assert section(page, "providers").endswith("崇川区启航社工中心 5 3 1 1 2 60.0% 100.0% 4.00")
    assert section(page, "contracts").endswith(
        f"{contract.number} 购买服务合同 · report · referrals "
        "3 / 10 ¥240.00 / ¥800.00 (30.0%) 14.7% ahead"
    )
    assert section(page, "staffing").endswith(
        "崇川区启航社工中心 30.0% of 30% NT21-SW-1 — — — — — 30.0%"
    )
    reviews = section(page, "reviews")
    assert "和平桥街道 6 0 1" in reviews and "城东街道 1 1 0" in reviews
    age = (today - date(2026, 11, 20)).days
    assert section(page, "unmet").endswith(
        f"和平桥街道 Care Routine 3 {age}, {age}.0 "
        "not matched yet: 2 · its provider declined this need before: 1"
    )
