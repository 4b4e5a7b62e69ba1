"""Drilling down from the monitoring dashboard: every count on it links to the referrals
it counts, and the list behind it holds exactly that many; a provider's scorecard; the
unmet needs of an area by community and one by one. On the hand-computed month of
``monitoring_data`` (offered 5: completed 2, accepted 1, declined 1, expired 1)."""

from __future__ import annotations

import csv
import html
import io
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from aidbridge.accounts.models import Role
from aidbridge.pool.models import Service

from factories import make_user, sign_in
from matching_data import assessed, contract_funding
from monitoring_data import november
from page_forms import section, text

PERIOD = "since=2026-11-01&until=2026-11-30"
# A count linked in a table or a list, and a bar of a chart linked with its number.
LINKED = re.compile(r'<a href="(/monitoring/referrals\?[^"]+)">(\d+)</a>')
BAR = re.compile(
    r'<a href="(/monitoring/referrals\?[^"]+)">\s*<text[^>]*>([^<]*)</text>\s*'
    r"<rect[^>]*></rect>\s*<text[^>]*>(\d+)</text>"
)


def _listed(client, href: str) -> int:
    page = client.get(html.unescape(href))
    assert page.status_code == 200, href
    heading = re.search(r"<h1>[^<]*<small>\((\d+)\)</small>", page.text)
    rows = len(re.findall(r'<td><a href="/referrals/\d+">', page.text))
    assert int(heading.group(1)) == rows  # one page holds them all here
    return rows


@pytest.fixture
def month(bureau, agency, social_worker):
    return november(bureau, agency, social_worker)


def test_every_count_on_the_dashboard_lists_the_referrals_it_counts(client, worker, month):
    client.post("/language/en")
    page = client.get(f"/monitoring/?{PERIOD}")
    linked = LINKED.findall(page.text)
    bars = BAR.findall(page.text)
    # Offered and taken on; the provider's five counts; each status, reason and outcome.
    assert len(linked) == 2 + 5 and len(bars) == 8 + 6 + 6
    for href, number in linked:
        assert _listed(client, href) == int(number), href
    for href, label, number in bars:
        assert _listed(client, href) == int(number), (label, href)
    figures = {label: int(n) for _href, label, n in bars}
    assert (figures["Completed"], figures["Declined"], figures["Expired"]) == (2, 1, 1)
    assert (figures["No capacity"], figures["Need resolved"]) == (1, 1)


def test_the_list_behind_a_figure_says_what_it_holds_and_exports(client, worker, month, agency):
    client.post("/language/en")
    page = client.get(f"/monitoring/referrals?{PERIOD}&provider_id={agency.id}&taken_on=1")
    assert page.status_code == 200
    caption = section(page, "narrowed")
    assert "2026-11-01 – 2026-11-30" in caption and agency.name in caption
    assert "taken on" in caption
    listed = section(page, "referrals")
    assert sorted(int(n) for n in re.findall(r'href="/referrals/(\d+)"', page.text)) == sorted(
        r.id for r in month[:3]
    )
    assert "Partly resolved" in listed and "上门访视服务" in listed
    # The filter form keeps the narrowing through a new choice.
    assert 'type="hidden" name="taken_on" value="1"' in page.text
    exported = client.get(f"/monitoring/export?table=referrals&format=csv&{PERIOD}&status=declined")
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No.,Offered,Need,Urgency,Community,Provider")
    assert len(lines) == 2 and "No capacity" in lines[1] and str(month[3].id) in lines[1]
    bad = client.get(f"/monitoring/referrals?{PERIOD}&status=lost")
    assert bad.status_code == 422 and 'data-field="status"' in bad.text
    assert not re.search(r'href="/referrals/\d+"', bad.text)  # not the list asked for
    refused = client.get(f"/monitoring/export?table=referrals&format=csv&{PERIOD}&status=lost")
    assert refused.status_code == 422 and 'data-field="status"' in refused.text
    assert "attachment" not in refused.headers.get("Content-Disposition", "")


def test_a_providers_scorecard_for_the_bureau_and_for_itself(
    client, worker, month, bureau, agency, charity, social_worker
):
    own = contract_funding(bureau, agency, units=10)
    other = contract_funding(bureau, charity, units=12)
    client.post("/language/en")
    dashboard = client.get(f"/monitoring/?{PERIOD}")
    assert f'href="/monitoring/providers/{agency.id}?' in dashboard.text
    card = client.get(f"/monitoring/providers/{agency.id}?{PERIOD}")
    assert card.status_code == 200
    funnel = section(card, "funnel")
    assert "Offered 5 Taken on 3 Acceptance rate 60.0%" in funnel
    assert "Loop closure 66.7%" in funnel
    assert "of 30% NT21-SW-1" in section(card, "staffing")  # no roster in this month
    # The counts drill down to the provider's referrals only, its tables export its own.
    assert f"provider_id={agency.id}" in html.unescape(LINKED.findall(card.text)[0][0])
    contracts = section(card, "contracts")
    assert own.number in contracts and other.number not in contracts
    exported = re.search(
        r'href="(/monitoring/export\?[^"]*table=contracts[^"]*csv[^"]*)"', card.text
    )
    lines = client.get(html.unescape(exported.group(1))).data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(own.number)

    sign_in(client, social_worker)
    client.post("/language/en")
    assert client.get(f"/monitoring/providers/{agency.id}?{PERIOD}").status_code == 200
    assert client.get(f"/monitoring/providers/{charity.id}").status_code == 404
    # Another provider named in the query: nothing of it, not even its name.
    elsewhere = client.get(f"/monitoring/referrals?{PERIOD}&provider_id={charity.id}")
    assert charity.name not in section(elsewhere, "narrowed")
    assert not re.search(r'href="/referrals/\d+"', elsewhere.text)
    listed = client.get(f"/monitoring/referrals?{PERIOD}")
    assert "Bureau" in section(listed, "referrals")
    assert len(re.findall(r'href="/referrals/\d+"', listed.text)) == 5


def test_the_unmet_needs_of_an_area_by_community_and_one_by_one(client, worker, bureau):
    assessed(bureau, {"dimension": "legal", "urgency": "priority"})
    assessed(bureau, {"dimension": "legal"}, area="320613001002")
    assessed(bureau, {"dimension": "care"}, area="320613001002")
    client.post("/language/en")
    dashboard = client.get("/monitoring/")
    assert 'href="/monitoring/unmet?area_code=320613001"' in dashboard.text
    page = client.get("/monitoring/unmet?area_code=320613001")
    assert page.status_code == 200
    communities = section(page, "communities")
    assert "八仙城社区 2 0" in communities and "北大街社区 1 1" in communities
    assert '<svg role="img" aria-label="Unmet needs by community"' in page.text
    needs = section(page, "needs")
    assert needs.index("Priority") < needs.index("Routine")  # the most urgent first
    assert needs.count("not matched yet") == 3
    legal = client.get("/monitoring/unmet?area_code=320613001002&dimension=legal")
    assert section(legal, "needs").count("Legal") == 1 and "Care" not in section(legal, "needs")
    exported = client.get("/monitoring/export?table=unmet_needs&format=csv&area_code=320613001")
    assert len(exported.data.decode("utf-8-sig").splitlines()) == 1 + 3
    # The urgency narrows the whole page: the communities, their chart, the needs.
    urgent = client.get("/monitoring/unmet?area_code=320613001&urgency=priority")
    communities = section(urgent, "communities")
    assert "北大街社区 1 1" in communities and "八仙城社区" not in communities
    assert section(urgent, "needs").count("Priority") == 1
    # From a dashboard narrowed to a community, the street's row opens that community.
    narrowed = client.get("/monitoring/?area_code=320613001002")
    link = re.search(r'href="(/monitoring/unmet\?area_code=[^"]+)">和平桥街道', narrowed.text)
    assert "area_code=320613001002" in link.group(1)
    behind = client.get(html.unescape(link.group(1)))
    assert section(behind, "needs").count("not matched yet") == 2


def test_a_monitor_reads_the_drilldowns_and_a_provider_has_no_unmet_view(
    client, bureau, social_worker
):
    monitor = make_user(bureau, Role.monitor)
    sign_in(client, monitor)
    client.post("/language/en")
    page = client.get("/monitoring/unmet")
    assert page.status_code == 200 and "Unmet needs by area" in text(page)
    assert 'href="/households/' not in page.text  # the households' pages are not theirs
    sign_in(client, social_worker)
    assert client.get("/monitoring/unmet").status_code == 404


def test_a_name_that_reads_as_a_formula_stays_text_in_the_files(client, worker, month, db):
    # Another organisation names its service; the bureau's spreadsheet must not run it.
    formula = '=HYPERLINK("http://example.com","详情")'
    service = db.session.get(Service, month[0].service_id)
    service.name = formula
    db.session.commit()
    query = f"table=referrals&{PERIOD}&status=completed"
    text_csv = client.get(f"/monitoring/export?{query}&format=csv").data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text_csv)) for cell in row]
    assert f"'{formula}" in cells and formula not in cells
    book = load_workbook(BytesIO(client.get(f"/monitoring/export?{query}&format=xlsx").data))
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
