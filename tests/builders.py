"""Request bodies for tests: small valid defaults, overridable per test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FULL_ORDER = Path(__file__).parent / "fixtures" / "full_order.json"
MAXIMAL_ORDER = Path(__file__).parent / "fixtures" / "maximal_order.json"

BERLIN = {"lat": 52.520008, "lon": 13.404954}
MUNICH = {"lat": 48.137154, "lon": 11.576124}
HAMBURG = {"lat": 53.551086, "lon": 9.993682}


def facility_body(name: str = "Berlin Mitte", coordinates: dict[str, float] | None = None, **fields: Any) -> dict:
    body: dict[str, Any] = {
        "name": name,
        "address": {
            "street": "Torstr.",
            "houseNumber": "1",
            "postalCode": "10119",
            "city": "Berlin",
            "country": "DE",
            "coordinates": dict(coordinates or BERLIN),
        },
    }
    body.update(fields)
    return body


def order_body(
    status: str | None = None, coordinates: dict[str, float] | None = None, lines: int = 1, **fields: Any
) -> dict:
    body: dict[str, Any] = {
        "tenantOrderId": "R-1001",
        "orderDate": "2026-11-26T08:45:50.525Z",
        "consumer": {
            "consumerId": "C-77",
            "addresses": [
                {
                    "firstName": "Maxine",
                    "lastName": "Muller",
                    "street": "Hauptstr.",
                    "houseNumber": "42",
                    "postalCode": "10115",
                    "city": "Berlin",
                    "country": "DE",
                    "coordinates": dict(coordinates or BERLIN),  # a copy: tests may change it
                }
            ],
        },
        "orderLineItems": [
            {"article": {"tenantArticleId": f"A-{n}", "title": f"Article {n}"}, "quantity": n + 1} for n in range(lines)
        ],
    }
    if status:
        body["status"] = status
    body.update(fields)
    return body


def locked_order_body(reason: str = "Fraud check pending", **fields: Any) -> dict:
    return order_body("LOCKED", statusReasons=[{"status": "LOCKED", "reason": reason}], **fields)


def full_order_body() -> dict:
    """Every part of the platform's OrderForCreation (addresses, phone numbers, attributes, tags...)."""
    return json.loads(FULL_ORDER.read_text(encoding="utf-8"))


def maximal_order_body(collect_facility_ref: str) -> dict:
    """Every field group of the platform's OrderForCreation, click-and-collect at `collect_facility_ref`:
    consumer with every address field and phone numbers, lines with attributes, tags, substitutes and
    measurement validation, stickers, paymentInfo, pricing (fees, taxes, discounts), source,
    customServices, promisesOptions, deliveryPreferences (collect, shipping, reservation)."""
    body = json.loads(MAXIMAL_ORDER.read_text(encoding="utf-8"))
    body["deliveryPreferences"]["collect"][0]["facilityRef"] = collect_facility_ref
    return body
