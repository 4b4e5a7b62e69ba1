"""Pool objects as Open Referral HSDS 3.0 documents, validated against the schemas in
../shared/hsds/ (used from there, never copied)."""

import json
import uuid

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from aidbridge.pool import hsds
from aidbridge.pool.models import TaxonomyTerm

from conftest import SHARED
from factories import make_service, make_tenant

HSDS = SHARED / "hsds" / "schema"


def _registry() -> Registry:
    """The schemas refer to each other by file name (organization_identifier.json…)."""
    resources = [
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
            ),
        )
        for path in HSDS.glob("*.json")
    ]
    return Registry().with_resources(resources)


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((HSDS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def full_service(db, shared):
    provider = make_tenant("agency", name="崇川区启航社会工作服务中心", jurisdiction="320613")
    service = make_service(
        provider,
        status="published",
        name="高龄老人上门访视",
        min_age=70,
        max_age=120,
        categories=frozenset({"dibao", "tekun"}),
        eligibility_notes="需本人或家属申请",
        areas=["320613001", "320613002"],
        locations=[
            {
                "name": "和平桥社工站",
                "area_code": "320613001001",
                "address": "人民中路88号",
                "latitude": None,
                "longitude": None,
            }
        ],
        schedules=[
            {"byday": "MO,WE", "opens_at": None, "closes_at": None, "description": "工作日上午"}
        ],
    )
    return service, provider


def test_service_document_validates_and_carries_our_data(db, full_service):
    service, provider = full_service
    document = hsds.service(service, provider, hsds.areas_for([service]))
    assert _errors(_validator("compiled/service.json"), document) == []
    assert document["id"] == service.hsds_id and document["status"] == "active"
    assert document["organization"]["organization_identifiers"][0]["identifier"] == (
        provider.credit_code
    )
    assert [a["extent"] for a in document["service_areas"]] == ["320613001", "320613002"]
    address = document["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["city"], address["state_province"], address["region"]) == (
        "南通市",
        "江苏省",
        "崇川区",
    )
    assert document["schedules"][0]["byday"] == "MO,WE"
    codes = [a["taxonomy_term"]["code"] for a in document["attributes"]]
    assert codes == ["care", "care.home_visit"]
    assert "dibao" in document["eligibility_description"]
    assert (document["minimum_age"], document["maximum_age"]) == (70, 120)


def test_organization_and_taxonomy_documents_validate(db, full_service):
    _service, provider = full_service
    assert _errors(_validator("organization.json"), hsds.organization(provider)) == []
    assert _errors(_validator("taxonomy.json"), hsds.taxonomy()) == []
    term_validator = _validator("taxonomy_term.json")
    for term in db.session.scalars(select(TaxonomyTerm)):
        assert _errors(term_validator, hsds.taxonomy_term(term)) == [], term.code


def test_derived_ids_are_stable_uuids(db, full_service):
    _service, provider = full_service
    first, again = hsds.organization_id(provider), hsds.organization_id(provider)
    assert first == again and uuid.UUID(first).version == 5
    assert hsds.term_id("care") != hsds.term_id("care.home_visit")


def test_statuses_map_onto_hsds(db, full_service):
    service, provider = full_service
    validator = _validator("compiled/service.json")
    for status, expected in hsds.SERVICE_STATUS.items():
        service.status = status
        document = hsds.service(service, provider, hsds.areas_for([service]))
        assert document["status"] == expected and _errors(validator, document) == []
