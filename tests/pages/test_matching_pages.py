"""Matching in the pages: a bureau starts a run and reads what it found — each match
with why, each unmatched need with why not, the unmatched needs by street — matches one
need at once, and previews what more places would serve."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.extensions import db
from aidbridge.matching.models import MatchingRun, RunMode, RunStatus
from aidbridge.referrals.models import Referral

from factories import make_tenant, make_user, member_data, sign_in
from matching_data import NORTH, SOUTH, STREET, assessed, published
from page_forms import form_values, section, text


@pytest.fixture
def english(client, worker):
    """The caseworker reads the pages in English (the words as the code has them)."""
    client.post("/language/en")


@pytest.fixture
def scene(bureau, charity):
    """One place of home care in 和平桥街道, for people of 60 and over; an emergency
    care need of a member of 66 in 北大街 takes it, a routine one in 南大街 is left
    without; nobody offers legal aid."""
    service = published(
        charity, name="居家照护服务", places=1, areas=[STREET], min_age=60, subcategory=None
    )
    _first, (urgent,) = assessed(
        bureau, {"dimension": "care", "urgency": "emergency", "member": 0},
        members=[member_data(date(1960, 3, 1), name="王大爷")],
    )  # fmt: skip
    _second, (routine,) = assessed(
        bureau, {"dimension": "care", "member": 0}, area=SOUTH,
        members=[member_data(date(1950, 6, 1), name="赵奶奶")],
    )  # fmt: skip
    _third, (legal,) = assessed(bureau, {"dimension": "legal"})
    return {"service": service, "urgent": urgent, "routine": routine, "legal": legal}


def start_run(client, **changes):
    values = form_values(client.get("/matching/").get_data(as_text=True), "run-form")
    values.update(changes)
    return client.post("/matching/", data=values)


def test_a_caseworker_runs_matching_and_reads_why(client, english, bureau, scene):
    page = client.get("/matching/")
    assert page.status_code == 200
    assert "Start a run" in text(page)
    values = form_values(page.get_data(as_text=True), "run-form")
    assert values["area_code"] == bureau.jurisdiction_code
    assert (values["weights_distance"], values["weights_price"]) == ("50", "10")

    started = start_run(client)
    assert started.status_code == 302, started.get_data(as_text=True)
    run = db.session.scalar(select(MatchingRun))
    assert started.headers["Location"].endswith(f"/matching/runs/{run.id}")

    page = client.get(f"/matching/runs/{run.id}")
    assert page.status_code == 200
    words = text(page)
    assert "Succeeded" in words and "The run has finished." in words
    counts = section(page, "run-counts")
    assert "Open needs 3" in counts and "Matched 1" in counts and "Unmatched 2" in counts
    # The match: the emergency took the one place, and why.
    matches = section(page, "matches")
    assert "居家照护服务" in matches and "南通市慈善总会" in matches
    assert "The service covers the household's area through 和平桥街道." in matches
    assert "It serves any need of the dimension Care." in matches
    assert "It is open to any household, whatever its assistance category." in matches
    assert "It is for 60 years and over; the member concerned is 66." in matches
    assert "The household consented to share its case with non-government providers." in matches
    assert "It had 1 place left." in matches
    assert "Provider's record" in matches and "Distance" in matches
    # The greedy reference beside the optimum.
    assert "The optimum serves as many needs as the greedy reference." in section(page, "greedy")
    # What to buy next, and where: by street, dimension and reason.
    summary = section(page, "unmatched-summary")
    assert "和平桥街道 Care 1 places taken by more urgent or closer needs" in summary
    assert "和平桥街道 Legal 1 no service of this need in the area" in summary

    # The summary's row leads to the needs it counts.
    link = re.search(r'href="([^"]*/unmatched\?[^"]*reason=capacity_taken[^"]*)"', page.text)
    listed = client.get(html.unescape(link.group(1)))
    assert listed.status_code == 200
    rows = section(listed, "unmatched")
    assert "places taken by more urgent or closer needs" in rows
    assert "1 service of this need covers the area" in rows
    assert "no service of this need in the area" not in rows
    everything = text(client.get(f"/matching/runs/{run.id}/unmatched"))
    assert "no service of this need in the area" in everything
    assert "0 services of this need cover the area" in everything

    # The run is listed, with what it found.
    listed = section(client.get("/matching/"), "runs")
    assert "Batch run" in listed and "南通市" in listed and "Succeeded" in listed


def test_a_weight_out_of_range_is_refused_on_its_field(client, english, bureau, scene):
    refused = start_run(client, weights_distance="101")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'data-field="weights_distance">a weight from 0 to 100<', page)
    assert db.session.scalar(select(MatchingRun)) is None


def test_an_area_outside_the_jurisdiction_is_refused_on_its_field(client, english, scene):
    refused = start_run(client, area_code="360202")  # 昌江区, Jingdezhen
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(
        r'data-field="area_code">outside your organisation(&#39;|\')s jurisdiction<', page
    )
    assert db.session.scalar(select(MatchingRun)) is None


def test_a_second_run_for_an_area_under_way_is_a_conflict(client, english, bureau, scene):
    queued = MatchingRun(
        tenant_id=bureau.id, mode=RunMode.batch, area_code=STREET,
        status=RunStatus.queued, weights={},
    )  # fmt: skip
    db.session.add(queued)
    db.session.commit()
    refused = start_run(client, area_code=STREET)
    assert refused.status_code == 409
    assert re.search(
        r'data-field="area_code">a matching run for this area is already under way<',
        refused.get_data(as_text=True),
    )
    # Another area is free to run.
    assert start_run(client, area_code=NORTH).status_code == 302
    page = text(client.get("/matching/"))
    assert "Queued" in page and "和平桥街道" in page


def test_a_needs_page_shows_its_referral_and_matches_it_now(client, english, bureau, scene):
    start_run(client)
    page = client.get(f"/matching/needs/{scene['urgent'].id}")
    assert page.status_code == 200
    referral = section(page, "referral")
    assert "Matched to 居家照护服务" in referral and "Proposed" in referral
    assert "The service covers the household's area through 和平桥街道." in referral
    assert "Match now" not in text(page)  # it has an active referral
    # Matching a need already referred is refused, and says why.
    refused = client.post(f"/matching/needs/{scene['urgent'].id}/match")
    assert refused.status_code == 409
    assert "the need already has an active referral" in text(refused)

    # The routine need was left without; a new place lets "match now" serve it.
    page = client.get(f"/matching/needs/{scene['routine'].id}")
    assert "places taken by more urgent or closer needs" in section(page, "unmatched")
    assert "Match now" in text(page)
    published(make_tenant(TenantType.charity, name="崇川区助老服务社"), name="助老上门服务")
    matched = client.post(f"/matching/needs/{scene['routine'].id}/match", follow_redirects=True)
    assert matched.status_code == 200
    words = text(matched)
    assert "Matched to 助老上门服务 (崇川区助老服务社)." in words
    assert "Matched to 助老上门服务" in section(matched, "referral")
    instant = db.session.scalar(select(Referral).where(Referral.need_id == scene["routine"].id))
    assert instant.service.name == "助老上门服务"

    # Nothing serves legal needs: "match now" says so.
    unmatched = client.post(f"/matching/needs/{scene['legal'].id}/match", follow_redirects=True)
    assert "Not matched: no service of this need in the area." in text(unmatched)


def test_the_household_page_links_each_open_need_to_its_matching(client, english, scene):
    household_id = scene["urgent"].household_id
    page = client.get(f"/households/{household_id}").get_data(as_text=True)
    assert f'href="/matching/needs/{scene["urgent"].id}"' in page


def test_a_preview_shows_how_many_more_needs_more_places_serve(client, english, scene):
    page = client.get("/matching/preview")
    assert page.status_code == 200
    values = form_values(page.get_data(as_text=True), "preview-form")
    assert "居家照护服务 · 南通市慈善总会" in page.get_data(as_text=True)
    values.update(
        add_places_0_service_id=str(scene["service"].id), add_places_0_places="1",
        add_services_0_dimension="legal", add_services_0_area_code=STREET,
        add_services_0_places="5",
    )  # fmt: skip
    shown = client.post("/matching/preview", data=values)
    assert shown.status_code == 200, shown.get_data(as_text=True)
    result = section(shown, "preview-result")
    assert "2 more needs served" in result
    assert "Now 3 1 0 0 1" in result and "With more 1 0 2 3" in result
    assert "Care 2 1 2" in result and "Legal 1 0 1" in result
    assert "居家照护服务 1 1 2" in result
    assert "A new Legal service in 和平桥街道 5 0 1" in result
    assert db.session.scalar(select(MatchingRun)) is None  # nothing written


def test_a_preview_puts_its_refusals_on_the_rows(client, english, scene):
    values = form_values(client.get("/matching/preview").get_data(as_text=True), "preview-form")
    nothing = client.post("/matching/preview", data=values)
    assert nothing.status_code == 422
    assert re.search(
        r'data-field="add_places_0_service_id">add places to a service or a service to an area<',
        nothing.get_data(as_text=True),
    )
    values.update(
        add_places_1_service_id=str(scene["service"].id), add_places_1_places="0",
        add_services_2_dimension="care", add_services_2_area_code="360202",
        add_services_2_places="3",
    )  # fmt: skip
    refused = client.post("/matching/preview", data=values)
    assert refused.status_code == 422
    assert re.search(
        r'data-field="add_places_1_places">from 1 to 100,000 places<',
        refused.get_data(as_text=True),
    )
    values["add_places_1_places"] = "2"
    refused = client.post("/matching/preview", data=values)
    assert refused.status_code == 422
    assert re.search(
        r'data-field="add_services_2_area_code">outside your organisation',
        refused.get_data(as_text=True),
    )


def test_a_monitor_reads_the_runs_but_does_not_start_one(client, bureau, scene):
    sign_in(client, make_user(bureau, Role.caseworker))
    start_run(client)
    run = db.session.scalar(select(MatchingRun))
    sign_in(client, make_user(bureau, Role.monitor))
    client.post("/language/en")
    page = client.get("/matching/")
    assert page.status_code == 200
    assert "Start a run" not in text(page) and 'id="run-form"' not in page.get_data(as_text=True)
    assert "Batch run" in section(page, "runs")
    assert "居家照护服务" in section(client.get(f"/matching/runs/{run.id}"), "matches")
    assert "Matching runs: matches with why" in text(client.get("/bureau/"))
    assert client.post("/matching/", data={}).status_code == 403
    assert client.get("/matching/preview").status_code == 403
    assert client.post(f"/matching/needs/{scene['routine'].id}/match").status_code == 403
    assert "Match now" not in text(client.get(f"/matching/needs/{scene['routine'].id}"))


def test_a_charity_has_no_matching_pages(client, charity):
    sign_in(client, make_user(charity, Role.admin))
    assert client.get("/matching/").status_code == 404
    assert "/matching/" not in client.get("/charity/").get_data(as_text=True)
