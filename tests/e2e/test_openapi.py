"""The OpenAPI document cannot drift from the code: every route is in it, every example validates."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from web.api.openapi import document

METHODS = {"get", "post", "put", "patch", "delete"}


def flask_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            found |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m, p) for p, item in doc["paths"].items() for m in item if m in METHODS}


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource("urn:szcg-openapi", Resource.from_contents(
        {**doc, "$schema": "https://json-schema.org/draft/2020-12/schema"}))
    rebased = _rebase(schema)
    return jsonschema.Draft202012Validator(rebased, registry=registry)


def _rebase(node: Any) -> Any:
    """Point the document's local ``$ref``s at the registered document."""
    if isinstance(node, dict):
        return {k: (f"urn:szcg-openapi{v}" if k == "$ref" else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def test_every_flask_route_is_documented_and_every_documented_route_exists(app):
    doc = document()
    assert flask_operations(app) - documented_operations(doc) == set()
    assert documented_operations(doc) - flask_operations(app) == set()


def test_the_document_is_served_and_is_openapi_3_1(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200 and res.get_json()["openapi"] == "3.1.0"
    assert res.get_json()["paths"].keys() == document()["paths"].keys()


def test_the_docs_page_loads_the_vendored_swagger_ui(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "vendor/swagger-ui-dist/swagger-ui-bundle.js" in page and "/api/v1/openapi.json" in page


def test_every_schema_is_valid_json_schema_2020_12():
    for schema in document()["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def examples(doc: dict[str, Any]):
    """(where, schema, example) for every example in the document."""
    for name, schema in doc["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield f"schema {name}", schema, example
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                schema = media["schema"]
                resolved = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema \
                    else schema
                for example in resolved.get("examples", []):
                    yield f"{method} {path}", schema, example


def test_every_example_validates_against_its_schema():
    doc = document()
    checked = 0
    for where, schema, example in examples(doc):
        errors = [e.message for e in validator(doc, schema).iter_errors(example)]
        assert errors == [], where
        checked += 1
    assert checked >= 10


def test_every_json_request_body_has_an_example():
    doc = document()
    missing = [f"{m} {p}" for p, item in doc["paths"].items() for m, op in item.items()
               if "application/json" in op.get("requestBody", {}).get("content", {})
               and not _example_of(doc, op["requestBody"]["content"]["application/json"]["schema"])]
    assert missing == []


def _example_of(doc: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("examples", [])


@pytest.mark.parametrize("status", ["400", "401", "403", "404", "409", "422"])
def test_every_documented_error_has_the_error_body(status):
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            response = operation["responses"].get(status)
            if response:
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}, f"{method} {path}"
