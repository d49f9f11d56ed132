"""Writes events/api/<EventName>.json: one sample API Gateway event per route of template.yaml.

The samples are what `sam local invoke -e` takes and what the tests start from.
"""

from __future__ import annotations

import json
import re

from local_stack import template
from local_stack.apigw import rest_event

EVENTS = template.ROOT / "events" / "api"
SAMPLE_ID = "6e0f6c9a-2f1c-4b0e-9d7e-3f3a2b1c0d9e"
# what the TOKEN authorizer passes on for a user of the admins group
SAMPLE_AUTHORIZER = template.authorizer_context("alice")
BODIES: dict[str, dict] = {
    "CreateFacility": {
        "name": "Berlin Mitte",
        "tenantFacilityId": "BER-1",
        "address": {
            "street": "Torstr.",
            "houseNumber": "1",
            "postalCode": "10119",
            "city": "Berlin",
            "country": "DE",
            "coordinates": {"lat": 52.529, "lon": 13.401},
        },
    },
    "PatchFacility": {"version": 1, "status": "SUSPENDED"},
    "CreateOrder": {
        "tenantOrderId": "R-1001",
        "orderDate": "2026-11-26T08:45:50.525Z",
        "status": "LOCKED",
        "statusReasons": [{"status": "LOCKED", "reason": "Fraud check pending"}],
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
                    "coordinates": {"lat": 52.53, "lon": 13.38},
                }
            ],
        },
        "orderLineItems": [{"article": {"tenantArticleId": "4711", "title": "Cologne Water"}, "quantity": 2}],
    },
    "OrderAction": {"name": "UNLOCK", "version": 1},
    "PatchPickJob": {"version": 1, "status": "IN_PROGRESS"},
    "CreateSubscription": {
        "name": "ERP unlocks",
        "event": "ORDER_UNLOCKED",
        "target": {
            "type": "WEBHOOK",
            "callbackUrl": "https://erp.example.com/hooks/orders",
            "headers": [{"key": "Authorization", "value": "Bearer erp-token"}],
        },
    },
    "DeadLetterAction": {"name": "REDRIVE"},
    "BulkOrderAction": {"name": "BULK_UNLOCK", "orders": [{"orderId": SAMPLE_ID, "version": 1}]},
    "PutLockRulesConfiguration": {
        "rules": [
            {
                "key": "HIGH_RISK",
                "name": "Checkout risk score 70 or more",
                "holdType": "FRAUD",
                "reason": "Risk score from the checkout",
                "when": {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
            },
            {
                "key": "NEW_CUSTOMER_BULK",
                "name": "First order, more than 10 items",
                "holdType": "FRAUD",
                "reason": "First order of a new customer with a large quantity",
                "when": {"$facts": {"consumerOrderCount": [0], "totalQuantity": [{"numeric": [">", 10]}]}},
            },
        ],
        "version": 0,
    },
}
BODIES["LockRulesAction"] = {
    "name": "TEST",
    "order": {
        **{k: v for k, v in BODIES["CreateOrder"].items() if k not in ("status", "statusReasons")},
        "customAttributes": {"riskScore": 82},
    },
}


def main() -> None:
    EVENTS.mkdir(parents=True, exist_ok=True)
    for function in template.functions().values():
        for name, event in function.events("Api").items():
            path = re.sub(r"\{\w+\}", SAMPLE_ID, event["Path"])
            body = json.dumps(BODIES[name]) if name in BODIES else None
            public = (event.get("Auth") or {}).get("Authorizer") == "NONE"
            sample = rest_event(
                event["Method"].upper(),
                event["Path"],
                path,
                body=body,
                authorizer=None if public else SAMPLE_AUTHORIZER,
            )
            sample["requestContext"]["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
            sample["requestContext"]["requestTimeEpoch"] = 1795423550525
            sample["requestContext"]["requestTime"] = "26/Nov/2026:08:45:50 +0000"
            (EVENTS / f"{name}.json").write_text(json.dumps(sample, indent=2) + "\n", encoding="utf-8")
            print(f"events/api/{name}.json")


def stream_samples() -> None:
    """events/streams/*.json: real records of the orders stream, recorded from moto while the API
    creates a locked and an open order, unlocks one and cancels one."""
    import os

    import boto3
    from moto import mock_aws

    from local_stack import provision
    from local_stack.apigw import LambdaContext
    from local_stack.event_sources import StreamReader

    os.environ.update(
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_DEFAULT_REGION=template.REGION,
    )
    for function in template.functions().values():
        os.environ.update(function.environment())
    routes = {(r.method, r.path): r.function for r in template.api_routes()}

    def call(method: str, resource: str, path: str, body: dict) -> dict:
        handler = template.handler(routes[(method, resource)])
        event = rest_event(method, resource, path, body=json.dumps(body), authorizer=SAMPLE_AUTHORIZER)
        reply = handler(event, LambdaContext("sample"))
        return json.loads(reply["body"])

    with mock_aws():
        created = provision.create_all(boto3.Session())
        call("POST", "/api/facilities", "/api/facilities", BODIES["CreateFacility"])
        locked = call("POST", "/api/orders", "/api/orders", BODIES["CreateOrder"])
        open_body = {
            **BODIES["CreateOrder"],
            "status": "OPEN",
            "tenantOrderId": "R-1002",
            "statusReasons": [{"status": "OPEN", "reason": "Verified customer"}],
        }
        opened = call("POST", "/api/orders", "/api/orders", open_body)
        action = "/api/orders/{orderId}/actions"
        call("POST", action, f"/api/orders/{locked['id']}/actions", {"name": "UNLOCK", "version": 1})
        call("POST", action, f"/api/orders/{opened['id']}/actions", {"name": "CANCEL", "version": 1})
        reader = StreamReader(boto3.client("dynamodbstreams"), created["streams"]["OrdersTable"], "OrdersTable")
        records = reader.read()
    names = ["order-insert-locked", "order-insert-open", "order-modify-unlock", "order-modify-cancel"]
    folder = template.ROOT / "events" / "streams"
    folder.mkdir(parents=True, exist_ok=True)
    for name, record in zip(names, records, strict=True):
        (folder / f"{name}.json").write_text(json.dumps({"Records": [record]}, indent=2) + "\n", encoding="utf-8")
        print(f"events/streams/{name}.json")


if __name__ == "__main__":
    main()
    stream_samples()
