"""Exporting the pool as HSDS 3.0: the JSON package and the tabular CSV package, every
record valid against its schema in ../shared/hsds/schema/."""

import csv
import io
import json
import zipfile

import pytest
from pool.test_hsds_documents import HSDS, _errors, _validator

from aidbridge.pool import hsds

from factories import bearer, make_service, make_tenant, make_token, make_user

# Our tables and the HSDS schema each record follows.
SCHEMAS = {
    "organizations": "organization.json",
    "organization_identifiers": "organization_identifier.json",
    "services": "service.json",
    "service_areas": "service_area.json",
    "locations": "location.json",
    "addresses": "address.json",
    "service_at_locations": "service_at_location.json",
    "schedules": "schedule.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
    "attributes": "attribute.json",
}


@pytest.fixture
def exported(client, db, shared):
    agency = make_tenant("agency", jurisdiction="320613")
    charity = make_tenant("charity")
    make_service(
        agency,
        status="published",
        name="上门访视",
        min_age=60,
        locations=[
            {
                "name": "社工站",
                "area_code": "320613001001",
                "address": "路1号",
                "latitude": None,
                "longitude": None,
            }
        ],
        schedules=[{"byday": "MO", "opens_at": None, "closes_at": None, "description": ""}],
    )
    make_service(
        charity,
        status="published",
        name="学业辅导",
        dimension="education",
        subcategory="education.tutoring",
    )
    make_service(charity, name="草稿不导出")
    headers = bearer(make_token(make_user(make_tenant("bureau"))))
    return agency, charity, headers


def _typed(row: dict, schema: dict) -> dict:
    """A CSV row as the schema's types: an empty cell is an empty string, or no value
    for a number."""
    typed = {}
    for key, value in row.items():
        kind = schema["properties"][key].get("type")
        if kind in ("integer", "number"):
            if value != "":
                typed[key] = int(value) if kind == "integer" else float(value)
        elif value != "" or key in schema.get("required", []):
            typed[key] = value
    return typed


def test_json_package_validates_table_by_table(client, exported):
    *_rest, headers = exported
    package = client.get("/api/v1/pool/export/hsds", headers=headers).json
    assert set(package) == set(SCHEMAS)
    assert {s["name"] for s in package["services"]} == {"上门访视", "学业辅导"}
    assert len(package["organizations"]) == 2 and len(package["taxonomy_terms"]) == 36
    for table, schema in SCHEMAS.items():
        validator = _validator(schema)
        for record in package[table]:
            assert _errors(validator, record) == [], (table, record)
    # Links hold together.
    service_ids = {s["id"] for s in package["services"]}
    assert {a["link_id"] for a in package["attributes"]} <= service_ids
    assert {o["id"] for o in package["organizations"]} == {
        s["organization_id"] for s in package["services"]
    }


def test_one_providers_part(client, exported):
    agency, _charity, headers = exported
    package = client.get(f"/api/v1/pool/export/hsds?provider={agency.id}", headers=headers).json
    assert [s["name"] for s in package["services"]] == ["上门访视"]
    assert [o["id"] for o in package["organizations"]] == [hsds.organization_id(agency)]


def test_csv_package_validates_row_by_row(client, exported):
    *_rest, headers = exported
    response = client.get("/api/v1/pool/export/hsds.zip", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    datapackage = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in datapackage["resources"]} == set(archive.namelist()) - {
        "datapackage.json"
    }
    for resource in datapackage["resources"]:
        schema_name = SCHEMAS[resource["name"]]
        schema = json.loads((HSDS / schema_name).read_text(encoding="utf-8"))
        validator = _validator(schema_name)
        rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
        for row in rows:
            assert _errors(validator, _typed(row, schema)) == [], (resource["name"], row)
    services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode("utf-8"))))
    assert {r["name"] for r in services} == {"上门访视", "学业辅导"}
    assert next(r for r in services if r["name"] == "上门访视")["minimum_age"] == "60"
