"""Every request a fulfillmenttools client sends works: the platform's OrderForCreation, with exactly the
platform's strictness (generated from platform/fulfillmenttools-orders.openapi.json), and our own few
rules on top."""

from __future__ import annotations

import copy

import pytest

from tests.builders import facility_body, maximal_order_body, order_body
from tests.platform_schemas import violations

# what the service adds to what was sent
SERVICE_FIELDS = {"id", "version", "created", "lastModified", "routing", "statusHistory", "processId"}
SERVICE_FIELDS |= {"workflowInformation", "holds"}  # holds: our extension, the holds of a LOCKED order


@pytest.fixture
def facility(api) -> dict:
    return api.post("/api/facilities", facility_body()).body


def without_line_ids(order: dict) -> dict:
    kept = {k: v for k, v in order.items() if k not in SERVICE_FIELDS}
    kept["orderLineItems"] = [{k: v for k, v in line.items() if k != "id"} for line in order["orderLineItems"]]
    return kept


def test_a_maximal_platform_order_is_created_and_every_field_comes_back_as_sent(api, facility):
    body = maximal_order_body(facility["id"])
    assert violations("OrderForCreation", body) == []  # the platform itself would accept it

    created = api.post("/api/orders", body)
    stored = api.get(f"/api/orders/{created.body['id']}").body

    assert created.status == 201, created.body
    assert without_line_ids(created.body) == body
    assert without_line_ids(stored) == body
    assert stored["routing"]["facilityRef"] == facility["id"]  # click-and-collect


def test_a_personal_title_in_a_consumer_address_is_accepted(api, facility):
    body = order_body()
    body["consumer"]["addresses"][0]["personalTitle"] = "Prof."

    reply = api.post("/api/orders", body)

    assert reply.status == 201, reply.body
    assert reply.body["consumer"]["addresses"][0]["personalTitle"] == "Prof."


def test_unknown_fields_are_stored_where_the_platform_allows_them(api, facility):
    body = order_body()
    body["consumer"]["loyaltyCard"] = "LC-1"  # OrderForCreationConsumer: no additionalProperties: false
    body["orderLineItems"][0]["article"]["colour"] = "blue"  # OrderLineItemArticle: none either

    reply = api.post("/api/orders", body)
    stored = api.get(f"/api/orders/{reply.body['id']}").body

    assert reply.status == 201, reply.body
    assert stored["consumer"]["loyaltyCard"] == "LC-1"
    assert stored["orderLineItems"][0]["article"]["colour"] == "blue"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("giftMessage",), "hi"),  # OrderForCreation: additionalProperties: false
        (("orderLineItems", 0, "lineNote"), "x"),  # OrderLineItemForCreation: additionalProperties: false
        (("deliveryPreferences", "speed"), "fast"),  # DeliveryPreferences: additionalProperties: false
    ],
)
def test_unknown_fields_are_refused_where_the_platform_forbids_them(api, facility, path, value):
    body = order_body(deliveryPreferences={})
    place(body, path, value)

    reply = api.post("/api/orders", body)

    assert reply.status == 400
    assert path[-1] in " ".join(e.get("description", "") for e in reply.body)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("orderLineItems", 0, "quantity"), "1"),  # a string is not an integer
        (("orderLineItems", 0, "quantity"), True),  # nor is a boolean
        (("orderLineItems", 0, "quantity"), 1.5),
        (("orderLineItems", 0, "quantity"), 0),  # the platform's minimum is 1
        (("orderDate",), "2026-11-26"),  # a date without a time is not a date-time
        (("orderDate",), "2026-11-26T08:45:50"),  # nor is a time without offset
        (("orderDate",), 1764146750),  # nor a number
        (("tenantOrderId",), 1001),  # a number is not a string
        (("consumer", "addresses", 0, "coordinates", "lat"), "52.5"),
        (("status",), "CANCELLED"),  # our rule: only OPEN or LOCKED on create
        (("orderLineItems",), []),  # our rule: at least one line
    ],
)
def test_values_are_not_coerced(api, facility, path, value):
    body = copy.deepcopy(order_body())
    place(body, path, value)

    reply = api.post("/api/orders", body)

    assert reply.status == 400, reply.body
    assert api.get("/api/orders").body["orders"] == []


def place(body: dict, path: tuple, value: object) -> None:
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = copy.deepcopy(value)


@pytest.mark.parametrize(("lat", "lon", "field"), [(91, 0, "lat"), (0, -181, "lon")])
def test_coordinates_off_the_globe_are_a_400_naming_the_field(api, facility, lat, lon, field):
    reply = api.post("/api/orders", order_body(coordinates={"lat": lat, "lon": lon}))

    assert reply.status == 400
    assert f"coordinates.{field}" in reply.body[0]["description"]
