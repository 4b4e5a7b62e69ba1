"""Charity projects (CJ21-REF-2): charities post them, the pool browses them."""

import pytest
from sqlalchemy import func, select

from aidbridge.pool.models import Project

from factories import bearer, make_project, make_service, make_tenant, make_token, make_user

PROJECT = {
    "title": "困境儿童关爱计划",
    "aims": "学业辅导与心理陪伴",
    "dimensions": ["education", "psychological"],
    "target_groups": ["minors"],
    "areas": ["320613001", "320613002"],
    "starts_on": "2026-03-01",
    "ends_on": "2026-12-31",
    "funding_target_fen": 40_000_000,
    "funds_raised_fen": 15_000_000,
}


@pytest.fixture
def charity(db):
    tenant = make_tenant("charity")
    return tenant, bearer(make_token(make_user(tenant)))


def test_charity_publishes_a_project_with_two_services_and_a_bureau_finds_them(client, db, charity):
    tenant, headers = charity
    created = client.post("/api/v1/projects", json=PROJECT, headers=headers)
    assert created.status_code == 201, created.json
    project_id = created.json["id"]
    assert (
        client.put(
            f"/api/v1/projects/{project_id}/status", json={"status": "active"}, headers=headers
        ).status_code
        == 200
    )
    tutoring = make_service(
        tenant,
        status="published",
        name="学业辅导",
        dimension="education",
        subcategory="education.tutoring",
        areas=["320613001", "320613002"],
        project_id=project_id,
        categories=frozenset({"dibao"}),
    )
    counselling = make_service(
        tenant,
        status="published",
        name="儿童心理陪伴",
        dimension="psychological",
        subcategory="psychological.social_integration",
        areas=["320613001", "320613002"],
        project_id=project_id,
    )

    bureau = bearer(make_token(make_user(make_tenant("bureau"))))
    projects = client.get("/api/v1/pool/projects?dimension=education", headers=bureau).json
    assert [p["id"] for p in projects["items"]] == [project_id]
    detail = client.get(f"/api/v1/pool/projects/{project_id}", headers=bureau).json
    assert detail["dimensions"] == ["education", "psychological"]
    assert detail["funding_progress_percent"] == "37.5"
    assert {s["id"] for s in detail["services"]} == {tutoring.id, counselling.id}
    # …and finds the services by dimension, area and eligibility.
    found = client.get(
        "/api/v1/pool/services?dimension=education&area=320613002001&category=dibao&age=9",
        headers=bureau,
    ).json["items"]
    assert [s["id"] for s in found] == [tutoring.id]


def test_only_charities_post_projects(client, db):
    agency = bearer(make_token(make_user(make_tenant("agency", jurisdiction="320613"))))
    response = client.post(
        "/api/v1/projects", json={**PROJECT, "areas": ["320613001"]}, headers=agency
    )
    assert response.status_code == 403


def test_drafts_and_other_pools_are_not_browsed(client, db, charity):
    tenant, _headers = charity
    draft = make_project(tenant)
    bureau = bearer(make_token(make_user(make_tenant("bureau"))))
    assert client.get(f"/api/v1/pool/projects/{draft.id}", headers=bureau).status_code == 404
    active = make_project(tenant, status="active")
    elsewhere = bearer(
        make_token(
            make_user(make_tenant("bureau", jurisdiction="360202", policy_pack="changjiang"))
        )
    )
    assert client.get(f"/api/v1/pool/projects/{active.id}", headers=elsewhere).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"funding_target_fen": -1}, "funding_target_fen"),
        ({"dimensions": ["astrology"]}, "dimensions.0"),
        ({"dimensions": []}, "dimensions"),
        ({"areas": ["360202001"]}, "areas.0"),
    ],
)
def test_bad_project_input_is_named_and_nothing_written(client, db, charity, change, field):
    _tenant, headers = charity
    response = client.post("/api/v1/projects", json={**PROJECT, **change}, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_project_life_cycle(client, db, charity):
    tenant, headers = charity
    project = make_project(tenant, status="active")
    url = f"/api/v1/projects/{project.id}/status"
    assert client.put(url, json={"status": "draft"}, headers=headers).status_code == 422
    assert client.put(url, json={"status": "completed"}, headers=headers).status_code == 200
    change = client.patch(f"/api/v1/projects/{project.id}", json={"title": "x"}, headers=headers)
    assert change.status_code == 422


def test_a_service_can_join_only_its_own_tenants_project(client, db, charity):
    tenant, headers = charity
    foreign = make_project(make_tenant("charity"))
    own = make_service(tenant)
    response = client.patch(
        f"/api/v1/services/{own.id}", json={"project_id": foreign.id}, headers=headers
    )
    assert response.status_code == 422 and "project_id" in response.json["errors"]
