"""The public routes: health, and the OpenAPI document generated from the code."""

from __future__ import annotations

import json

from local_stack import template
from tools import openapi


def test_health_is_public_and_up(api):
    reply = api.get("/api/health")

    assert reply.status == 200
    assert reply.body == {"status": "UP"}


def test_openapi_document_is_served_and_is_the_committed_one(api):
    reply = api.get("/openapi.json")

    assert reply.status == 200
    assert reply.body == json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))


def test_committed_openapi_document_matches_the_code():
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.generate(), "run `make openapi`"


def test_openapi_document_describes_exactly_the_routes_of_the_template():
    document = json.loads(openapi.generate())
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}

    assert documented == {(route.method, route.path) for route in template.api_routes()}


def test_openapi_documents_the_error_format_and_the_order_schema():
    document = json.loads(openapi.generate())
    create = document["paths"]["/api/orders"]["post"]

    assert set(create["responses"]) >= {"201", "400", "409", "413"}
    assert "Order" in document["components"]["schemas"]
    assert document["components"]["schemas"]["ErrorEntry"]["required"] == ["summary"]
