"""The HSDS 3.0 read API over the caller's pool (/hsds/...)."""

from urllib.parse import urlsplit

import pytest
from pool.statements import recorded_statements
from pool.test_hsds_documents import _errors, _validator

from aidbridge.pool import hsds

from factories import bearer, make_service, make_tenant, make_token, make_user


@pytest.fixture
def pool(db, shared):
    agency = make_tenant("agency", jurisdiction="320613")
    visits = make_service(agency, status="published", name="上门访视", areas=["320613001"])
    counselling = make_service(
        agency,
        status="published",
        name="心理疏导",
        dimension="psychological",
        subcategory="psychological.counselling",
        areas=["320613"],
    )
    draft = make_service(agency, name="草稿")
    headers = bearer(make_token(make_user(make_tenant("bureau"))))
    return agency, visits, counselling, draft, headers


def test_services_come_as_an_hsds_page_of_valid_documents(client, pool):
    _agency, visits, counselling, _draft, headers = pool
    page = client.get("/hsds/services?per_page=1", headers=headers).json
    assert (page["total_items"], page["total_pages"], page["size"]) == (2, 2, 1)
    assert page["first_page"] is True and page["last_page"] is False and page["empty"] is False
    validator = _validator("compiled/service.json")
    everything = client.get("/hsds/services", headers=headers).json["contents"]
    assert {s["id"] for s in everything} == {visits.hsds_id, counselling.hsds_id}
    assert all(_errors(validator, s) == [] for s in everything)


def test_filters_search_taxonomy_and_organization(client, pool):
    agency, visits, counselling, _draft, headers = pool
    found = client.get("/hsds/services?search=疏导", headers=headers).json["contents"]
    assert [s["id"] for s in found] == [counselling.hsds_id]
    term = hsds.term_id("care.home_visit")
    found = client.get(f"/hsds/services?taxonomy_term_id={term}", headers=headers).json
    assert [s["id"] for s in found["contents"]] == [visits.hsds_id]
    org = hsds.organization_id(agency)
    assert (
        client.get(f"/hsds/services?organization_id={org}", headers=headers).json["total_items"]
        == 2
    )
    other = hsds.organization_id(make_tenant("charity"))
    assert (
        client.get(f"/hsds/services?organization_id={other}", headers=headers).json["empty"] is True
    )


def test_one_service_and_what_is_not_shown(client, pool):
    _agency, visits, _counselling, draft, headers = pool
    one = client.get(f"/hsds/services/{visits.hsds_id}", headers=headers)
    assert one.status_code == 200 and one.json["name"] == "上门访视"
    assert client.get(f"/hsds/services/{draft.hsds_id}", headers=headers).status_code == 404
    elsewhere = bearer(
        make_token(
            make_user(make_tenant("bureau", jurisdiction="360202", policy_pack="changjiang"))
        )
    )
    assert client.get(f"/hsds/services/{visits.hsds_id}", headers=elsewhere).status_code == 404
    assert client.get("/hsds/services", headers=elsewhere).json["empty"] is True


def test_organizations_taxonomies_and_terms(client, pool):
    agency, *_rest, headers = pool
    orgs = client.get("/hsds/organizations", headers=headers).json["contents"]
    assert [o["name"] for o in orgs] == [agency.name]
    one = client.get(f"/hsds/organizations/{orgs[0]['id']}", headers=headers).json
    assert one["organization_identifiers"][0]["identifier"] == agency.credit_code
    taxonomies = client.get("/hsds/taxonomies", headers=headers).json["contents"]
    assert client.get(f"/hsds/taxonomies/{taxonomies[0]['id']}", headers=headers).status_code == 200
    terms = client.get("/hsds/taxonomy_terms?per_page=200", headers=headers).json
    assert terms["total_items"] == 36
    care = next(t for t in terms["contents"] if t["code"] == "care")
    assert client.get(f"/hsds/taxonomy_terms/{care['id']}", headers=headers).json["name"] == "照料"


def test_needs_a_token_and_valid_parameters(client, pool):
    *_rest, headers = pool
    assert client.get("/hsds/services").status_code == 401
    bad = client.get("/hsds/services?taxonomy_term_id=nonsense&page=0", headers=headers)
    assert bad.status_code == 422
    assert {"taxonomy_term_id", "page"} <= set(bad.json["errors"])
    assert client.get("/hsds/services/not-a-uuid", headers=headers).status_code == 404


@pytest.mark.parametrize("url", ["/hsds/services", "/hsds/organizations"])
def test_a_page_costs_the_same_queries_however_many_providers(client, db, pool, url):
    _agency, _visits, _counselling, _draft, headers = pool

    def statements() -> int:
        with recorded_statements(db.engine) as seen:
            assert client.get(url, headers=headers).status_code == 200
        return len(seen)

    statements()  # the first call of a token also records its use
    few = statements()
    for n in range(1, 5):
        # Each in a street of its own: nothing about one provider tells of another.
        street = f"32061300{n}"
        other = make_tenant("charity", name=f"慈善会{n}", jurisdiction=street)
        make_service(other, status="published", name=f"助餐{n}", areas=[street])
    assert statements() == few


def test_the_root_links_the_apis_openapi_document(client, pool):
    *_rest, headers = pool
    root = client.get("/hsds/", headers=headers).json
    assert root["openapi_url"] == "http://localhost/api/v1/openapi.json"
    document = client.get(urlsplit(root["openapi_url"]).path)
    assert document.status_code == 200 and "openapi" in document.json
