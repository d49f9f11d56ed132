"""Envelopes too large for EventBridge go out as claim checks: what a subscriber gets instead."""

from __future__ import annotations

import json

from order_service.events import bus, rules


def big_order(order_id: str = "order-1") -> dict:
    return {
        "id": order_id,
        "version": 3,
        "status": "OPEN",
        "tenantOrderId": "R-1",
        "customAttributes": {"n": "x" * 300_000},
    }


def test_a_small_envelope_goes_out_whole():
    envelope = rules.envelope(rules.ORDER_CREATED, {"id": "o", "version": 1, "status": "OPEN"}, "o", 1)

    assert json.loads(bus.entry(envelope)["Detail"]) == envelope


def test_a_300_kb_order_event_becomes_a_reference_with_the_path_to_fetch_it():
    envelope = rules.envelope(rules.ORDER_UNLOCKED, big_order(), "order-1", 3)

    entry = bus.entry(envelope)
    sent = json.loads(entry["Detail"])

    assert bus.entry_size(entry) <= bus.CLAIM_CHECK_OVER_BYTES
    assert (sent["event"], sent["eventId"]) == (envelope["event"], envelope["eventId"])  # same fact, same id
    assert sent["payload"] == {"id": "order-1", "version": 3, "status": "OPEN", "tenantOrderId": "R-1"}
    assert sent["payloadUrl"] == "/api/orders/order-1"


def test_a_reroute_of_a_big_order_keeps_its_references_and_cuts_only_the_order():
    payload = {
        "order": big_order(),
        "oldPickJobRef": "pj-0",
        "newPickJobRef": "pj-1",
        "oldFacilityRef": "f-0",
        "newFacilityRef": "f-1",
        "rerouteDate": "2026-11-27T08:00:00.000Z",
    }
    envelope = rules.envelope(rules.PICK_JOB_REROUTED, payload, "order-1", 4)

    sent = json.loads(bus.entry(envelope)["Detail"])

    assert {k: v for k, v in sent["payload"].items() if k != "order"} == {
        k: v for k, v in payload.items() if k != "order"
    }
    assert sent["payload"]["order"] == {"id": "order-1", "version": 3, "status": "OPEN", "tenantOrderId": "R-1"}
    assert sent["payloadUrl"] == "/api/orders/order-1"
