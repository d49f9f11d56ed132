"""Idempotency-Key on create: a retry returns the first order; the same key with another body is a 409."""

from __future__ import annotations

import boto3

from tests.builders import facility_body, locked_order_body, order_body


def order_count() -> int:
    return boto3.client("dynamodb").scan(TableName="OrdersTable", Select="COUNT")["Count"]


def test_a_retry_with_the_same_key_creates_one_order(api):
    api.post("/api/facilities", facility_body())
    headers = {"Idempotency-Key": "order-R-1001-attempt"}

    first = api.post("/api/orders", locked_order_body(), headers=headers)
    retry = api.post("/api/orders", locked_order_body(), headers=headers)

    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert order_count() == 1


def test_the_same_key_with_another_body_is_a_409(api):
    api.post("/api/facilities", facility_body())
    headers = {"Idempotency-Key": "k-1"}
    api.post("/api/orders", order_body(tenantOrderId="R-1"), headers=headers)

    reply = api.post("/api/orders", order_body(tenantOrderId="R-2"), headers=headers)

    assert reply.status == 409
    assert reply.body[0]["description"] == "Idempotency-Key"
    assert order_count() == 1


def test_different_keys_create_different_orders(api):
    api.post("/api/facilities", facility_body())

    a = api.post("/api/orders", order_body(), headers={"Idempotency-Key": "a"}).body
    b = api.post("/api/orders", order_body(), headers={"Idempotency-Key": "b"}).body

    assert a["id"] != b["id"]
    assert order_count() == 2


def test_a_refused_request_does_not_burn_the_key(api):
    api.post("/api/facilities", facility_body())
    headers = {"Idempotency-Key": "k-2"}
    refused = api.post(
        "/api/orders", order_body(deliveryPreferences={"collect": [{"facilityRef": "nope"}]}), headers=headers
    )

    accepted = api.post(
        "/api/orders", order_body(deliveryPreferences={"collect": [{"facilityRef": "nope"}]}), headers=headers
    )

    assert refused.status == 400
    assert accepted.status == 400  # still evaluated, not a cached answer or an in-progress 409
    assert order_count() == 0
