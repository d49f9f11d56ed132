"""A subscriber that hangs must not hold up another's deliveries (docs/webhooks.md, Isolation)."""

from __future__ import annotations

import math
import time
from datetime import datetime

import pytest

from tests.builders import locked_order_body
from tests.e2e.conftest import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EVENTS = 20


def subscribe(stack, name: str, path: str) -> None:
    status, body = stack.call(
        "POST",
        "/api/subscriptions",
        {"name": name, "event": "ORDER_CREATED", "target": {"type": "WEBHOOK", "callbackUrl": f"{stack.inbox}{path}"}},
    )
    assert status == 201, body


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]  # nearest rank: over 20 values, the largest


def test_a_subscriber_hanging_15_s_leaves_the_healthy_ones_deliveries_within_2_s_p99_over_20_events(stack):
    subscribe(stack, "hangs", "/hooks/slow?seconds=15")
    subscribe(stack, "healthy", "/hooks/healthy")

    created_at: dict[str, float] = {}
    for _ in range(EVENTS):
        status, order = stack.call("POST", "/api/orders", locked_order_body())
        assert status == 201
        created_at[order["id"]] = datetime.fromisoformat(order["created"]).timestamp()
        time.sleep(0.2)

    def healthy_arrivals() -> dict[str, float]:
        return {
            item["body"]["payload"]["id"]: item["receivedAt"]
            for item in stack.inbox_items("ORDER_CREATED")
            if item["path"] == "/hooks/healthy" and item["body"]["payload"]["id"] in created_at
        }

    arrived = eventually(lambda: len(healthy_arrivals()) == EVENTS and healthy_arrivals(), timeout=90)
    assert arrived, f"only {len(healthy_arrivals())} of {EVENTS} healthy deliveries arrived"
    latencies = [arrived[order_id] - created for order_id, created in created_at.items()]
    slow_started = [i for i in stack.inbox_items("ORDER_CREATED") if i["path"].startswith("/hooks/slow")]

    assert slow_started, "the hanging subscriber was sent to as well"
    assert p99(latencies) < 2.0, sorted(round(x, 2) for x in latencies)
