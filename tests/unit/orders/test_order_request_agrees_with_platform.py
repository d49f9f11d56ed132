"""The platform's own schema is the oracle: for requests that our own rules (docs/api.md) do not touch,
our OrderForCreation accepts exactly what the platform's OrderForCreation (strict, formats checked)
accepts. Before the models were generated, 11 of these 23 disagreed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from pydantic import ValidationError

from order_service.orders.models import OrderForCreation
from tests.builders import full_order_body, maximal_order_body, order_body
from tests.platform_schemas import PLATFORM_DOCUMENT


def changed(path: tuple, value: Any, base: dict | None = None) -> dict:
    body = copy.deepcopy(base or order_body())
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


CASES = {
    "a small order": order_body(),
    "the full order fixture": full_order_body(),
    "a maximal order": maximal_order_body("F-1"),
    "personalTitle": changed(("consumer", "addresses", 0, "personalTitle"), "Dr."),
    "pricing": changed(("pricing",), {"fees": [{"name": "shipping", "value": {"value": 495, "currency": "EUR"}}]}),
    "source": changed(("source",), {"tenantSourceId": "shop"}),
    "promisesOptions": changed(("promisesOptions",), {"validUntil": "2026-11-27T10:00:00Z"}),
    "unknown field in consumer": changed(("consumer", "loyaltyCard"), "x"),
    "unknown field in an article": changed(("orderLineItems", 0, "article", "colour"), "blue"),
    "unknown field in an address": changed(("consumer", "addresses", 0, "floor"), "3"),
    "unknown field on the order": changed(("giftMessage",), "hi"),
    "unknown field on a line": changed(("orderLineItems", 0, "lineNote"), "x"),
    "quantity as a string": changed(("orderLineItems", 0, "quantity"), "1"),
    "quantity as a boolean": changed(("orderLineItems", 0, "quantity"), True),
    "quantity as a fraction": changed(("orderLineItems", 0, "quantity"), 1.5),
    "orderDate without a time": changed(("orderDate",), "2026-11-26"),
    "orderDate without an offset": changed(("orderDate",), "2026-11-26T08:45:50"),
    "orderDate as a number": changed(("orderDate",), 1764146750),
    "tenantOrderId as a number": changed(("tenantOrderId",), 1001),
    "latitude as a string": changed(("consumer", "addresses", 0, "coordinates", "lat"), "52.5"),
    "targetTime without a time": changed(("deliveryPreferences",), {"targetTime": "2026-11-26"}),
    "article weight as a string": changed(("orderLineItems", 0, "article", "weight"), "5"),
    "shopPrice as a boolean": changed(("orderLineItems", 0, "shopPrice"), True),
}


@pytest.fixture(scope="module")
def platform() -> OAS30Validator:
    document = json.loads(PLATFORM_DOCUMENT.read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/OrderForCreation", "components": document["components"]}
    return OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("case", CASES)
def test_we_accept_exactly_what_the_platform_accepts(platform, case):
    body = CASES[case]
    platform_accepts = not list(platform.iter_errors(body))
    try:
        OrderForCreation.model_validate(body)
        we_accept = True
    except ValidationError:
        we_accept = False

    assert we_accept == platform_accepts
