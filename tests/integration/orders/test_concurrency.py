"""Concurrency is settled by DynamoDB conditions: of twenty simultaneous UNLOCKs, exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter

from tests.builders import facility_body, locked_order_body


def test_twenty_concurrent_unlocks_of_one_order_give_exactly_one_200(api):
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", locked_order_body()).body
    start = threading.Barrier(20)
    statuses: list[int] = []

    def unlock() -> None:
        start.wait()
        reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
        statuses.append(reply.status)

    threads = [threading.Thread(target=unlock) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(statuses) == {200: 1, 409: 19}
    final = api.get(f"/api/orders/{order['id']}").body
    assert final["status"] == "OPEN"
    assert final["version"] == 2
    assert len(final["statusHistory"]) == 2


def test_unlock_racing_cancel_one_wins(api):
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", locked_order_body()).body
    start = threading.Barrier(2)
    replies = {}

    def act(name: str) -> None:
        start.wait()
        replies[name] = api.post(f"/api/orders/{order['id']}/actions", {"name": name, "version": 1}).status

    threads = [threading.Thread(target=act, args=(name,)) for name in ("UNLOCK", "CANCEL")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(replies.values()) == [200, 409]
    winner = next(name for name, status in replies.items() if status == 200)
    assert api.get(f"/api/orders/{order['id']}").body["status"] == {"UNLOCK": "OPEN", "CANCEL": "CANCELLED"}[winner]
