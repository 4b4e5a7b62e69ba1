"""Importing Open Referral HSDS 3.0 into a provider's services.

Accepted input: a service document (nested as HSDS's compiled schema), a page of
them (``{"contents": [...]}``), the JSON package of :func:`hsds.package` (one array
per table), or the tabular package (a zip of CSV files). How records become ours:

* a service is matched by its HSDS id: the same id updates it (if nothing changed,
  nothing is written, so importing twice changes nothing); an id used by another
  organisation's service is refused without saying more;
* its need dimension comes from its taxonomy terms when they are ours (by code or
  name), else from words of the terms, name and description (counselling → 心理);
* coverage comes from service areas whose extent is an administrative-area code;
  free-text areas mean the provider's whole jurisdiction;
* a new service starts as a draft with no capacity: the provider sets capacity and
  publishes it. An update keeps status, capacity, funding and eligibility categories.

Every refused record is reported with where it is (file and row, or JSON path)
and why, by field; a file that cannot be read changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select

from aidbridge.accounts.models import Tenant
from aidbridge.areas.models import Area
from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.pool import hsds
from aidbridge.pool import service as pool
from aidbridge.pool.models import Service, TaxonomyTerm
from aidbridge.pool.schemas import ServiceChangeSchema, ServiceInputSchema
from aidbridge.pool.taxonomy import all_terms
from aidbridge.schemas import flatten_messages

# Words that reveal a need dimension, in English and Chinese (checked in this order).
DIMENSION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("emergency", ("emergency", "crisis", "disaster", "急难", "应急", "临时救助")),
    (
        "psychological",
        ("counselling", "counseling", "mental health", "psycholog", "心理", "精神慰藉"),
    ),
    ("legal", ("legal", "law", "advocacy", "法律", "维权")),
    ("housing", ("housing", "shelter", "accommodation", "住房", "安居")),
    ("employment", ("employment", "job", "career", "work", "就业", "岗位", "技能培训")),
    ("education", ("education", "school", "tutor", "literacy", "教育", "学业", "辅导")),
    ("health", ("health", "medical", "clinic", "rehabilit", "医疗", "健康", "康复")),
    ("care", ("care", "home visit", "elderly", "respite", "照料", "照护", "访视", "养老")),
    ("material", ("food", "clothing", "goods", "meal", "cash", "物资", "食品", "超市")),
    ("social_support", ("volunteer", "community", "befriend", "志愿", "社区", "陪伴")),
)
ELIGIBILITY = re.compile(r"^救助类别：(?P<categories>[a-z_、]+)(；(?P<notes>.*))?$", re.S)
CSV_TABLES = {filename: table for table, (filename, _columns) in hsds.TABLES.items()}


@dataclass
class Rejected:
    where: str
    # Reasons (message ids) by field of the service input; "_schema": the record as a whole.
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class _Refused(Exception):
    """A record that cannot be taken, and why, by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def field(cls, name: str, reason: str) -> _Refused:
        return cls({name: [reason]})


# --- reading -------------------------------------------------------------------------------------


def read(raw: bytes, media_type: str) -> list[tuple[str, dict]]:
    """(where, nested service document) for every service in the file."""
    if not raw:
        raise InvalidInput.field("file", N_("the file is empty"))
    if media_type == "application/zip" or raw[:2] == b"PK":
        return _from_zip(raw)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.field("file", N_("not valid JSON, nor a zip of CSV files")) from exc
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return [(f"contents[{i}]", d) for i, d in enumerate(data["contents"])]
    if isinstance(data, dict) and isinstance(data.get("services"), list):
        return _nest(data, lambda table, i: f"{table}[{i}]")
    if isinstance(data, dict) and "id" in data and "name" in data:
        return [("$", data)]
    raise InvalidInput.field("file", N_("not an HSDS service, page of services or package"))


def _from_zip(raw: bytes) -> list[tuple[str, dict]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        tables = {}
        for name in archive.namelist():
            filename = name.rsplit("/", 1)[-1]
            if filename in CSV_TABLES:
                text = archive.read(name).decode("utf-8-sig")
                tables[CSV_TABLES[filename]] = list(csv.DictReader(io.StringIO(text)))
    except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput.field("file", N_("not a readable zip of UTF-8 CSV files")) from exc
    if "services" not in tables:
        raise InvalidInput.field("file", N_("the package has no services.csv"))
    rows = {
        table: [{k: v for k, v in row.items() if v not in ("", None)} for row in records]
        for table, records in tables.items()
    }
    return _nest(rows, lambda table, i: f"{hsds.TABLES[table][0]} row {i + 2}")


def _nest(tables: dict, where) -> list[tuple[str, dict]]:
    """Put a package's flat tables back together as nested service documents."""

    def by(table: str, key: str) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for record in tables.get(table, []):
            grouped.setdefault(record.get(key), []).append(record)
        return grouped

    terms = {t.get("id"): t for t in tables.get("taxonomy_terms", [])}
    locations = {loc.get("id"): loc for loc in tables.get("locations", [])}
    addresses = by("addresses", "location_id")
    areas, schedules = by("service_areas", "service_id"), by("schedules", "service_id")
    attributes, links = by("attributes", "link_id"), by("service_at_locations", "service_id")
    documents = []
    for index, record in enumerate(tables["services"]):
        sid = record.get("id")
        documents.append(
            (
                where("services", index),
                {
                    **record,
                    "service_areas": areas.get(sid, []),
                    "schedules": schedules.get(sid, []),
                    "attributes": [
                        {**a, "taxonomy_term": terms.get(a.get("taxonomy_term_id"), {})}
                        for a in attributes.get(sid, [])
                    ],
                    "service_at_locations": [
                        {
                            **link,
                            "location": {
                                **locations[link["location_id"]],
                                "addresses": addresses.get(link["location_id"], []),
                            },
                        }
                        for link in links.get(sid, [])
                        if link.get("location_id") in locations
                    ],
                },
            )
        )
    return documents


# --- mapping -------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What every document of one import is read against, loaded once for all of them."""

    tenant: Tenant
    terms: dict[str, TaxonomyTerm]
    by_name: dict[str, TaxonomyTerm]
    areas: dict[str, Area]  # the areas the documents name, and the tenant's jurisdiction
    existing: dict[str, Service]  # services already holding the documents' ids

    @classmethod
    def load(cls, tenant: Tenant, documents: list[tuple[str, dict]]) -> _Context:
        terms = {t.code: t for t in all_terms()}
        by_name = {n.lower(): t for t in terms.values() for n in (t.name_zh, t.name_en)}
        # The jurisdiction too: it is the coverage and the locations' area by default.
        codes = {code for _, document in documents for code in _area_codes(document)}
        codes.add(tenant.jurisdiction_code)
        areas = {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(codes)))}
        ids = set()
        for _, document in documents:
            try:
                ids.add(_uuid(document.get("id")))
            except _Refused:
                continue  # refused with its reason when its turn comes
        existing = {
            s.hsds_id: s
            for s in db.session.scalars(
                select(Service).where(Service.hsds_id.in_(ids)).execution_options(all_tenants=True)
            )
        }
        return cls(tenant, terms, by_name, areas, existing)


def _dimension(document: dict, context: _Context) -> tuple[str, str | None]:
    found = []
    for attribute in document.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        ours = context.terms.get(str(term.get("code", ""))) or context.by_name.get(
            str(term.get("name", "")).lower()
        )
        if ours is not None:
            found.append(ours)
    for term in sorted(found, key=lambda t: t.is_dimension):  # a sub-category says more
        return (term.code, None) if term.is_dimension else (term.parent_code, term.code)
    words = " ".join(
        [
            str((a.get("taxonomy_term") or {}).get("name", ""))
            for a in document.get("attributes") or []
        ]
        + [str(document.get("name", "")), str(document.get("description", ""))]
    ).lower()
    for dimension, keys in DIMENSION_WORDS:
        if any(k in words for k in keys):
            return dimension, None
    raise _Refused.field(
        "dimension", N_("no need dimension: neither its taxonomy terms nor its words name one")
    )


def _area_codes(document: dict) -> list[str]:
    codes = [str(a.get("extent", "")).strip() for a in document.get("service_areas") or []]
    return [c for c in codes if c.isdigit()]


def _areas(document: dict, context: _Context) -> list[str]:
    tenant = context.tenant
    codes = _area_codes(document)
    if not codes:
        return [tenant.jurisdiction_code]
    found = [context.areas[c] for c in codes if c in context.areas]
    inside = [a.code for a in found if tenant.jurisdiction.contains(a)]
    if not inside:
        raise _Refused.field(
            "areas", N_("its service areas are outside your organisation's jurisdiction")
        )
    return sorted(set(inside))


def _payload(document: dict, context: _Context, existing: Service | None) -> dict:
    """The document as the API's service input."""
    tenant = context.tenant
    name = str(document.get("name") or "").strip()
    if not name:
        raise _Refused.field("name", N_("the service has no name"))
    dimension, subcategory = _dimension(document, context)
    categories, notes = _eligibility(str(document.get("eligibility_description") or ""))
    payload = {
        "name": name[:200],
        "description": str(document.get("description") or "")[:5000],
        "dimension": dimension,
        "subcategory": subcategory,
        "eligibility_notes": notes[:2000],
        # Checked by the schema, which names the field when one is not a whole number.
        "min_age": _given(document.get("minimum_age")),
        "max_age": _given(document.get("maximum_age")),
        "areas": _areas(document, context),
        "locations": [
            {
                "name": str(link["location"].get("name") or "")[:200] or name[:200],
                "area_code": tenant.jurisdiction_code,
                "address": _address(link["location"]),
                **_point(link["location"]),
            }
            for link in document.get("service_at_locations") or []
            if _address(link["location"])
        ],
        "schedules": [
            {
                "byday": [d for d in str(s.get("byday") or "").split(",") if d],
                "opens_at": s.get("opens_at"),
                "closes_at": s.get("closes_at"),
                "description": str(s.get("description") or "")[:300],
            }
            for s in document.get("schedules") or []
            if str(s.get("freq") or "WEEKLY").upper() == "WEEKLY"
        ],
    }
    if categories is not None:
        payload["categories"] = categories
    if existing is None:
        payload.update(
            capacity={"unit": "次", "period": "month", "per_period": 0, "available": 0},
            funding="own_funds",
        )
    return payload


def _address(location: dict) -> str:
    """The street address (city and province follow from the area)."""
    address = (location.get("addresses") or [{}])[0]
    parts = [address.get(k) for k in ("address_1", "address_2")]
    return " ".join(str(p) for p in parts if p)[:300]


def _given(value):
    """None for a missing or empty value (CSV cells are never missing, only empty)."""
    return None if value in (None, "") else value


def _point(location: dict) -> dict:
    """A location's coordinates, both or neither: a point with an impossible or missing
    part is no point (they are optional)."""
    latitude = _float(location.get("latitude"), 90)
    longitude = _float(location.get("longitude"), 180)
    if latitude is None or longitude is None:
        return {"latitude": None, "longitude": None}
    return {"latitude": latitude, "longitude": longitude}


def _float(value, limit: float):
    """A coordinate, or None when missing or impossible (it is optional)."""
    try:
        number = None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None
    return number if number is not None and -limit <= number <= limit else None


def _eligibility(text: str) -> tuple[list[str] | None, str]:
    """Our own exports write the categories first: "救助类别：dibao、tekun；notes"."""
    match = ELIGIBILITY.match(text)
    if not match:
        return None, text
    return match["categories"].split("、"), match["notes"] or ""


def _differs(service: Service, data: dict) -> bool:
    current = {
        "name": service.name,
        "description": service.description,
        "dimension": service.dimension_code,
        "subcategory": service.subcategory_code,
        "eligibility_notes": service.eligibility_notes,
        "min_age": service.min_age,
        "max_age": service.max_age,
        "areas": [a.area_code for a in service.areas],
        "categories": service.categories,
        "locations": [(loc.name, loc.address) for loc in service.locations],
        "schedules": [(s.byday, s.opens_at, s.closes_at, s.description) for s in service.schedules],
    }
    incoming = {
        **{
            k: data.get(k)
            for k in (
                "name",
                "description",
                "dimension",
                "subcategory",
                "eligibility_notes",
                "min_age",
                "max_age",
            )
        },
        "areas": sorted(data["areas"]),
        "categories": data.get("categories", service.categories),
        "locations": [(loc["name"], loc["address"]) for loc in data["locations"]],
        "schedules": [
            (s["byday"], s["opens_at"], s["closes_at"], s["description"]) for s in data["schedules"]
        ],
    }
    return current != incoming


# --- importing -----------------------------------------------------------------------------------


def import_services(tenant: Tenant, documents: list[tuple[str, dict]]) -> ImportReport:
    """Create or update the tenant's services from the documents; refuse, with reasons,
    what cannot be taken. Writes in the caller's transaction."""
    report = ImportReport()
    context = _Context.load(tenant, documents)
    seen: set[str] = set()
    for where, document in documents:
        try:
            hsds_id = _uuid(document.get("id"))
            if hsds_id in seen:
                raise _Refused.field("id", N_("this id appears twice in the file"))
            seen.add(hsds_id)
            existing = context.existing.get(hsds_id)
            if existing is not None and existing.tenant_id != tenant.id:
                raise _Refused.field(
                    "id", N_("this id belongs to a service of another organisation")
                )
            payload = _payload(document, context, existing)
            schema = ServiceChangeSchema() if existing else ServiceInputSchema()
            try:
                data = schema.load(payload)
            except ValidationError as exc:
                raise _Refused(flatten_messages(exc.messages)) from exc
            if existing is None:
                pool.create_service(tenant, data, hsds_id, known_areas=context.areas)
                report.created.append(hsds_id)
            elif _differs(existing, data):
                pool.update_service(tenant, existing, data, known_areas=context.areas)
                report.updated.append(hsds_id)
            else:
                report.unchanged.append(hsds_id)
        except _Refused as refused:
            report.rejected.append(Rejected(where, refused.errors))
        except InvalidInput as error:  # a rule of the pool (an area, a retired service…)
            report.rejected.append(Rejected(where, error.errors or {"_schema": [error.message]}))
    db.session.flush()
    return report


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise _Refused.field("id", N_("its id is not a UUID")) from exc
