"""The DynamoDB calls each operation makes, counted with botocore's event hooks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from order_service.core import dynamo
from tests.builders import MUNICH, facility_body, locked_order_body, order_body


@contextmanager
def counting() -> Iterator[Counter]:
    calls: Counter = Counter()

    def count(event_name: str, **_: object) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)


def test_calls_per_operation(api):
    berlin = api.post("/api/facilities", facility_body()).body
    api.post("/api/facilities", facility_body("Munich", MUNICH))

    with counting() as create_nearest:
        order = api.post("/api/orders", locked_order_body()).body
    with counting() as create_collect:
        api.post("/api/orders", order_body(deliveryPreferences={"collect": [{"facilityRef": berlin["id"]}]}))
    with counting() as get:
        api.get(f"/api/orders/{order['id']}")
    with counting() as unlock:
        api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    with counting() as cancel:
        api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 2})
    with counting() as conflict:
        api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 2})

    assert create_nearest == {"PutItem": 1, "Query": 1}  # the ONLINE facilities, then one write
    assert create_collect == {"PutItem": 1, "BatchGetItem": 1}  # the collect facility, then one write
    assert get == {"GetItem": 1}
    # a status change reads the order (its facility places it in by-status-facility), then one
    # conditional write; a stale version is refused by the read, with no write
    assert unlock == {"GetItem": 1, "UpdateItem": 1}
    assert cancel == {"GetItem": 1, "UpdateItem": 1}
    assert conflict == {"GetItem": 1}
