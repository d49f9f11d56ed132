"""Bad input gets the contract's error body, names the field, and writes nothing."""

from __future__ import annotations

import json

import boto3
import pytest

from local_stack import template
from tests.builders import facility_body, locked_order_body, order_body


def snapshot() -> dict[str, list]:
    ddb = boto3.client("dynamodb")
    tables = [template.physical_name(t) for t in template.resources("AWS::DynamoDB::Table")]
    return {t: sorted(json.dumps(i, sort_keys=True) for i in ddb.scan(TableName=t)["Items"]) for t in tables}


def without(body: dict, *path: str) -> dict:
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def with_line(**line) -> dict:
    body = order_body()
    body["orderLineItems"][0].update(line)
    return body


CREATE = "/api/orders"
ACTION = "/api/orders/{id}/actions"

# (case, method, path, raw body or JSON body, expected status, words the description must contain)
CASES = [
    ("not JSON", "POST", CREATE, "{not json", 400, "body"),
    ("JSON but not an object", "POST", CREATE, [1, 2], 400, "body"),
    ("empty body", "POST", CREATE, "", 400, "body"),
    ("missing orderDate", "POST", CREATE, without(order_body(), "orderDate"), 400, "orderDate"),
    ("missing consumer", "POST", CREATE, without(order_body(), "consumer"), 400, "consumer"),
    ("missing orderLineItems", "POST", CREATE, without(order_body(), "orderLineItems"), 400, "orderLineItems"),
    ("no lines", "POST", CREATE, order_body(orderLineItems=[]), 400, "orderLineItems"),
    ("501 lines", "POST", CREATE, order_body(lines=501), 400, "orderLineItems"),
    ("quantity 0", "POST", CREATE, with_line(quantity=0), 400, "orderLineItems[0].quantity"),
    ("quantity as string", "POST", CREATE, with_line(quantity="2"), 400, "orderLineItems[0].quantity"),
    (
        "article without title",
        "POST",
        CREATE,
        with_line(article={"tenantArticleId": "1"}),
        400,
        "orderLineItems[0].article.title",
    ),
    ("unknown top-level field", "POST", CREATE, order_body(priority=5), 400, "priority"),
    ("unknown nested field", "POST", CREATE, with_line(colour="red"), 400, "orderLineItems[0].colour"),
    ("status CANCELLED on create", "POST", CREATE, order_body("CANCELLED"), 400, "status"),
    (
        "status reason without reason",
        "POST",
        CREATE,
        order_body("LOCKED", statusReasons=[{"status": "LOCKED"}]),
        400,
        "statusReasons[0].reason",
    ),
    ("orderDate not a timestamp", "POST", CREATE, order_body(orderDate="yesterday"), 400, "orderDate"),
    ("tenantOrderId a number", "POST", CREATE, order_body(tenantOrderId=17), 400, "tenantOrderId"),
    ("tenantOrderId empty", "POST", CREATE, order_body(tenantOrderId=""), 400, "tenantOrderId"),
    (
        "NaN is not JSON",
        "POST",
        CREATE,
        json.dumps(order_body(lines=1)).replace('"quantity": 1', '"quantity": NaN'),
        400,
        "body",
    ),
    ("order too large to store", "POST", CREATE, order_body(customAttributes={"notes": "y" * 500_000}), 413, "body"),
    ("oversize body", "POST", CREATE, json.dumps(order_body(customAttributes={"x": "y" * (1024 * 1024)})), 413, "body"),
    ("unknown action", "POST", ACTION, {"name": "SHIP", "version": 1}, 400, "name"),
    ("action without name", "POST", ACTION, {"version": 1}, 400, "name"),
    ("version -1", "POST", ACTION, {"name": "UNLOCK", "version": -1}, 400, "version"),
    ("version missing", "POST", ACTION, {"name": "UNLOCK"}, 400, "version"),
    ("version as string", "POST", ACTION, {"name": "UNLOCK", "version": "1"}, 400, "version"),
    ("facility without name", "POST", "/api/facilities", without(facility_body(), "name"), 400, "name"),
    ("facility status unknown", "POST", "/api/facilities", facility_body(status="CLOSED"), 400, "status"),
    (
        "facility country not ISO",
        "POST",
        "/api/facilities",
        facility_body(address={"city": "Berlin", "country": "Germany"}),
        400,
        "address.country",
    ),
    ("list with size 0", "GET", "/api/orders?size=0", None, 400, "size"),
    ("list with size 101", "GET", "/api/orders?size=101", None, 400, "size"),
    ("list with unknown status", "GET", "/api/orders?status=SHIPPED", None, 400, "status"),
    ("list with unknown parameter", "GET", "/api/orders?colour=red", None, 400, "colour"),
    ("missing order", "GET", "/api/orders/nope", None, 404, "orderId"),
    ("missing facility", "GET", "/api/facilities/nope", None, 404, "facilityId"),
]


@pytest.mark.parametrize(("case", "method", "path", "body", "status", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_writes_nothing(api, case, method, path, body, status, field):
    facility = api.post("/api/facilities", facility_body()).body
    locked = api.post("/api/orders", locked_order_body()).body
    before = snapshot()
    path = path.replace("{id}", locked["id"])
    target, _, query_string = path.partition("?")
    query = dict(pair.split("=") for pair in query_string.split("&")) if query_string else None
    options = {"raw": body} if isinstance(body, str) else {}

    reply = api.request(method, target, None if isinstance(body, str) else body, query=query, **options)

    assert reply.status == status, reply.body
    assert isinstance(reply.body, list) and reply.body, "errors are a JSON array"
    assert all(isinstance(e["summary"], str) and e["summary"] for e in reply.body)
    assert any(field in e.get("description", "") for e in reply.body), reply.body
    assert "Traceback" not in json.dumps(reply.body)
    assert snapshot() == before
    assert facility["id"]


def test_an_unknown_field_on_an_action_is_accepted_and_ignored_as_the_platform_allows(api):
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", locked_order_body()).body

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1, "force": True})

    assert reply.status == 200 and reply.body["status"] == "OPEN"
    assert "force" not in api.get(f"/api/orders/{order['id']}").body
