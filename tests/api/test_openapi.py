"""The OpenAPI document is valid and describes every API route with its schemas."""

from openapi_spec_validator import validate

from aidbridge.api.framework import ROUTES


def test_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json)


def test_every_api_route_is_documented(client, app):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    documented = {(path, method) for path, ops in paths.items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    assert len(documented) == len(ROUTES)


def test_request_schemas_carry_their_rules(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    user_create = schemas["UserCreate"]
    assert set(user_create["required"]) >= {"username", "password", "roles", "full_name"}
    assert user_create["properties"]["password"]["minLength"] == 10
    assert "password" not in schemas["User"]["properties"]
