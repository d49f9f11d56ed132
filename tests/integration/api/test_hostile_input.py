"""Hostile requests on every route: a 4xx with the contract's error body naming the field, never a 5xx,
and no table gains or loses an item."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import boto3
import pytest

from local_stack import template
from tests.builders import facility_body, order_body
from tests.conftest import ApiClient, moto_world

LONG = "x" * 3000  # over DynamoDB's 2,048-byte partition-key limit
DEEP_TEXT = "[" * 100_000 + "]" * 100_000


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"a": value}
    return value


class Case(NamedTuple):
    name: str
    method: str
    path: str  # {order}, {facility}, {pickjob}, {subscription} are filled in with real ids
    body: Any = None  # a str is sent as it is
    status: int = 400
    field: str = "body"  # the description names it
    headers: dict[str, str] | None = None
    base64: bool = False


# One valid body per route that takes one: the hostile variants below are built from these.
BODY_ROUTES: dict[str, tuple[str, str, Any]] = {
    "create order": ("POST", "/api/orders", order_body()),
    "order action": ("POST", "/api/orders/{order}/actions", {"name": "CANCEL", "version": 1}),
    "bulk action": ("POST", "/api/orders/actions", {"name": "BULK_UNLOCK", "orders": [{"orderId": "o", "version": 1}]}),
    "create facility": ("POST", "/api/facilities", facility_body()),
    "patch facility": ("PATCH", "/api/facilities/{facility}", {"version": 1, "name": "Renamed"}),
    "patch pick job": ("PATCH", "/api/pickjobs/{pickjob}", {"version": 1, "status": "IN_PROGRESS"}),
    "put reroute": ("PUT", "/api/configurations/reroute", {"active": True, "version": 0}),
    "put hold types": (
        "PUT",
        "/api/configurations/holds",
        {"types": [{"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"]}], "version": 0},
    ),
    "put lock rules": (
        "PUT",
        "/api/configurations/lockrules",
        {"rules": [{"key": "R", "name": "r", "holdType": "FRAUD", "reason": "x", "when": {"a": ["b"]}}], "version": 0},
    ),
    "lock rules dry run": ("POST", "/api/configurations/lockrules/actions", {"name": "TEST", "order": order_body()}),
    "create subscription": (
        "POST",
        "/api/subscriptions",
        {
            "name": "erp",
            "event": "ORDER_CREATED",
            "target": {"type": "WEBHOOK", "callbackUrl": "http://127.0.0.1:9/hook"},
        },
    ),
    "redrive": ("POST", "/api/subscriptions/{subscription}/deadletters/actions", {"name": "REDRIVE"}),
    "rotate secret": ("POST", "/api/subscriptions/{subscription}/actions", {"name": "ROTATE_SECRET", "version": 1}),
    "login": ("POST", "/api/auth/login", {"username": "nobody", "password": "wrong"}),
}


def _with_first_field(body: dict[str, Any], raw_value: str) -> str:
    """`body` as JSON text with its first field's value replaced by raw JSON text."""
    key = next(iter(body))
    rest = json.dumps({k: v for k, v in body.items() if k != key})[1:]
    return f'{{"{key}": {raw_value}' + ("," + rest if rest != "}" else "}")


def generic_cases() -> list[Case]:
    cases = []
    for route, (method, path, body) in BODY_ROUTES.items():
        key = next(iter(body))
        text = json.dumps(body)
        cases += [
            Case(f"{route}: text/plain", method, path, text, 415, "Content-Type", {"Content-Type": "text/plain"}),
            Case(
                f"{route}: form data",
                method,
                path,
                "a=1",
                415,
                "Content-Type",
                {"Content-Type": "application/x-www-form-urlencoded"},
            ),
            Case(
                f"{route}: duplicate key", method, path, text[:-1] + f', "{key}": {json.dumps(body[key])}}}', 400, key
            ),
            Case(f"{route}: nested 100,000 deep", method, path, DEEP_TEXT, 400, "body"),
            Case(f"{route}: NaN", method, path, _with_first_field(body, "NaN"), 400, "body"),
            Case(f"{route}: 1e400", method, path, _with_first_field(body, "1e400"), 400, key),
            Case(f"{route}: 40-digit integer", method, path, _with_first_field(body, "1" * 40), 400, key),
            Case(f"{route}: lone surrogate", method, path, _with_first_field(body, '"\\ud800"'), 400, key),
            Case(
                f"{route}: invalid UTF-8",
                method,
                path,
                base64.b64encode(b'{"' + key.encode() + b'": "\xff\xfe"}').decode(),
                400,
                "body",
                base64=True,
            ),
        ]
    return cases


def with_consumer(**fields: Any) -> dict:
    body = order_body()
    body["consumer"].update(fields)
    return body


def with_coordinates(lat: Any, lon: Any) -> str:
    return json.dumps(order_body(coordinates={"lat": 0, "lon": 0})).replace(
        '"lat": 0, "lon": 0', f'"lat": {lat}, "lon": {lon}'
    )


SPECIFIC = [
    Case(
        "order: consumerId of 3,000 characters",
        "POST",
        "/api/orders",
        with_consumer(consumerId=LONG),
        400,
        "consumer.consumerId",
    ),
    Case(
        "order: collect facilityRef of 3,000 characters",
        "POST",
        "/api/orders",
        order_body(deliveryPreferences={"collect": [{"facilityRef": LONG}]}),
        400,
        "facilityRef",
    ),
    Case(
        "order: preselected facilityRef of 3,000 characters",
        "POST",
        "/api/orders",
        order_body(deliveryPreferences={"shipping": {"preselectedFacilities": [{"facilityRef": LONG}]}}),
        400,
        "facilityRef",
    ),
    Case(
        "order: tenantOrderId of 3,000 characters",
        "POST",
        "/api/orders",
        order_body(tenantOrderId=LONG),
        400,
        "tenantOrderId",
    ),
    Case("order: lat 1e400", "POST", "/api/orders", with_coordinates("1e400", 0), 400, "lat"),
    Case("order: lat 91", "POST", "/api/orders", with_coordinates(91, 0), 400, "lat"),
    Case("order: lon -181", "POST", "/api/orders", with_coordinates(0, -181), 400, "lon"),
    Case("order: lat 1e-400", "POST", "/api/orders", with_coordinates("1e-200", 0), 400, "lat"),
    Case(
        "order: quantity of 40 digits",
        "POST",
        "/api/orders",
        json.dumps(order_body()).replace('"quantity": 1', '"quantity": ' + "9" * 40),
        400,
        "quantity",
    ),
    Case(
        "order: customAttributes number of 40 digits",
        "POST",
        "/api/orders",
        json.dumps(order_body(customAttributes={"n": 0})).replace('"n": 0', '"n": 1.' + "1" * 40),
        400,
        "customAttributes.n",
    ),
    Case(
        "order: customAttributes 1e200",
        "POST",
        "/api/orders",
        json.dumps(order_body(customAttributes={"n": 0})).replace('"n": 0', '"n": 1e200'),
        400,
        "customAttributes.n",
    ),
    Case(
        "order: customAttributes Infinity",
        "POST",
        "/api/orders",
        json.dumps(order_body(customAttributes={"n": 0})).replace('"n": 0', '"n": Infinity'),
        400,
        "body",
    ),
    Case(
        "order: customAttributes nested 40 deep",
        "POST",
        "/api/orders",
        order_body(customAttributes=nested(40)),
        400,
        "customAttributes",
    ),
    Case(
        "order: consumer customAttributes nested 30 deep",
        "POST",
        "/api/orders",
        with_consumer(customAttributes=nested(30)),
        400,
        "consumer.customAttributes",
    ),
    Case(
        "order: lone surrogate in a key",
        "POST",
        "/api/orders",
        json.dumps(order_body(customAttributes={"k": 1})).replace('"k"', '"\\udc00"'),
        400,
        "customAttributes",
    ),
    Case(
        "order: duplicate status (last would win)",
        "POST",
        "/api/orders",
        json.dumps(order_body("LOCKED"))[:-1] + ', "status": "OPEN"}',
        400,
        "status",
    ),
    Case("order: JSON text of a string", "POST", "/api/orders", '"order"', 400, "body"),
    Case("order: not base64", "POST", "/api/orders", "%%%", 400, "body", base64=True),
    Case(
        "action: CANCEL then UNLOCK (duplicate name)",
        "POST",
        "/api/orders/{order}/actions",
        '{"name": "CANCEL", "name": "UNLOCK", "version": 1}',
        400,
        "name",
    ),
    Case(
        "action: version of 40 digits",
        "POST",
        "/api/orders/{order}/actions",
        '{"name": "CANCEL", "version": ' + "1" * 40 + "}",
        400,
        "version",
    ),
    Case(
        "action: version 1e400",
        "POST",
        "/api/orders/{order}/actions",
        '{"name": "CANCEL", "version": 1e400}',
        400,
        "version",
    ),
    Case(
        "bulk: orderId of 3,000 characters",
        "POST",
        "/api/orders/actions",
        {"name": "BULK_UNLOCK", "orders": [{"orderId": LONG, "version": 1}]},
        400,
        "orderId",
    ),
    Case(
        "facility: lat 1e400",
        "POST",
        "/api/facilities",
        json.dumps(facility_body(coordinates={"lat": 1, "lon": 1})).replace('"lat": 1', '"lat": 1e400'),
        400,
        "lat",
    ),
    Case(
        "facility: tenantFacilityId of 3,000 characters",
        "POST",
        "/api/facilities",
        facility_body(tenantFacilityId=LONG),
        400,
        "tenantFacilityId",
    ),
    Case(
        "reroute: minutes of 40 digits",
        "PUT",
        "/api/configurations/reroute",
        '{"active": true, "rerouteAfterMinutes": ' + "9" * 40 + ', "version": 0}',
        400,
        "rerouteAfterMinutes",
    ),
    Case(
        "hold types: a type key with a space",
        "PUT",
        "/api/configurations/holds",
        {"types": [{"key": "FRAUD CHECK", "name": "x", "releaseGroups": ["reviewers"]}], "version": 0},
        400,
        "types[0].key",
    ),
    Case(
        "hold types: the same key twice",
        "PUT",
        "/api/configurations/holds",
        {
            "types": [
                {"key": "F", "name": "x", "releaseGroups": ["g"]},
                {"key": "F", "name": "y", "releaseGroups": ["g"]},
            ],
            "version": 0,
        },
        400,
        "types",
    ),
    Case(
        "place hold: reason of 3,000 characters",
        "POST",
        "/api/orders/{order}/actions",
        {"name": "PLACE_HOLD", "version": 1, "type": "DEFAULT", "reason": LONG},
        400,
        "reason",
    ),
    Case(
        "create order: an unknown hold type",
        "POST",
        "/api/orders",
        order_body(holds=[{"type": "NO_SUCH_TYPE"}]),
        400,
        "holds[0].type",
    ),
    Case(
        "redrive: eventId of 3,000 characters",
        "POST",
        "/api/subscriptions/{subscription}/deadletters/actions",
        {"name": "REDRIVE", "eventIds": [LONG]},
        400,
        "eventIds",
    ),
    Case("get order: id of 3,000 characters", "GET", f"/api/orders/{LONG}", None, 400, "orderId"),
    Case(
        "order action: id of 3,000 characters",
        "POST",
        f"/api/orders/{LONG}/actions",
        {"name": "CANCEL", "version": 1},
        400,
        "orderId",
    ),
    Case("get facility: id of 3,000 characters", "GET", f"/api/facilities/{LONG}", None, 400, "facilityId"),
    Case(
        "patch facility: id of 3,000 characters", "PATCH", f"/api/facilities/{LONG}", {"version": 1}, 400, "facilityId"
    ),
    Case("get pick job: id of 3,000 characters", "GET", f"/api/pickjobs/{LONG}", None, 400, "pickJobId"),
    Case(
        "patch pick job: id of 3,000 characters",
        "PATCH",
        f"/api/pickjobs/{LONG}",
        {"version": 1, "status": "PICKED"},
        400,
        "pickJobId",
    ),
    Case("get subscription: id of 3,000 characters", "GET", f"/api/subscriptions/{LONG}", None, 400, "subscriptionId"),
    Case(
        "delete subscription: id of 3,000 characters",
        "DELETE",
        f"/api/subscriptions/{LONG}",
        None,
        400,
        "subscriptionId",
    ),
    Case(
        "dead letters: id of 3,000 characters",
        "GET",
        f"/api/subscriptions/{LONG}/deadletters",
        None,
        400,
        "subscriptionId",
    ),
    Case(
        "list orders: facilityRef of 3,000 characters",
        "GET",
        f"/api/orders?facilityRef={LONG}",
        None,
        400,
        "facilityRef",
    ),
    Case(
        "list orders: consumerId of 3,000 characters", "GET", f"/api/orders?consumerId={LONG}", None, 400, "consumerId"
    ),
    Case(
        "list orders: tenantOrderId of 3,000 characters",
        "GET",
        f"/api/orders?tenantOrderId={LONG}",
        None,
        400,
        "tenantOrderId",
    ),
    Case(
        "list orders: startAfterId of 3,000 characters",
        "GET",
        f"/api/orders?startAfterId={LONG}",
        None,
        400,
        "startAfterId",
    ),
    Case("list orders: size of 5,000 digits", "GET", "/api/orders?size=" + "9" * 5000, None, 400, "size"),
    Case(
        "list pick jobs: orderRef of 3,000 characters", "GET", f"/api/pickjobs?orderRef={LONG}", None, 400, "orderRef"
    ),
    Case(
        "list pick jobs: facilityRef of 3,000 characters",
        "GET",
        f"/api/pickjobs?facilityRef={LONG}",
        None,
        400,
        "facilityRef",
    ),
    Case(
        "list facilities: startAfterId of 3,000 characters",
        "GET",
        f"/api/facilities?startAfterId={LONG}",
        None,
        400,
        "startAfterId",
    ),
    Case(
        "list subscriptions: startAfterId of 3,000 characters",
        "GET",
        f"/api/subscriptions?startAfterId={LONG}",
        None,
        400,
        "startAfterId",
    ),
    Case("back office asset: name of 3,000 characters", "GET", f"/backoffice/{LONG}", None, 400, "asset"),
]

CASES = generic_cases() + SPECIFIC


def item_counts() -> dict[str, int]:
    ddb = boto3.client("dynamodb")
    tables = [template.physical_name(t) for t in template.resources("AWS::DynamoDB::Table")]
    return {t: ddb.scan(TableName=t, Select="COUNT")["Count"] for t in tables}


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, str]]:
    """One moto world for the whole table (every case is refused before it reads or writes anything):
    a facility, an order and a subscription whose ids the paths use."""
    from order_service.core.config import settings

    with moto_world(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOCAL_WEBHOOK_PORTS", "9")  # the subscription's receiver is never called here
        settings.cache_clear()
        api = ApiClient()
        facility = api.post("/api/facilities", facility_body()).body
        order = api.post("/api/orders", order_body()).body
        subscription = api.post("/api/subscriptions", BODY_ROUTES["create subscription"][2]).body
        # pick jobs come from the order stream, which is not pumped here: a well-formed id does for the path
        yield {
            "order": order["id"],
            "facility": facility["id"],
            "pickjob": "0d7a3f0e-3d1c-4c59-9f0b-6f1c2d9e8a41",
            "subscription": subscription["id"],
        }
        settings.cache_clear()


def test_the_table_covers_every_route_that_reads_input_and_has_80_requests():
    covered = {(c.method, c.path.split("?")[0]) for c in CASES}
    routes_with_input = {
        (r.method, r.path) for r in template.api_routes() if "{" in r.path or r.method != "GET" or r.path in LISTS
    }
    normalised = {(m, p.replace("{order}", "{orderId}")) for m, p in covered}
    missing = [r for r in routes_with_input if not any(_matches(r, c) for c in normalised)]
    assert not missing, missing
    assert len(CASES) >= 80


LISTS = ("/api/orders", "/api/pickjobs", "/api/facilities", "/api/subscriptions")


def _matches(route: tuple[str, str], case: tuple[str, str]) -> bool:
    from local_stack.apigw import path_parameters

    concrete = case[1].replace("{", "").replace("}", "")
    return route[0] == case[0] and path_parameters(route[1], concrete) is not None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_is_refused_with_the_contract_body_and_writes_nothing(world, case):
    api = ApiClient()
    before = item_counts()
    path = case.path.format(**world)
    target, _, query_string = path.partition("?")
    query = dict(pair.split("=", 1) for pair in query_string.split("&")) if query_string else None
    options: dict[str, Any] = {"query": query, "headers": case.headers}
    if isinstance(case.body, str):
        options["raw"] = case.body
    route, event = api.event(case.method, target, None if isinstance(case.body, str) else case.body, **options)
    event["isBase64Encoded"] = case.base64

    from local_stack.apigw import LambdaContext

    response = template.handler(route.function)(event, LambdaContext(route.function.logical_id))
    body = json.loads(response["body"])

    assert response["statusCode"] == case.status, body
    assert isinstance(body, list) and body, "errors are a JSON array"
    assert all(isinstance(e["summary"], str) and e["summary"] for e in body)
    assert any(case.field in e.get("description", "") for e in body), body
    assert item_counts() == before
