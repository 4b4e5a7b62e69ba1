"""Providers manage services and projects in the pages; every tenant searches the pool."""

import io
import json
import re
from datetime import timedelta

from sqlalchemy import select

from aidbridge.clock import local_today
from aidbridge.pool.models import Project, Service

from factories import make_service, make_tenant, make_user, sign_in

FORM = {
    "name": "困境儿童学业辅导",
    "description": "每周两次学业辅导",
    "dimension": "education",
    "subcategory": "education.tutoring",
    "target_groups": ["minors"],
    "categories": ["dibao"],
    "min_age": "6",
    "max_age": "15",
    "areas": ["320613001", "320613002"],
    "capacity_unit": "人",
    "capacity_period": "month",
    "capacity_per_period": "30",
    "capacity_available": "12",
    "funding": "charity_funded",
    "project_id": "",
    "locations_0_name": "和平桥社工站",
    "locations_0_area_code": "320613001001",
    "locations_0_address": "和平路1号",
    "schedules_0_byday": ["SA"],
    "schedules_0_opens_at": "09:00",
    "schedules_0_closes_at": "11:00",
}


def _errors(page) -> dict:
    return dict(re.findall(r'data-field="(\w+)">([^<]+)<', page.text))


def test_provider_creates_and_publishes_a_service_in_the_pages(client, db):
    charity = make_tenant("charity")
    sign_in(client, make_user(charity))
    assert client.get("/provider/services/new").status_code == 200
    response = client.post("/provider/services/new", data=FORM)
    assert response.status_code == 302, _errors(response)
    service = db.session.scalars(select(Service)).one()
    assert [a.area_code for a in service.areas] == ["320613001", "320613002"]
    assert service.locations[0].name == "和平桥社工站" and service.schedules[0].byday == "SA"
    client.post(f"/provider/services/{service.id}/status", data={"status": "published"})
    db.session.expire_all()
    assert service.status == "published"
    listing = client.get("/provider/services").text
    assert "困境儿童学业辅导" in listing and "已发布" in listing


def test_blank_optional_fields_of_a_service_are_none_not_bad_numbers(client, db):
    # A browser sends every field it shows; the ones left empty come as "".
    blanks = ("min_age", "max_age", "locations_0_latitude", "locations_0_longitude")
    sign_in(client, make_user(make_tenant("charity")))
    response = client.post("/provider/services/new", data={**FORM, **dict.fromkeys(blanks, "")})
    assert response.status_code == 302, _errors(response)
    service = db.session.scalars(select(Service)).one()
    assert service.min_age is None and service.locations[0].latitude is None
    page = client.post("/provider/services/new", data={**FORM, "capacity_per_period": ""})
    assert page.status_code == 422 and "capacity_per_period" in _errors(page)


def test_service_form_errors_are_named(client, db):
    sign_in(client, make_user(make_tenant("charity")))
    bad = {**FORM, "max_age": "3", "capacity_available": "99", "areas": ["360202001"]}
    page = client.post("/provider/services/new", data=bad)
    assert page.status_code == 422
    errors = _errors(page)
    assert {"max_age", "capacity_available"} <= set(errors)
    assert db.session.scalars(select(Service)).first() is None
    page = client.post("/provider/services/new", data={**FORM, "areas": ["360202001"]})
    assert page.status_code == 422 and "areas" in _errors(page)


def test_bureau_finds_services_with_the_search_page(client, db):
    charity = make_tenant("charity")
    wanted = make_service(
        charity,
        status="published",
        name="学业辅导站",
        dimension="education",
        subcategory="education.tutoring",
        areas=["320613001"],
    )
    other = make_service(charity, status="published", name="上门访视", areas=["320613002"])
    sign_in(client, make_user(make_tenant("bureau")))
    page = client.get("/pool/?dimension=education&area=320613001001&q=辅导")
    assert page.status_code == 200
    assert f'/pool/services/{wanted.id}"' in page.text
    assert f'/pool/services/{other.id}"' not in page.text
    detail = client.get(f"/pool/services/{wanted.id}")
    assert detail.status_code == 200 and "和平桥街道" in detail.text
    bad = client.get("/pool/?age=-4")
    assert bad.status_code == 422 and 'data-field="age"' in bad.text


def test_stale_listings_are_flagged_to_their_owner(app, client, db):
    charity = make_tenant("charity")
    service = make_service(charity, status="published")
    days = app.config["POOL_STALE_AFTER_DAYS"]
    service.assured_date = local_today() - timedelta(days=days + 1)
    db.session.commit()
    sign_in(client, make_user(charity))
    assert "需要核实" in client.get("/provider/services").text
    client.post(f"/provider/services/{service.id}/verification")
    assert "需要核实" not in client.get("/provider/services").text


def test_charity_projects_in_the_pages(client, db):
    charity = make_tenant("charity")
    sign_in(client, make_user(charity))
    response = client.post(
        "/provider/projects/new",
        data={
            "title": "助学计划",
            "aims": "资助困境学生",
            "dimensions": ["education"],
            "target_groups": ["minors"],
            "areas": ["320613001"],
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "funding_target_yuan": "100000.00",
            "funds_raised_yuan": "25000.50",
        },
    )
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert project.funding_target_fen == 10_000_000 and project.funds_raised_fen == 2_500_050
    client.post(f"/provider/projects/{project.id}/status", data={"status": "active"})
    sign_in(client, make_user(make_tenant("bureau")))
    listing = client.get("/pool/projects?dimension=education").text
    assert "助学计划" in listing and "¥25,000.50" in listing
    assert client.get(f"/pool/projects/{project.id}").status_code == 200
    refused = client.get("/pool/projects?dimension=Education!")
    assert refused.status_code == 422
    assert 'data-field="dimension">' in refused.text and "助学计划" not in refused.text


def test_project_pages_are_for_charities_only(client, db):
    sign_in(client, make_user(make_tenant("agency", jurisdiction="320613")))
    assert client.get("/provider/projects").status_code == 404
    assert client.get("/provider/services").status_code == 200


def test_bad_project_dates_are_named(client, db):
    sign_in(client, make_user(make_tenant("charity")))
    page = client.post(
        "/provider/projects/new",
        data={
            "title": "x",
            "dimensions": ["education"],
            "areas": ["320613001"],
            "starts_on": "2026-05-01",
            "ends_on": "2026-01-01",
            "funding_target_yuan": "-5",
        },
    )
    assert page.status_code == 422
    assert {"ends_on", "funding_target_yuan"} <= set(_errors(page))


def test_provider_imports_hsds_in_the_pages(client, db, shared):
    from conftest import SHARED

    example = SHARED / "hsds/examples/service_full.json"
    sign_in(client, make_user(make_tenant("charity")))
    page = client.post(
        "/provider/services/import",
        data={"file": (io.BytesIO(example.read_bytes()), "service_full.json")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "1 项新建" in page.text
    assert db.session.scalars(select(Service)).one().name == "Community Counselling"
    bad = client.post(
        "/provider/services/import",
        data={"file": (io.BytesIO(b"{nope"), "x.json")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and 'data-field="file"' in bad.text


def test_an_import_refusal_is_shown_by_field_and_reason(client, db):
    sign_in(client, make_user(make_tenant("charity")))
    document = {"id": "9f1c2b3a-1d2e-4f5a-8b9c-0d1e2f3a4b5c", "name": "心理疏导"}
    document["minimum_age"] = "twelve"
    page = client.post(
        "/provider/services/import",
        data={"file": (io.BytesIO(json.dumps(document).encode()), "service.json")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "1 项被拒绝" in page.text
    row = re.search(r"<code>\$</code>.*?</tr>", page.text, re.S).group(0)
    assert "<code>min_age</code>" in row and "请输入整数。" in row


def test_the_area_filter_lists_the_pools_areas_by_level(client, db):
    sign_in(client, make_user(make_tenant("bureau")))
    page = client.get("/pool/").text
    assert '<option value="320613">崇川区</option>' in page
    assert '<option value="320613001">　和平桥街道</option>' in page
    assert '<option value="320613001001">　　北大街社区</option>' in page
    assert 'value="360202"' not in page  # another pool's district


def test_capacity_is_updated_inline_and_a_bad_value_says_why_once(client, db):
    charity = make_tenant("charity")
    sign_in(client, make_user(charity))
    service = make_service(charity, status="published")
    url = f"/provider/services/{service.id}/capacity"
    client.post(url, data={"available": "5"})
    db.session.expire_all()
    assert service.capacity_available == 5
    page = client.post(url, data={"available": "很多"}, follow_redirects=True).text
    assert page.count("请输入整数。") == 1
    db.session.expire_all()
    assert service.capacity_available == 5
