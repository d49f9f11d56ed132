"""Idempotency-Key on create: a retry returns the first order; the same key with another body is a 409."""

from __future__ import annotations

import threading
import time
from collections import Counter

import boto3
import pytest

from local_stack import template
from local_stack.apigw import LambdaContext
from order_service.orders import service as order_service
from order_service.orders import store as order_store
from tests.builders import facility_body, locked_order_body, order_body
from tests.conftest import ADMIN


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


def test_keys_are_per_caller_and_cannot_collide_through_separators(api):
    api.post("/api/facilities", facility_body())

    first = api.post(
        "/api/orders", order_body(), headers={"Idempotency-Key": "c"}, authorizer={**ADMIN, "actor": "a|b"}
    )
    second = api.post(
        "/api/orders", order_body(), headers={"Idempotency-Key": "b|c"}, authorizer={**ADMIN, "actor": "a"}
    )

    assert first.status == second.status == 201
    assert first.body["id"] != second.body["id"]
    assert order_count() == 2


class FunctionKilled(BaseException):
    """What a Lambda timeout looks like to the code: it stops, no exception handler runs."""


def send_create(api, headers: dict[str, str], timeout_s: float = 10.0) -> dict:
    route, event = api.event("POST", "/api/orders", order_body(), headers=headers)
    return template.handler(route.function)(event, LambdaContext(route.function.logical_id, timeout_s=timeout_s))


def test_a_create_that_failed_after_writing_is_answered_with_the_stored_order_on_retry(api, monkeypatch):
    api.post("/api/facilities", facility_body())
    headers = {"Idempotency-Key": "fails-after-write"}

    def fail_after_the_write(**_: object) -> None:
        raise RuntimeError("metrics backend down")

    monkeypatch.setattr(order_service.metrics, "add_metric", fail_after_the_write)
    failed = api.post("/api/orders", order_body(), headers=headers)
    monkeypatch.undo()
    retry = api.post("/api/orders", order_body(), headers=headers)

    assert failed.status == 500
    assert retry.status == 201
    assert order_count() == 1
    assert api.get(f"/api/orders/{retry.body['id']}").body == retry.body


def test_a_request_killed_in_progress_blocks_its_key_only_for_the_time_its_function_had_left(api, monkeypatch):
    api.post("/api/facilities", facility_body())
    headers = {"Idempotency-Key": "killed"}

    def killed(**_: object) -> None:
        raise FunctionKilled

    monkeypatch.setattr(order_service.metrics, "add_metric", killed)
    with pytest.raises(FunctionKilled):
        send_create(api, headers, timeout_s=1.0)
    monkeypatch.undo()
    while_running = api.post("/api/orders", order_body(), headers=headers)
    time.sleep(1.2)
    after_the_timeout = api.post("/api/orders", order_body(), headers=headers)

    assert while_running.status == 409
    assert "in progress, retry" in while_running.body[0]["summary"]
    assert after_the_timeout.status == 201
    assert order_count() == 1


def test_concurrent_creates_with_one_key_store_one_order_and_tell_the_others_to_retry(api, monkeypatch):
    api.post("/api/facilities", facility_body())
    original = order_store.put_new_once

    def slow_write(*args: object) -> object:
        time.sleep(0.5)  # long enough for every other request to arrive while this one is in progress
        return original(*args)

    monkeypatch.setattr(order_store, "put_new_once", slow_write)
    start = threading.Barrier(5)
    replies = []

    def create() -> None:
        start.wait()
        replies.append(api.post("/api/orders", order_body(), headers={"Idempotency-Key": "same"}))

    threads = [threading.Thread(target=create) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(r.status for r in replies) == {201: 1, 409: 4}
    assert all("in progress, retry" in r.body[0]["summary"] for r in replies if r.status == 409)
    assert order_count() == 1
