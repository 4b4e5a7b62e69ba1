"""Matching one need at once (an emergency, ALL-EM-2), and previewing what more
capacity would serve without writing anything."""

from __future__ import annotations

from sqlalchemy import func, select

from aidbridge.extensions import db
from aidbridge.matching.models import MatchingRun, UnmatchedNeed
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.pool.models import Service
from aidbridge.referrals.models import Referral

from matching_data import NORTH, OTHER_STREET, STREET, assessed, published


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count(m.id))) for m in (MatchingRun, Referral, UnmatchedNeed)
    )


def test_an_emergency_is_matched_at_once(api, bureau, charity):
    service = published(charity, name="急难救助", dimension="emergency", subcategory=None)
    _, (need,) = assessed(bureau, {"dimension": "emergency", "urgency": "emergency"})
    matched = api("POST", f"/needs/{need.id}/match", json={})
    assert matched.status_code == 201, matched.json
    assert matched.json["run"]["mode"] == "instant" and matched.json["run"]["status"] == "succeeded"
    assert matched.json["match"]["service_id"] == service.id
    assert matched.json["match"]["urgency"] == "emergency" and matched.json["unmatched"] is None
    assert db.session.get(Service, service.id).capacity_available == 19
    # Matched: a second instant match of the same need is refused.
    again = api("POST", f"/needs/{need.id}/match", json={})
    assert again.status_code == 409 and "need_id" in again.json["errors"]


def test_an_instant_match_with_nothing_left_says_why(api, bureau, charity):
    published(charity, places=0)
    _, (need,) = assessed(bureau, {"dimension": "care", "urgency": "emergency"})
    answer = api("POST", f"/needs/{need.id}/match", json={}).json
    assert answer["match"] is None
    assert answer["unmatched"]["reason"] == "full" and answer["unmatched"]["removed"] == {"full": 1}


def test_an_instant_match_reads_only_its_needs_services(api, bureau, charity):
    published(charity, name="他处照料", areas=[OTHER_STREET])
    near = published(charity, name="本街道照料", areas=[STREET])
    published(charity, name="法律援助", dimension="legal", subcategory=None, areas=[STREET])
    _, (need,) = assessed(bureau, {"dimension": "care"})
    answer = api("POST", f"/needs/{need.id}/match", json={}).json
    assert answer["match"]["service_id"] == near.id
    assert answer["run"]["counts"]["services"] == 1


def test_a_closed_need_is_not_matched(api, bureau, charity):
    published(charity)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    need = db.session.get(Need, need.id)
    need.status, need.closed_on = NeedStatus.closed, need.opened_on
    db.session.commit()
    refused = api("POST", f"/needs/{need.id}/match", json={})
    assert refused.status_code == 422 and "need_id" in refused.json["errors"]
    assert _counts() == (0, 0, 0)


def test_an_instant_match_takes_no_weight_out_of_range(api, bureau, charity):
    published(charity)
    _, (need,) = assessed(bureau, {"dimension": "care"})
    refused = api("POST", f"/needs/{need.id}/match", json={"weights": {"distance": 500}})
    assert refused.status_code == 422 and "weights.distance" in refused.json["errors"]
    assert _counts() == (0, 0, 0)


def test_a_preview_counts_what_more_places_would_serve(api, bureau, charity):
    service = published(charity, places=1)
    for urgency in ("routine", "routine", "priority"):
        assessed(bureau, {"dimension": "care", "urgency": urgency})
    assessed(bureau, {"dimension": "legal"})
    answer = api(
        "POST",
        "/matching/preview",
        json={
            "add_places": [{"service_id": service.id, "places": 1}],
            "add_services": [{"dimension": "legal", "area_code": STREET, "places": 5}],
        },
    )
    assert answer.status_code == 200, answer.json
    preview = answer.json
    assert preview["needs"] == 4
    assert preview["now"] == {
        "total": 1,
        "by_urgency": {"emergency": 0, "priority": 1, "routine": 0},
    }
    assert preview["with_more"]["total"] == 3 and preview["more_served"] == 2
    by_dimension = {row["dimension"]: row for row in preview["by_dimension"]}
    assert (by_dimension["care"]["now"], by_dimension["care"]["with_more"]) == (1, 2)
    assert (by_dimension["legal"]["now"], by_dimension["legal"]["with_more"]) == (0, 1)
    added, hypothetical = preview["added"]
    assert (added["service_id"], added["now"], added["with_more"]) == (service.id, 1, 2)
    assert (hypothetical["area_code"], hypothetical["with_more"]) == (STREET, 1)
    # Nothing was written: no run, no referral, the places as they were.
    assert _counts() == (0, 0, 0)
    assert db.session.get(Service, service.id).capacity_available == 1


def test_a_preview_is_refused_on_the_field_it_gets_wrong(api, bureau, charity):
    service = published(charity)
    one_more = [{"service_id": service.id, "places": 1}]
    for body, field in (
        ({}, "add_places"),
        ({"add_places": [{"service_id": 999_999, "places": 1}]}, "add_places.0.service_id"),
        ({"add_places": [{"service_id": service.id, "places": 0}]}, "add_places.0.places"),
        (
            {"add_services": [{"dimension": "care", "area_code": "360202", "places": 2}]},
            "add_services.0.area_code",
        ),
        (
            {"add_services": [{"dimension": "care", "subcategory": "legal.legal_aid",
                               "area_code": NORTH, "places": 2}]},
            "add_services.0.subcategory",
        ),
        ({"area_code": "360202", "add_places": one_more}, "area_code"),
    ):  # fmt: skip
        refused = api("POST", "/matching/preview", json=body)
        assert refused.status_code == 422 and field in refused.json["errors"], (body, refused.json)
    assert _counts() == (0, 0, 0)
