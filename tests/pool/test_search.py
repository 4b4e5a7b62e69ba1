"""Searching the pool: by dimension, area hierarchy, eligibility, capacity, provider
and Chinese words, ranked by relevance."""

import pytest

from aidbridge.pool.search import service_terms, words

from factories import bearer, make_service, make_tenant, make_token, make_user


@pytest.fixture
def pool(db):
    charity, agency = make_tenant("charity"), make_tenant("agency", jurisdiction="320613")
    services = {
        "visits": make_service(
            charity,
            status="published",
            name="高龄老人上门访视",
            description="每月上门探访独居老人",
            areas=["320613001"],
            min_age=70,
            target_groups=frozenset({"elderly"}),
        ),
        "district_care": make_service(
            agency,
            status="published",
            name="日间照护",
            description="崇川区日间照料中心",
            areas=["320613"],
        ),
        "counselling": make_service(
            agency,
            status="published",
            name="心理疏导服务",
            description="为低保家庭提供心理咨询",
            dimension="psychological",
            subcategory="psychological.counselling",
            areas=["320613"],
            categories=frozenset({"dibao"}),
        ),
        "full": make_service(
            charity,
            status="published",
            name="上门照料（已满）",
            areas=["320613002"],
            capacity={"unit": "户", "period": "month", "per_period": 5, "available": 0},
        ),
        "other_street": make_service(
            charity, status="published", name="送餐上门", areas=["320613003"]
        ),
    }
    headers = bearer(make_token(make_user(make_tenant("bureau"))))
    return services, headers, charity, agency


def _ids(client, headers, query):
    response = client.get(f"/api/v1/pool/services?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_area_matches_services_covering_it_or_any_area_above(client, pool):
    services, headers, *_ = pool
    # A community of street 320613001: the street's and the district's services serve it.
    found = set(_ids(client, headers, "area=320613001001"))
    assert found == {
        services["visits"].id,
        services["district_care"].id,
        services["counselling"].id,
    }
    assert services["other_street"].id not in found


def test_dimension_and_subcategory(client, pool):
    services, headers, *_ = pool
    assert _ids(client, headers, "dimension=psychological") == [services["counselling"].id]
    assert _ids(client, headers, "subcategory=psychological.counselling") == [
        services["counselling"].id
    ]


def test_eligibility_by_category_and_age(client, pool):
    services, headers, *_ = pool
    low_income = set(_ids(client, headers, "category=low_income"))
    assert services["counselling"].id not in low_income  # dibao only
    assert services["visits"].id in low_income  # admits any category
    assert services["counselling"].id in set(_ids(client, headers, "category=dibao"))
    assert services["visits"].id not in set(_ids(client, headers, "age=65"))
    assert services["visits"].id in set(_ids(client, headers, "age=70"))


def test_capacity_and_provider(client, pool):
    services, headers, charity, _agency = pool
    assert services["full"].id not in set(_ids(client, headers, "has_capacity=true"))
    assert services["full"].id in set(_ids(client, headers, "has_capacity=false"))
    by_charity = set(_ids(client, headers, f"provider={charity.id}"))
    assert by_charity == {services[k].id for k in ("visits", "full", "other_street")}


def test_chinese_words_inside_names_and_descriptions(client, pool):
    services, headers, *_ = pool
    assert _ids(client, headers, "q=心理") == [services["counselling"].id]
    assert _ids(client, headers, "q=独居") == [services["visits"].id]
    # Every word counts: the day-care centre first, another 照料 service after it.
    assert _ids(client, headers, "q=日间照料") == [
        services["district_care"].id,
        services["full"].id,
    ]


def test_relevance_puts_more_and_name_matches_first(client, pool):
    services, headers, *_ = pool
    # 上门 is in three names; 访视 only in one of them: that one ranks first.
    ranked = _ids(client, headers, "q=上门访视")
    assert ranked[0] == services["visits"].id
    assert set(ranked) >= {services["full"].id, services["other_street"].id}


def test_filters_combine(client, pool):
    services, headers, *_ = pool
    query = "dimension=care&area=320613001001&has_capacity=true&q=照护"
    assert _ids(client, headers, query) == [services["district_care"].id]


def test_unknown_area_is_named(client, pool):
    _services, headers, *_ = pool
    response = client.get("/api/v1/pool/services?area=320613999", headers=headers)
    assert response.status_code == 422 and "area" in response.json["errors"]


def test_segmentation_keeps_domain_words(app):
    with app.app_context():
        assert {"心理疏导", "心理", "疏导"} <= words("开展心理疏导")
        assert "送教上门" in words("为重度残疾儿童送教上门")
        terms = service_terms("居家养老服务", "提供上门访视")
    assert terms["养老"] == 3 and terms["访视"] == 1
