"""Open Referral HSDS 3.0 documents for the pool (../shared/hsds/).

HSDS identifies everything by UUID. Services, service areas, locations and
schedules carry their own (``hsds_id``); organizations and taxonomy terms get
stable UUIDs derived from what identifies them here (the unified social credit
code, the term code), so an export names the same things the same way every time.
Statuses map onto HSDS's vocabulary; Chinese extensions travel as attributes
(taxonomy terms of our need taxonomy) and in the descriptions.
"""

from __future__ import annotations

import uuid

from aidbridge.accounts.models import Tenant
from aidbridge.areas.models import Area
from aidbridge.pool.models import Service, ServiceStatus, TaxonomyTerm

NAMESPACE = uuid.UUID("b6f1f6a0-2f4d-5b8e-9c61-4a1d2e7c3b90")
TAXONOMY_NAME = "AidBridge need dimensions"

SERVICE_STATUS = {
    ServiceStatus.published: "active",
    ServiceStatus.paused: "temporarily closed",
    ServiceStatus.draft: "inactive",
    ServiceStatus.retired: "defunct",
}


def _derived(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def organization_id(tenant: Tenant) -> str:
    return _derived("organization", tenant.credit_code)


def taxonomy_id() -> str:
    return _derived("taxonomy", TAXONOMY_NAME)


def term_id(code: str) -> str:
    return _derived("taxonomy_term", code)


def organization(tenant: Tenant) -> dict:
    org_id = organization_id(tenant)
    return {
        "id": org_id,
        "name": tenant.name,
        "description": f"{tenant.name}（{tenant.jurisdiction.name}）",
        "organization_identifiers": [
            {
                "id": _derived("organization_identifier", tenant.credit_code),
                "organization_id": org_id,
                "identifier_scheme": "CN-USCC",
                "identifier_type": "统一社会信用代码 (GB 32100-2015)",
                "identifier": tenant.credit_code,
            }
        ],
    }


def taxonomy() -> dict:
    return {
        "id": taxonomy_id(),
        "name": TAXONOMY_NAME,
        "description": "Need dimensions and sub-categories of Chinese social assistance "
        "(material, care, psychological, employment, education, health, housing, legal, "
        "social support, emergency).",
        "version": "1",
    }


def taxonomy_term(term: TaxonomyTerm) -> dict:
    document = {
        "id": term_id(term.code),
        "code": term.code,
        "name": term.name_zh,
        "description": term.name_en,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": taxonomy_id(),
        "language": "zh",
    }
    if term.parent_code:
        document["parent_id"] = term_id(term.parent_code)
    return document


def _attribute(service: Service, term: TaxonomyTerm) -> dict:
    return {
        "id": _derived("attribute", f"{service.hsds_id}:{term.code}"),
        "link_id": service.hsds_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term_id(term.code),
        "taxonomy_term": taxonomy_term(term),
    }


def _location(service: Service, location, areas: dict[str, Area]) -> dict:
    area = areas[location.area_code]
    ancestors = [areas.get(code) for code in area.lineage]
    names = {a.level: a.name for a in ancestors if a is not None}
    document = {
        "id": location.hsds_id,
        "location_type": "physical",
        "name": location.name,
        "addresses": [
            {
                "id": _derived("address", location.hsds_id),
                "location_id": location.hsds_id,
                "address_1": location.address,
                "city": names.get("city") or names.get("province", ""),
                "region": names.get("district", ""),
                "state_province": names.get("province", ""),
                "postal_code": "",
                "country": "CN",
                "address_type": "physical",
            }
        ],
    }
    if location.latitude is not None and location.longitude is not None:
        document["latitude"] = float(location.latitude)
        document["longitude"] = float(location.longitude)
    return {
        "id": _derived("service_at_location", f"{service.hsds_id}:{location.hsds_id}"),
        "service_id": service.hsds_id,
        "location_id": location.hsds_id,
        "location": document,
    }


def _schedule(service: Service, schedule) -> dict:
    document = {
        "id": schedule.hsds_id,
        "service_id": service.hsds_id,
        "freq": "WEEKLY",
        "wkst": "MO",
        "description": schedule.description,
    }
    if schedule.byday:
        document["byday"] = schedule.byday
    if schedule.opens_at:
        document["opens_at"] = schedule.opens_at.isoformat(timespec="minutes")
    if schedule.closes_at:
        document["closes_at"] = schedule.closes_at.isoformat(timespec="minutes")
    return document


def service(service: Service, provider: Tenant, areas: dict[str, Area]) -> dict:
    """The HSDS 3.0 service document, nested as ``schema/compiled/service.json``.

    ``areas`` maps area codes to areas, including the ancestors of every location's
    area (for the address's city and province).
    """
    eligibility = [service.eligibility_notes] if service.eligibility_notes else []
    if service.categories:
        eligibility.insert(0, "救助类别：" + "、".join(sorted(service.categories)))
    document = {
        "id": service.hsds_id,
        "organization_id": organization_id(provider),
        "name": service.name,
        "description": service.description,
        "status": SERVICE_STATUS[service.status],
        "eligibility_description": "；".join(eligibility),
        "last_modified": service.updated_at.isoformat(),
        "organization": organization(provider),
        "service_areas": [
            {
                "id": sa.hsds_id,
                "service_id": service.hsds_id,
                "name": areas[sa.area_code].name,
                "description": f"行政区划代码 {sa.area_code}",
                "extent_type": "text",
                "extent": sa.area_code,
            }
            for sa in service.areas
        ],
        "schedules": [_schedule(service, s) for s in service.schedules],
        "service_at_locations": [_location(service, loc, areas) for loc in service.locations],
        "attributes": [
            _attribute(service, term)
            for term in (service.dimension, service.subcategory)
            if term is not None
        ],
    }
    if service.min_age is not None:
        document["minimum_age"] = service.min_age
    if service.max_age is not None:
        document["maximum_age"] = service.max_age
    if service.assured_date is not None:
        document["assured_date"] = service.assured_date.isoformat()
    return document


def areas_for(services: list[Service]) -> dict[str, Area]:
    """Every area a set of services' documents name, with the ancestors of locations."""
    from sqlalchemy import select

    from aidbridge.extensions import db

    codes = {sa.area_code for s in services for sa in s.areas}
    for s in services:
        for location in s.locations:
            codes.add(location.area_code)
    found = {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(codes)))}
    ancestors = {c for a in found.values() for c in a.lineage} - found.keys()
    if ancestors:
        found.update(
            {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(ancestors)))}
        )
    return found


# --- packages: one table (array, CSV file) per HSDS object ---------------------------------------

# HSDS table → its CSV file and the columns we write, in order (the schemas'
# scalar properties that we fill).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organizations": ("organizations.csv", ("id", "name", "description")),
    "organization_identifiers": (
        "organization_identifiers.csv",
        ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
    ),
    "services": (
        "services.csv",
        (
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "last_modified",
        ),
    ),
    "service_areas": (
        "service_areas.csv",
        ("id", "service_id", "name", "description", "extent", "extent_type"),
    ),
    "locations": (
        "locations.csv",
        ("id", "location_type", "name", "latitude", "longitude"),
    ),
    "addresses": (
        "addresses.csv",
        (
            "id",
            "location_id",
            "address_1",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    "service_at_locations": ("service_at_location.csv", ("id", "service_id", "location_id")),
    "schedules": (
        "schedules.csv",
        ("id", "service_id", "freq", "wkst", "byday", "opens_at", "closes_at", "description"),
    ),
    "taxonomies": ("taxonomies.csv", ("id", "name", "description", "version")),
    "taxonomy_terms": (
        "taxonomy_terms.csv",
        ("id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "language"),
    ),
    "attributes": (
        "attributes.csv",
        ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id"),
    ),
}


def package(
    services: list[Service], providers: dict[int, Tenant], terms: list[TaxonomyTerm]
) -> dict[str, list[dict]]:
    """The HSDS JSON package of some services: one flat array per table, each record
    once, plus the whole need taxonomy."""
    tables: dict[str, dict[str, dict]] = {name: {} for name in TABLES}

    def put(table: str, record: dict) -> None:
        tables[table][record["id"]] = record

    areas = areas_for(services)
    for listing in services:
        document = service(listing, providers[listing.tenant_id], areas)
        org = document.pop("organization")
        for identifier in org.pop("organization_identifiers"):
            put("organization_identifiers", identifier)
        put("organizations", org)
        for record in document.pop("service_areas"):
            put("service_areas", record)
        for record in document.pop("schedules"):
            put("schedules", record)
        for link in document.pop("service_at_locations"):
            location = link.pop("location")
            for address in location.pop("addresses"):
                put("addresses", address)
            put("locations", location)
            put("service_at_locations", link)
        for attribute in document.pop("attributes"):
            attribute.pop("taxonomy_term")
            put("attributes", attribute)
        put("services", document)
    put("taxonomies", taxonomy())
    for term in terms:
        put("taxonomy_terms", taxonomy_term(term))
    return {name: list(records.values()) for name, records in tables.items()}


def csv_package(tables: dict[str, list[dict]]) -> dict[str, bytes]:
    """The HSDS tabular package: a UTF-8 CSV per table and its datapackage.json."""
    import csv
    import io
    import json

    files: dict[str, bytes] = {}
    resources = []
    for name, (filename, columns) in TABLES.items():
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(tables[name])
        files[filename] = buffer.getvalue().encode("utf-8")
        resources.append(
            {
                "name": name,
                "path": filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [{"name": c} for c in columns]},
            }
        )
    files["datapackage.json"] = json.dumps(
        {"name": "aidbridge-hsds", "profile": "tabular-data-package", "resources": resources},
        ensure_ascii=False,
        indent=2,
    ).encode("utf-8")
    return files
