"""Which events a subscription with FACILITY contexts gets (the dispatcher's filter)."""

from __future__ import annotations

from order_service.webhooks.rules import wants


def envelope(event: str, payload: dict) -> dict:
    return {"event": event, "eventId": "e", "payload": payload}


ORDER_IN_A = envelope("ORDER_CREATED", {"id": "o", "routing": {"facilityRef": "A", "status": "ROUTED"}})
PICK_JOB_IN_B = envelope("PICK_JOB_CREATED", {"id": "p", "facilityRef": "B"})
REROUTE_B_TO_C = envelope("PICK_JOB_REROUTED", {"order": {}, "oldFacilityRef": "B", "newFacilityRef": "C"})
NOT_ROUTABLE = envelope("ORDER_CREATED", {"id": "o", "routing": {"status": "NOT_ROUTABLE"}})


def subscription(*facilities: str) -> dict:
    contexts = [{"type": "FACILITY", "values": list(facilities)}] if facilities else []
    return {"id": "s", "event": "ORDER_CREATED", "contexts": contexts}


def test_without_contexts_every_event_is_wanted():
    assert all(wants(subscription(), e) for e in (ORDER_IN_A, PICK_JOB_IN_B, NOT_ROUTABLE))


def test_a_facility_context_wants_only_that_facilitys_events():
    only_a = subscription("A")

    assert wants(only_a, ORDER_IN_A)
    assert not wants(only_a, PICK_JOB_IN_B)
    assert not wants(only_a, NOT_ROUTABLE)


def test_a_reroute_belongs_to_both_its_facilities():
    assert wants(subscription("B"), REROUTE_B_TO_C)
    assert wants(subscription("C"), REROUTE_B_TO_C)
    assert not wants(subscription("A"), REROUTE_B_TO_C)
