"""The held orders' keys: an order routed while the run reads the shards is counted once."""

from __future__ import annotations

from typing import Any

from order_service.core import dynamo
from order_service.holdstats import store as stats_store
from order_service.orders import rules as orders


class TwoShardsSeeTheSameOrder:
    """A client whose LOCKED#00 and LOCKED#05 both answer one order (it moved between the two queries)."""

    def query(self, **request: Any) -> dict[str, Any]:
        partition = request["ExpressionAttributeValues"][":pk"]["S"]
        sort_keys = {
            "LOCKED#00": "~unrouted#2026-11-27T09:00:00.000Z#o-1",
            "LOCKED#05": "f-9#2026-11-27T09:00:00.000Z#o-1",
        }
        if partition not in sort_keys:
            return {"Items": []}
        return {"Items": [{orders.FACILITY_CREATED_ID: {"S": sort_keys[partition]}, "id": {"S": "o-1"}}]}


def test_an_order_seen_in_two_shards_is_held_once(monkeypatch):
    monkeypatch.setattr(stats_store, "_orders", lambda: "OrdersTable")
    monkeypatch.setattr(dynamo, "client", lambda: TwoShardsSeeTheSameOrder())

    held = stats_store.held_keys(100)

    assert [(k.order_id, k.facility_ref) for k in held.keys] == [("o-1", "f-9")]  # the later sighting
    assert held.complete
