"""Importing HSDS 3.0: the shared examples import cleanly, imports are idempotent,
refusals are reported record by record, an unreadable file changes nothing."""

import io
import json
import uuid
import zipfile

import pytest
from pool.statements import reads_of, recorded_statements
from pool.test_hsds_documents import HSDS
from sqlalchemy import func, select

from aidbridge.pool.models import Service

from factories import bearer, make_service, make_tenant, make_token, make_user

EXAMPLES = HSDS.parent / "examples"
AGE_ZH = "年龄应在 0 至 150 之间"


@pytest.fixture
def provider(db, shared):
    tenant = make_tenant("charity")
    return tenant, bearer(make_token(make_user(tenant)))


def _import(client, headers, body: bytes, media="application/json"):
    return client.post(
        "/api/v1/services/import", data=body, headers={**headers, "Content-Type": media}
    )


def _zip_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    return buffer.getvalue()


def test_the_shared_examples_import_cleanly(client, db, provider):
    tenant, headers = provider
    single = _import(client, headers, (EXAMPLES / "service_full.json").read_bytes())
    assert single.status_code == 200, single.json
    assert single.json["rejected"] == [] and len(single.json["created"]) == 1
    service = db.session.scalars(select(Service)).one()
    assert service.name == "Community Counselling" and service.dimension_code == "psychological"
    assert service.status == "draft" and service.capacity_per_period == 0
    assert [a.area_code for a in service.areas] == [tenant.jurisdiction_code]
    assert service.min_age == 12

    page = _import(client, headers, (EXAMPLES / "service_list.json").read_bytes()).json
    assert page["rejected"] == []
    tabular = _import(client, headers, _zip_folder(EXAMPLES / "csv"), "application/zip").json
    assert tabular["rejected"] == []
    assert len(tabular["created"]) + len(tabular["unchanged"]) + len(tabular["updated"]) >= 1


def test_importing_twice_changes_nothing(client, db, provider):
    _tenant, headers = provider
    body = (EXAMPLES / "service_full.json").read_bytes()
    first = _import(client, headers, body).json
    again = _import(client, headers, body).json
    assert again["created"] == [] and again["updated"] == []
    assert again["unchanged"] == first["created"]
    assert db.session.scalar(select(func.count(Service.id))) == 1


def test_a_providers_own_export_round_trips_unchanged(client, db, provider):
    tenant, headers = provider
    for name in ("学业辅导", "亲情陪伴"):
        make_service(
            tenant,
            status="published",
            name=name,
            dimension="education",
            subcategory="education.tutoring",
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
    package = client.get(f"/api/v1/pool/export/hsds?provider={tenant.id}", headers=headers)
    report = _import(client, headers, package.data).json
    assert report["rejected"] == [] and report["created"] == [] and report["updated"] == []
    assert len(report["unchanged"]) == 2
    archive = client.get(f"/api/v1/pool/export/hsds.zip?provider={tenant.id}", headers=headers)
    report = _import(client, headers, archive.data, "application/zip").json
    assert report["rejected"] == [] and len(report["unchanged"]) == 2


def test_changes_update_and_refusals_are_reported(client, db, provider):
    tenant, headers = provider
    mine = make_service(tenant, name="旧名称")
    theirs = make_service(make_tenant("agency", jurisdiction="320613"), name="别人的服务")
    documents = {
        "contents": [
            {"id": mine.hsds_id, "name": "新名称", "status": "active", "description": "上门访视"},
            {"id": theirs.hsds_id, "name": "抢占", "status": "active", "description": "照料"},
            {"id": "not-a-uuid", "name": "x", "status": "active"},
            {"id": "6f1c2b3a-1d2e-4f5a-8b9c-0d1e2f3a4b5c", "name": "无法归类", "status": "active"},
            {
                "id": "7f1c2b3a-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
                "name": "长宁的服务",
                "status": "active",
                "description": "心理疏导",
                "service_areas": [
                    {
                        "id": "8f1c2b3a-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
                        "extent": "310105001",
                        "extent_type": "text",
                    }
                ],
            },
        ]
    }
    report = _import(client, headers, json.dumps(documents).encode(), "application/json").json
    assert report["updated"] == [mine.hsds_id]
    errors = {r["where"]: r["errors"] for r in report["rejected"]}
    assert set(errors) == {"contents[1]", "contents[2]", "contents[3]", "contents[4]"}
    # Each reason under its field, in the caller's language.
    assert {where: set(e) for where, e in errors.items()} == {
        "contents[1]": {"id"},
        "contents[2]": {"id"},
        "contents[3]": {"dimension"},
        "contents[4]": {"areas"},
    }
    assert "其他机构" in errors["contents[1]"]["id"][0]
    db.session.expire_all()
    assert mine.name == "新名称" and theirs.name == "别人的服务"


def test_schema_refusals_name_their_field_and_translate(client, db, provider):
    _tenant, headers = provider
    document = {
        "id": "9f1c2b3a-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
        "name": "心理疏导",
        "status": "active",
        "minimum_age": "twelve",
        "maximum_age": 200,
    }
    body = json.dumps({"contents": [document]}).encode()
    report = _import(client, headers, body).json
    [rejected] = report["rejected"]
    assert rejected["where"] == "contents[0]"
    assert rejected["errors"] == {"min_age": ["请输入整数。"], "max_age": [AGE_ZH]}
    english = _import(client, {**headers, "Accept-Language": "en"}, body).json
    assert english["rejected"][0]["errors"]["min_age"] == ["Not a valid integer."]


def test_an_import_reads_its_areas_once_however_many_documents(client, db, provider):
    _tenant, headers = provider

    def area_reads(streets: list[str]) -> int:
        documents = [
            {
                "id": str(uuid.uuid4()),
                "name": f"心理疏导{street}",
                "description": "心理疏导",
                "service_areas": [{"id": str(uuid.uuid4()), "extent": street}],
                "service_at_locations": [
                    {"location": {"name": "站点", "addresses": [{"address_1": "路1号"}]}}
                ],
            }
            for street in streets
        ]
        body = json.dumps({"contents": documents}).encode()
        with recorded_statements(db.engine) as statements:
            report = _import(client, headers, body).json
        assert report["rejected"] == [] and len(report["created"]) == len(streets)
        return len(reads_of("area", statements))

    area_reads(["320613001"])  # the first call of a token also records its use
    one = area_reads(["320613001"])
    many = area_reads(["320613001", "320613002", "320613003", "320613001", "320613002"])
    assert many == one


@pytest.mark.parametrize("body", [b"", b"{not json", b"PK\x03\x04 broken zip", b"[1, 2]"])
def test_unreadable_files_change_nothing(client, db, provider, body):
    _tenant, headers = provider
    response = _import(client, headers, body)
    assert response.status_code == 422 and "file" in response.json["errors"]
    assert db.session.scalar(select(func.count(Service.id))) == 0
