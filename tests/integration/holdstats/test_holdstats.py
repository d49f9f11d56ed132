"""Queue health, with an injected clock: the scheduled snapshot behind GET /api/orders/holdstats (every
figure of a seeded queue), its reads (the route: one GetItem, whatever the queue's size; the run: KEYS_ONLY
queries of by-status-facility, never a scan) and the metrics it publishes for the alarms and the dashboard
(names and dimensions exactly as docs/operations.md's table)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from local_stack import template
from local_stack.apigw import LambdaContext
from order_service.core import clock, dynamo
from order_service.core.clock import iso
from order_service.core.config import settings
from order_service.holdstats import service as queue_health
from tests.builders import MUNICH, facility_body, order_body
from tests.integration.orders.test_dynamodb_calls import counting, reads

NOW = datetime(2026, 11, 27, 12, 0, 0, 123000, tzinfo=UTC)
HOLD_TYPES = {
    "types": [
        {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["admins"]},
        {"key": "PAYMENT", "name": "Payment check", "releaseGroups": ["admins"]},
        {"key": "ADDRESS", "name": "Address check", "releaseGroups": ["admins"]},
    ],
    "version": 0,
}


@pytest.fixture(autouse=True)
def no_metrics_left_over():
    """Powertools keeps metrics until a handler flushes them; runs called directly here do not."""
    queue_health.metrics.clear_metrics()


@pytest.fixture
def at(monkeypatch):
    """`at(minutes)`: the clock stands that many minutes before NOW from here on."""

    def set_clock(minutes_before: float) -> datetime:
        moment = NOW - timedelta(minutes=minutes_before)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return set_clock


@pytest.fixture
def facilities(api) -> dict[str, str]:
    assert api.request("PUT", "/api/configurations/holds", HOLD_TYPES).status == 200
    return {
        "berlin": api.post("/api/facilities", facility_body("Berlin")).body["id"],
        "munich": api.post("/api/facilities", facility_body("Munich", MUNICH)).body["id"],
    }


def held(api, facility: str, *types: str, **fields) -> dict:
    body = order_body(
        deliveryPreferences={"collect": [{"facilityRef": facility}]},
        holds=[{"type": t, "reason": f"{t.lower()} check"} for t in types],
        **fields,
    )
    reply = api.post("/api/orders", body)
    assert reply.status == 201, reply.body
    return reply.body


def act(api, order: dict, action: dict) -> dict:
    reply = api.post(f"/api/orders/{order['id']}/actions", {"version": order["version"], **action})
    assert reply.status == 200, reply.body
    return reply.body


def hold_id(order: dict, hold_type: str) -> str:
    return next(h["id"] for h in order["holds"] if h["type"] == hold_type and h["status"] == "ACTIVE")


def test_every_figure_of_a_seeded_queue(api, streams, facilities, at):
    berlin, munich = facilities["berlin"], facilities["munich"]
    # Given held orders of several types, facilities and ages (minutes before NOW)
    at(1500)
    oldest = held(api, berlin, "DEFAULT")
    at(300)
    held(api, munich, "FRAUD")
    at(70)
    held(api, berlin, "FRAUD", "PAYMENT")
    at(20)
    partly_released = held(api, berlin, "PAYMENT", "DEFAULT")
    at(5)
    held(api, munich, "DEFAULT")
    # an order created long ago and re-locked 10 minutes ago is held for 10 minutes, not 100
    at(100)
    relocked = api.post("/api/orders", order_body(deliveryPreferences={"collect": [{"facilityRef": munich}]})).body
    at(10)
    act(api, relocked, {"name": "PLACE_HOLD", "type": "FRAUD", "reason": "chargeback"})
    # and releases: one UNLOCK 30 minutes ago, one RELEASE_HOLD 2 minutes ago; one more than an hour ago
    at(100)
    unlocked = held(api, berlin, "DEFAULT")
    long_ago = held(api, berlin, "DEFAULT")
    # (the event publisher counts them when it publishes their ORDER_HOLD_RELEASED: the streams run then)
    at(90)
    act(api, long_ago, {"name": "UNLOCK"})
    streams.drain()
    at(30)
    act(api, unlocked, {"name": "UNLOCK"})
    streams.drain()
    at(2)
    act(api, partly_released, {"name": "RELEASE_HOLD", "holdId": hold_id(partly_released, "DEFAULT")})
    streams.drain()

    # When the scheduled run takes its snapshot at NOW, and someone asks a minute later
    at(0)
    queue_health.run(NOW)
    at(-1)
    stats = api.get("/api/orders/holdstats").body

    # Then every figure is the queue's at NOW
    assert stats["held"] == 6
    assert stats["byType"] == {"ADDRESS": 0, "DEFAULT": 2, "FRAUD": 3, "PAYMENT": 2}
    assert stats["byFacility"] == {berlin: 3, munich: 3}
    assert stats["oldestHeldSince"] == iso(NOW - timedelta(minutes=1500))
    assert stats["oldestHeldOrderId"] == oldest["id"]
    # the SLA list: the held orders, longest held first (the re-locked one by its re-lock: 10 minutes)
    assert stats["longestHeld"][0]["id"] == oldest["id"]
    assert [o["heldSince"] for o in stats["longestHeld"]] == sorted(o["heldSince"] for o in stats["longestHeld"])
    assert len(stats["longestHeld"]) == 6
    # held 1500, 300, 70, 20, 10 and 5 minutes: cumulative buckets
    assert stats["ageHistogram"] == [
        {"olderThanMinutes": 0, "count": 6},
        {"olderThanMinutes": 15, "count": 4},
        {"olderThanMinutes": 60, "count": 3},
        {"olderThanMinutes": 240, "count": 2},
        {"olderThanMinutes": 1440, "count": 1},
    ]
    assert stats["releasedLastHour"] == 2
    assert stats["at"] == iso(NOW)  # the snapshot's time, not the request's
    assert (stats["complete"], stats["ordersRead"]) == (True, 6)


def test_nothing_held_and_before_the_first_run(api, facilities, at):
    at(0)
    before = api.get("/api/orders/holdstats")
    assert before.status == 200
    assert (before.body["held"], before.body["complete"], before.body["oldestHeldSince"]) == (0, False, None)

    queue_health.run(NOW)
    stats = api.get("/api/orders/holdstats").body

    assert stats["held"] == 0 and stats["byFacility"] == {} and stats["oldestHeldSince"] is None
    assert stats["byType"] == {"ADDRESS": 0, "DEFAULT": 0, "FRAUD": 0, "PAYMENT": 0}
    assert [b["count"] for b in stats["ageHistogram"]] == [0, 0, 0, 0, 0]
    assert stats["complete"] is True


def test_needs_order_read(api, facilities):
    reply = api.get(
        "/api/orders/holdstats", authorizer=template.authorizer_context("x") | {"permissions": "PICKJOB_READ"}
    )
    assert reply.status == 403


@pytest.mark.parametrize("queue_size", [3, 130])
def test_the_route_reads_one_item_whatever_the_queue_size(api, facilities, at, queue_size):
    at(0)
    for n in range(queue_size):
        held(api, facilities["berlin"] if n % 2 else facilities["munich"], "FRAUD")
    queue_health.run(NOW)

    with counting() as route:
        api.get("/api/orders/holdstats")
    with reads() as run:
        queue_health.run(NOW)

    assert route == {"GetItem": 1}
    operations = {operation for operation, _, _ in run}
    assert operations <= {"Query", "BatchGetItem", "GetItem", "PutItem"}  # never a Scan
    queries = [(index, read) for operation, index, read in run if operation == "Query"]
    assert {index for index, _ in queries} == {"by-status-facility"}
    assert len(queries) == 32  # one per LOCKED shard (each fits in one page here)
    assert sum(read for _, read in queries) == queue_size  # only the held orders' keys
    batches = [read for operation, _, read in run if operation == "BatchGetItem"]
    # the held orders by key, 100 a request; then the release counter's slots (none written yet)
    assert batches == [min(100, queue_size - start) for start in range(0, queue_size, 100)] + [0]


def test_a_run_over_its_caps_says_so(api, facilities, at, monkeypatch):
    at(0)
    for minutes in (50, 40, 30, 20):
        at(minutes)
        held(api, facilities["berlin"], "FRAUD")
    monkeypatch.setenv("HOLDSTATS_MAX_ORDERS_READ", "2")
    settings.cache_clear()

    stats = queue_health.run(NOW)

    # every held order is counted from the index; only the two oldest-created are read by key
    assert (stats["held"], stats["byFacility"], stats["complete"], stats["ordersRead"]) == (
        4,
        {facilities["berlin"]: 4},
        False,
        2,
    )
    assert stats["byType"]["FRAUD"] == 2 and stats["oldestHeldSince"] == iso(NOW - timedelta(minutes=50))

    monkeypatch.setenv("HOLDSTATS_MAX_KEYS", "3")
    settings.cache_clear()
    assert (queue_health.run(NOW)["held"], queue_health.run(NOW)["complete"]) == (3, False)


def emf(output: str) -> list[dict]:
    """The EMF documents a function printed: (metric, dimension names, dimension values, value)."""
    found = []
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                for dimensions in directive["Dimensions"]:
                    found.append(
                        {
                            "namespace": directive["Namespace"],
                            "name": metric["Name"],
                            "dimensions": {d: document[d] for d in dimensions},
                            "value": _number(document[metric["Name"]]),
                        }
                    )
    return found


def _number(value: float | list[float]) -> float:
    """EMF carries a value or a list of values (Powertools writes lists); their sum."""
    return sum(value) if isinstance(value, list) else value


def run_scheduled(capsys) -> list[dict]:
    function = template.functions()["QueueHealthFunction"]
    capsys.readouterr()
    template.handler(function)(
        {"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext("QueueHealthFunction")
    )
    return emf(capsys.readouterr().out)


def test_the_metrics_the_alarms_read_with_zeros_when_nothing_is_held(api, facilities, at, capsys):
    at(0)
    service = settings().service_name

    metrics = run_scheduled(capsys)

    assert {(m["namespace"], m["name"], json.dumps(m["dimensions"], sort_keys=True), m["value"]) for m in metrics} == {
        ("OrderService", "OldestHeldOrderAgeMinutes", json.dumps({"service": service}), 0),
        *(
            ("OrderService", "HeldOrders", json.dumps({"HoldType": t, "service": service}, sort_keys=True), 0)
            for t in ("DEFAULT", "FRAUD", "PAYMENT", "ADDRESS")
        ),
    }


def test_the_metrics_of_a_held_queue(api, facilities, at, capsys):
    at(250)
    held(api, facilities["berlin"], "FRAUD", "PAYMENT")
    at(30)
    held(api, facilities["munich"], "FRAUD")
    at(0)

    metrics = run_scheduled(capsys)

    values = {(m["name"], m["dimensions"].get("HoldType")): m["value"] for m in metrics}
    assert values == {
        ("OldestHeldOrderAgeMinutes", None): 250,
        ("HeldOrders", "DEFAULT"): 0,
        ("HeldOrders", "FRAUD"): 2,
        ("HeldOrders", "PAYMENT"): 1,
        ("HeldOrders", "ADDRESS"): 0,
    }


def test_releases_publish_holds_released_with_the_service_dimension(api, facilities, at, capsys):
    at(0)
    order = held(api, facilities["berlin"], "FRAUD", "PAYMENT")
    capsys.readouterr()

    act(api, order, {"name": "UNLOCK"})

    released = [m for m in emf(capsys.readouterr().out) if m["name"] == "HoldsReleased"]
    assert released == [
        {
            "namespace": "OrderService",
            "name": "HoldsReleased",
            "dimensions": {"service": settings().service_name},
            "value": 2,
        }
    ]


def test_the_publisher_counts_a_batchs_releases_with_one_write(api, streams, facilities, at):
    at(5)
    orders = [held(api, facilities["berlin"], "DEFAULT") for _ in range(3)]
    streams.drain()
    for order in orders:
        act(api, order, {"name": "UNLOCK"})
    counter_writes: list[str] = []

    def record(params: dict, **_: object) -> None:
        if params.get("TableName") == template.physical_name("ConfigurationsTable"):
            counter_writes.append(params["Key"]["id"]["S"])

    events = dynamo.client().meta.events
    events.register("provide-client-params.dynamodb.UpdateItem", record)
    try:
        streams.drain()  # the three UNLOCK records reach the publisher in one batch
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", record)
    at(0)
    queue_health.run(NOW)

    assert len(counter_writes) == 1 and counter_writes[0].startswith("holdstats-released#")
    assert api.get("/api/orders/holdstats").body["releasedLastHour"] == 3
