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

    # the ONLINE facilities, then one write; and the auto-lock rules, read once per container every 30 s
    assert create_nearest == {"GetItem": 1, "PutItem": 1, "Query": 1}
    assert create_collect == {"PutItem": 1, "BatchGetItem": 1}  # the collect facility, then one write (rules cached)
    assert get == {"GetItem": 1}
    # a status change reads the order (its holds decide what to write, its facility places it in
    # by-status-facility), then one write conditioned on that version; a stale version is refused by the
    # read, with no write. DEFAULT holds need no read of the hold types' configuration. (The count of
    # released holds behind releasedLastHour is the event publisher's, once per stream batch.)
    assert unlock == {"GetItem": 1, "UpdateItem": 1}
    assert cancel == {"GetItem": 1, "UpdateItem": 1}
    assert conflict == {"GetItem": 1}


@contextmanager
def reads() -> Iterator[list[tuple[str, str | None, int]]]:
    """(operation, index, items read) per DynamoDB call; a Select=COUNT query (for `total`) is "Count"."""
    calls: list[tuple[str, str | None, int]] = []
    asked: list[dict] = []

    def before(params: dict, **_: object) -> None:
        asked.append(params)

    def after(event_name: str, parsed: dict, **_: object) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        params = asked.pop()
        if operation == "Query":
            kind = "Count" if params.get("Select") == "COUNT" else "Query"
            calls.append((kind, params.get("IndexName"), parsed.get("ScannedCount", 0)))
        elif operation == "BatchGetItem":
            calls.append((operation, None, sum(len(items) for items in parsed["Responses"].values())))
        else:
            calls.append((operation, None, 1))

    events = dynamo.client().meta.events
    events.register("provide-client-params.dynamodb", before)
    events.register("after-call.dynamodb", after)
    try:
        yield calls
    finally:
        events.unregister("provide-client-params.dynamodb", before)
        events.unregister("after-call.dynamodb", after)


def test_each_order_listing_reads_its_page_not_the_table(api):
    """by-status-facility: the back office's queue (status and facility) is one key-condition query, a
    facility one per status, a status its 32 shards; each reads the keys of about one page (plus one
    per partition that holds more) and the page's orders by key - whatever the table holds."""
    berlin = api.post("/api/facilities", facility_body()).body["id"]
    munich = api.post("/api/facilities", facility_body("Munich", MUNICH)).body["id"]
    elsewhere = order_body(coordinates=MUNICH)["consumer"]
    for _ in range(30):
        api.post("/api/orders", locked_order_body())  # Berlin's queue
    for _ in range(5):
        api.post("/api/orders", order_body())  # OPEN at Berlin
    for _ in range(10):
        api.post("/api/orders", locked_order_body(consumer=elsewhere))  # Munich's queue
    size = 5
    listings = {
        "queue": ({"status": "LOCKED", "facilityRef": berlin}, 1),
        "facility": ({"facilityRef": berlin}, 3),
        "status": ({"status": "LOCKED"}, 32),
    }
    for name, (query, partitions) in listings.items():
        with reads() as first:
            page = api.get("/api/orders", query={**query, "size": str(size)}).body
        with reads() as second:
            api.get("/api/orders", query={**query, "size": str(size), "startAfterId": page["nextStartAfterId"]})

        for calls in (first, second):
            queries = [read for kind, index, read in calls if kind == "Query"]
            assert len(queries) == partitions, name
            assert {index for kind, index, _ in calls if kind in ("Query", "Count")} == {"by-status-facility"}
            # keys: at most a page and one more from each partition that holds orders (Berlin's, Munich's)
            assert sum(queries) <= 2 * (size + 1), (name, calls)
            assert [read for kind, _, read in calls if kind == "BatchGetItem"] == [size], name
            assert sum(1 for kind, _, _ in calls if kind == "Count") == partitions  # `total`, Select=COUNT
        assert [read for kind, _, read in second if kind == "GetItem"] == [1]  # the place of startAfterId
        assert len(page["orders"]) == size
    assert page["total"] == 40  # the status listing: Berlin's queue, then Munich's
    queue = api.get("/api/orders", query={"status": "LOCKED", "facilityRef": munich, "size": "100"}).body
    assert queue["total"] == 10 and "nextStartAfterId" not in queue
