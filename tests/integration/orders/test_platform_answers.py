"""Every answer a platform client reads fits the platform's own schemas (vendored in platform/): orders
against `Order`, errors against `ApiError`, bulk results against `BulkOrderActionResult`, events
against `Order*WebHookEvent`."""

from __future__ import annotations

import pytest

from tests.builders import facility_body, full_order_body, locked_order_body, order_body
from tests.platform_schemas import violations


@pytest.fixture
def facility(api) -> dict:
    return api.post("/api/facilities", facility_body()).body


def test_create_get_list_unlock_and_cancel_answer_platform_orders(api, facility):
    created = api.post("/api/orders", full_order_body())
    opened = api.post("/api/orders", order_body())
    order_id = created.body["id"]

    got = api.get(f"/api/orders/{order_id}")
    listed = api.get("/api/orders", query={"tenantOrderId": created.body["tenantOrderId"]})
    unlocked = api.post(f"/api/orders/{order_id}/actions", {"name": "UNLOCK", "version": 1})
    cancelled = api.post(f"/api/orders/{order_id}/actions", {"name": "CANCEL", "version": 2})
    forced = api.post(f"/api/orders/{opened.body['id']}/actions", {"name": "FORCE_CANCEL", "version": 1})

    answers = [created, opened, got, unlocked, cancelled, forced]
    assert [a.status for a in answers] == [201, 201, 200, 200, 200, 200]
    for answer in answers:
        assert violations("Order", answer.body) == []
    assert listed.body["total"] == 1
    assert violations("Order", listed.body["orders"], array=True) == []


def test_orders_carry_the_platforms_process_id_and_no_workflow(api, facility):
    order = api.post("/api/orders", locked_order_body()).body

    assert order["processId"] == order["id"]
    assert order["workflowInformation"] == {"isAvailable": False}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/orders", {"consumer": {}}, 400),
        ("GET", "/api/orders/missing", None, 404),
        ("POST", "/api/orders/missing/actions", {"name": "UNLOCK", "version": 1}, 404),
    ],
)
def test_errors_answer_the_platforms_api_error(api, method, path, body, status):
    reply = api.request(method, path, body)

    assert reply.status == status
    assert violations("ApiError", reply.body) == []


def test_a_version_conflict_answers_an_api_error_with_both_versions(api, facility):
    order = api.post("/api/orders", locked_order_body()).body

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 7})

    assert reply.status == 409
    assert violations("ApiError", reply.body) == []
    assert (reply.body[0]["version"], reply.body[0]["requestVersion"]) == (1, 7)


def test_bulk_results_are_the_platforms_bulk_order_action_results(api, facility):
    order = api.post("/api/orders", locked_order_body()).body
    refs = [{"orderId": order["id"], "version": 1}, {"orderId": "missing", "version": 1}]

    reply = api.post("/api/orders/actions", {"name": "BULK_FORCE_CANCEL", "orders": refs})

    assert [r["status"] for r in reply.body] == ["UPDATED", "FAILED"]
    assert violations("BulkOrderActionResult", reply.body, array=True) == []


def test_order_events_are_the_platforms_webhook_events(api, streams, event_sink, facility):
    locked = api.post("/api/orders", full_order_body()).body
    api.post(f"/api/orders/{locked['id']}/actions", {"name": "UNLOCK", "version": 1})
    api.post(f"/api/orders/{locked['id']}/actions", {"name": "CANCEL", "version": 2})
    streams.drain()

    schemas = {
        "ORDER_CREATED": "OrderCreatedWebHookEvent",
        "ORDER_UNLOCKED": "OrderUnlockedWebHookEvent",
        "ORDER_CANCELLED": "OrderCancelledWebHookEvent",
    }
    for event, schema in schemas.items():
        [envelope] = event_sink.envelopes(event)
        assert violations(schema, envelope) == [], event
