"""Providers publish services into the pool; only the owner edits; bad input is named."""

import pytest
from sqlalchemy import func, select

from aidbridge.clock import local_today
from aidbridge.pool.models import Service, ServiceArea

from factories import bearer, make_service, make_tenant, make_token, make_user

SERVICE = {
    "name": "困境儿童学业辅导",
    "description": "社工为低保家庭学龄儿童提供每周两次学业辅导和亲情陪伴",
    "dimension": "education",
    "subcategory": "education.tutoring",
    "target_groups": ["minors"],
    "categories": ["dibao", "low_income"],
    "min_age": 6,
    "max_age": 15,
    "areas": ["320613001", "320613002"],
    "locations": [
        {
            "name": "和平桥社工站",
            "area_code": "320613001001",
            "address": "和平路1号",
            "latitude": 32.0123456,
            "longitude": 120.8654321,
        }
    ],
    "schedules": [{"byday": ["SA", "SU"], "opens_at": "09:00", "closes_at": "11:30"}],
    "capacity": {"unit": "人", "period": "month", "per_period": 30, "available": 12},
    "funding": "charity_funded",
}


@pytest.fixture
def charity(db):
    tenant = make_tenant("charity", jurisdiction="320600")
    return tenant, bearer(make_token(make_user(tenant, "caseworker")))


def test_a_charity_publishes_a_service_covering_two_streets(client, db, charity):
    _tenant, headers = charity
    created = client.post("/api/v1/services", json=SERVICE, headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "draft" and body["areas"] == ["320613001", "320613002"]
    assert body["locations"][0]["latitude"] == "32.012346"
    assert body["schedules"][0]["byday"] == ["SA", "SU"]
    assert body["capacity"] == {
        "unit": "人",
        "period": "month",
        "per_period": 30,
        "available": 12,
        "updated_at": body["capacity"]["updated_at"],
    }
    published = client.put(
        f"/api/v1/services/{body['id']}/status", json={"status": "published"}, headers=headers
    )
    assert published.status_code == 200 and published.json["status"] == "published"
    assert published.json["assured_date"] == local_today().isoformat()


def test_published_services_are_seen_by_the_pool_and_drafts_are_not(client, db, charity):
    tenant, _headers = charity
    draft = make_service(tenant, name="草稿服务")
    live = make_service(
        tenant,
        name="已发布服务",
        status="published",
        areas=["320613001"],
        locations=[
            {
                "name": "站点",
                "area_code": "320613001001",
                "address": "路1号",
                "latitude": None,
                "longitude": None,
            }
        ],
    )
    bureau = bearer(make_token(make_user(make_tenant("bureau"))))
    assert client.get(f"/api/v1/pool/services/{draft.id}", headers=bureau).status_code == 404
    seen = client.get(f"/api/v1/pool/services/{live.id}", headers=bureau)
    assert seen.status_code == 200
    # Its coverage and locations come along, though they belong to another tenant.
    assert seen.json["areas"] == ["320613001"] and seen.json["locations"][0]["name"] == "站点"
    page = client.get("/api/v1/pool/services", headers=bureau).json
    assert [s["name"] for s in page["items"]] == ["已发布服务"]
    assert page["total"] == 1  # counted across tenants, as it is read


def test_another_pool_sees_nothing(client, db, charity):
    tenant, _headers = charity
    live = make_service(tenant, status="published")
    changjiang = make_tenant("bureau", jurisdiction="360202", policy_pack="changjiang")
    headers = bearer(make_token(make_user(changjiang)))
    assert client.get(f"/api/v1/pool/services/{live.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/pool/services", headers=headers).json["total"] == 0


def test_paused_services_and_suspended_providers_leave_the_pool(client, db, charity):
    tenant, headers = charity
    live = make_service(tenant, status="published")
    bureau = bearer(make_token(make_user(make_tenant("bureau"))))
    client.put(f"/api/v1/services/{live.id}/status", json={"status": "paused"}, headers=headers)
    assert client.get(f"/api/v1/pool/services/{live.id}", headers=bureau).status_code == 404
    client.put(f"/api/v1/services/{live.id}/status", json={"status": "published"}, headers=headers)
    assert client.get(f"/api/v1/pool/services/{live.id}", headers=bureau).status_code == 200
    tenant.status = "suspended"
    db.session.commit()
    assert client.get(f"/api/v1/pool/services/{live.id}", headers=bureau).status_code == 404


def test_only_the_owner_edits(client, db, charity):
    tenant, _headers = charity
    live = make_service(tenant, status="published")
    other = bearer(make_token(make_user(make_tenant("agency"))))
    response = client.patch(f"/api/v1/services/{live.id}", json={"name": "改名"}, headers=other)
    assert response.status_code == 404
    db.session.expire_all()
    assert live.name != "改名"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dimension": "astrology"}, "dimension"),
        ({"subcategory": "care.day_care"}, "subcategory"),
        ({"areas": ["320613999"]}, "areas.0"),
        ({"areas": ["320613001", "360202001"]}, "areas.1"),
        ({"areas": []}, "areas"),
        (
            {"capacity": {"unit": "人", "period": "month", "per_period": -1, "available": 0}},
            "capacity.per_period",
        ),
        (
            {"capacity": {"unit": "人", "period": "month", "per_period": 5, "available": 9}},
            "capacity.available",
        ),
        ({"min_age": 16, "max_age": 6}, "max_age"),
        (
            {"locations": [{"name": "x", "area_code": "310105001001", "address": "y"}]},
            "locations.0.area_code",
        ),
        ({"schedules": [{"opens_at": "12:00", "closes_at": "08:00"}]}, "schedules.0.closes_at"),
        ({"project_id": 999}, "project_id"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(client, db, charity, change, field):
    _tenant, headers = charity
    before = db.session.scalar(select(func.count(Service.id)))
    response = client.post("/api/v1/services", json={**SERVICE, **change}, headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert db.session.scalar(select(func.count(Service.id))) == before
    assert db.session.scalar(select(func.count()).select_from(ServiceArea)) == 0


def test_status_changes_follow_the_life_cycle(client, db, charity):
    tenant, headers = charity
    service = make_service(tenant)
    url = f"/api/v1/services/{service.id}/status"
    assert client.put(url, json={"status": "paused"}, headers=headers).status_code == 422
    assert client.put(url, json={"status": "retired"}, headers=headers).status_code == 200
    again = client.put(url, json={"status": "published"}, headers=headers)
    assert again.status_code == 422 and "status" in again.json["errors"]
    edit = client.patch(f"/api/v1/services/{service.id}", json={"name": "x"}, headers=headers)
    assert edit.status_code == 422


def test_capacity_and_verification(client, db, charity):
    tenant, headers = charity
    service = make_service(tenant, status="published")
    url = f"/api/v1/services/{service.id}/capacity"
    response = client.put(url, json={"available": 3}, headers=headers)
    assert response.status_code == 200 and response.json["capacity"]["available"] == 3
    too_many = client.put(url, json={"available": 21}, headers=headers)
    assert too_many.status_code == 422 and "available" in too_many.json["errors"]
    absurd = client.put(url, json={"available": 3, "per_period": 10**8}, headers=headers)
    assert absurd.json["errors"]["per_period"] == ["须在 0 与 10000000 之间。"]
    service.assured_date = None
    db.session.commit()
    verified = client.post(f"/api/v1/services/{service.id}/verification", headers=headers)
    assert verified.json["assured_date"] == local_today().isoformat()


def test_partial_change_keeps_the_rest_and_reindexes(client, db, charity):
    tenant, headers = charity
    service = make_service(tenant, status="published", areas=["320613001"])
    response = client.patch(
        f"/api/v1/services/{service.id}", json={"name": "日间照护中心"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json["areas"] == ["320613001"] and response.json["dimension"] == "care"
    bureau = bearer(make_token(make_user(make_tenant("bureau"))))
    found = client.get("/api/v1/pool/services?q=照护", headers=bureau).json["items"]
    assert [s["id"] for s in found] == [service.id]
