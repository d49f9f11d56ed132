"""Webhook subscriptions and delivery: signed, retried with backoff, dead letters kept and redriven."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time

import boto3
import pytest

from order_service.core.config import settings
from tests.builders import facility_body, locked_order_body
from tests.integration.orders.test_dynamodb_calls import counting
from tests.webhook_receiver import allow_local, allowed_receiver, port_of, running_receiver


@pytest.fixture
def webhook_settings(monkeypatch):
    """A 1 s timeout, no backoff wait and 3 tries, so tests are quick."""
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("WEBHOOK_BACKOFF_BASE_SECONDS", "0")
    monkeypatch.setenv("WEBHOOK_MAX_TRIES", "3")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def receiver(aws, webhook_settings, monkeypatch):
    with allowed_receiver(monkeypatch) as running:
        yield running


def subscribe(api, url: str, event: str = "ORDER_UNLOCKED", headers=None) -> dict:
    reply = api.post(
        "/api/subscriptions",
        {
            "name": f"{event} hook",
            "event": event,
            "target": {"type": "WEBHOOK", "callbackUrl": url, "headers": headers or []},
        },
    )
    assert reply.status == 201, reply.body
    return reply.body


def test_locked_then_unlocked_order_reaches_the_receiver_signed_with_custom_headers(api, settle, receiver):
    api.post("/api/facilities", facility_body())
    created_sub = subscribe(api, receiver.url, "ORDER_CREATED", headers=[{"key": "Authorization", "value": "Bearer t"}])
    unlocked_sub = subscribe(api, receiver.url, "ORDER_UNLOCKED")

    order = api.post("/api/orders", locked_order_body()).body
    settle()
    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    settle()

    created, unlocked = receiver.delivered("ORDER_CREATED"), receiver.delivered("ORDER_UNLOCKED")
    assert [r["body"]["payload"]["status"] for r in created] == ["LOCKED"]
    assert [r["body"]["payload"]["status"] for r in unlocked] == ["OPEN"]
    request = created[0]
    assert request["headers"]["Authorization"] == "Bearer t"
    assert request["headers"]["X-Event-Name"] == "ORDER_CREATED"
    assert request["headers"]["X-Event-Id"] == request["body"]["eventId"]
    timestamp = request["headers"]["X-Webhook-Timestamp"]
    expected = hmac.new(
        created_sub["secret"].encode(), timestamp.encode() + b"." + request["raw"], hashlib.sha256
    ).hexdigest()
    assert request["headers"]["X-Webhook-Signature"] == f"v1={expected}"
    assert unlocked_sub["secret"] != created_sub["secret"]


def test_500_twice_then_200_is_delivered_on_the_third_try_and_recorded_once(api, settle, receiver):
    api.post("/api/facilities", facility_body())
    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    receiver.script = [500, 500]

    api.post("/api/orders", locked_order_body())
    settle()

    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    records = boto3.client("dynamodb").query(
        TableName="WebhookDeliveriesTable",
        KeyConditionExpression="subscriptionId = :s",
        ExpressionAttributeValues={":s": {"S": subscription["id"]}},
    )["Items"]
    assert [(r["status"]["S"], r["attempts"]["N"]) for r in records] == [("DELIVERED", "3")]


def test_a_redelivered_event_is_not_sent_twice(api, settle, receiver, queues):
    from order_service.webhooks import service as webhooks

    api.post("/api/facilities", facility_body())
    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    api.post("/api/orders", locked_order_body())
    settle()
    envelope = receiver.delivered()[0]["body"]

    webhooks.queue_delivery(subscription["id"], envelope)  # what an at-least-once retry upstream looks like
    settle()

    assert len(receiver.requests) == 1


def test_always_failing_receiver_ends_in_dead_letters_and_is_redriven_when_back(api, settle, receiver):
    api.post("/api/facilities", facility_body())
    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    receiver.default = 503

    order = api.post("/api/orders", locked_order_body()).body
    settle()

    assert [r["status"] for r in receiver.requests] == [503, 503, 503]
    letters = api.get(f"/api/subscriptions/{subscription['id']}/deadletters").body
    assert letters["total"] == 1
    letter = letters["deadletters"][0]
    assert (letter["event"], letter["attempts"], letter["lastError"]) == ("ORDER_CREATED", 3, "HTTP 503")
    assert letter["envelope"]["payload"]["id"] == order["id"]

    receiver.default = 200
    reply = api.post(f"/api/subscriptions/{subscription['id']}/deadletters/actions", {"name": "REDRIVE"})
    settle()

    assert reply.status == 200 and reply.body == {"redriven": [letter["eventId"]], "more": False}
    assert [r["body"]["eventId"] for r in receiver.delivered()] == [letter["eventId"]]
    assert api.get(f"/api/subscriptions/{subscription['id']}/deadletters").body["total"] == 0


def test_the_sender_counts_deliveries_failed_tries_and_dead_letters(api, settle, receiver, capsys):
    """The metrics the dashboard and WebhookDeadLettersAlarm read (docs/operations.md)."""
    import json

    api.post("/api/facilities", facility_body())
    subscribe(api, receiver.url, "ORDER_CREATED")
    subscribe(api, receiver.url + "/down", "ORDER_CREATED")
    receiver.script = [200]  # the first subscription's one try; then the other fails its 3 tries
    receiver.default = 503
    capsys.readouterr()

    api.post("/api/orders", locked_order_body())
    settle()

    counted = {"WebhooksDelivered": 0.0, "WebhookTriesFailed": 0.0, "WebhookDeadLetters": 0.0}
    for line in capsys.readouterr().out.splitlines():
        if '"CloudWatchMetrics"' in line:
            document = json.loads(line)
            for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                if metric["Name"] in counted:
                    counted[metric["Name"]] += sum(document[metric["Name"]])
    assert counted == {"WebhooksDelivered": 1, "WebhookTriesFailed": 2, "WebhookDeadLetters": 1}


def dead_letters_of(api, subscription: dict, count: int) -> list[str]:
    """`count` dead letters of `subscription`, recorded as the sender records them after the last try."""
    from order_service.webhooks import store

    event_ids = [f"event-{n:03d}" for n in range(count)]
    for event_id in event_ids:
        envelope = {"event": "ORDER_CREATED", "eventId": event_id, "payload": {"id": f"order-{event_id}"}}
        assert store.record_dead(subscription["id"], envelope, 3, "HTTP 503", "2026-11-27T08:00:00.000Z")
    return event_ids


def test_dead_letters_are_listed_page_by_page(api, receiver):
    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    event_ids = dead_letters_of(api, subscription, 5)
    path = f"/api/subscriptions/{subscription['id']}/deadletters"

    pages, after = [], None
    while True:
        page = api.get(path, query={"size": "2", **({"startAfterId": after} if after else {})}).body
        if not page["deadletters"]:
            break
        pages.append([letter["eventId"] for letter in page["deadletters"]])
        after = pages[-1][-1]
        assert page["total"] == 5

    assert pages == [event_ids[0:2], event_ids[2:4], event_ids[4:5]]
    with counting() as calls:
        api.get(path, query={"size": "2"})
    # the subscription, the count and the page (dead letters only, from the sparse index), the page's envelopes
    assert calls == {"GetItem": 1, "Query": 2, "BatchGetItem": 1}


def test_two_concurrent_redrives_send_a_dead_letter_once(api, settle, receiver, monkeypatch):
    import threading

    from order_service.webhooks import store

    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    [event_id] = dead_letters_of(api, subscription, 1)
    both_read = threading.Barrier(2, timeout=10)
    read_page = store.dead_letters_page

    def read_then_wait_for_the_other(*args, **kwargs):
        page = read_page(*args, **kwargs)
        both_read.wait()  # both redrives saw the letter as DEAD before either sends it
        return page

    monkeypatch.setattr(store, "dead_letters_page", read_then_wait_for_the_other)
    replies: list = []
    path = f"/api/subscriptions/{subscription['id']}/deadletters/actions"
    redrives = [threading.Thread(target=lambda: replies.append(api.post(path, {"name": "REDRIVE"}))) for _ in range(2)]
    for thread in redrives:
        thread.start()
    for thread in redrives:
        thread.join()
    settle()

    assert sorted(r.body["redriven"] for r in replies) == [[], [event_id]]
    assert [r["body"]["eventId"] for r in receiver.requests] == [event_id]  # one POST, not two


def test_a_redrive_that_cannot_queue_gives_the_dead_letter_back(api, receiver, monkeypatch):
    from order_service.webhooks import service as webhooks

    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    [event_id] = dead_letters_of(api, subscription, 1)

    def queue_down(*_args):
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(webhooks, "queue_delivery", queue_down)
    reply = api.post(f"/api/subscriptions/{subscription['id']}/deadletters/actions", {"name": "REDRIVE"})

    assert reply.status == 500
    letters = api.get(f"/api/subscriptions/{subscription['id']}/deadletters").body
    assert [letter["eventId"] for letter in letters["deadletters"]] == [event_id]  # still there to redrive


def test_a_delivery_already_delivered_never_becomes_a_dead_letter(api, receiver):
    from order_service.webhooks import store

    subscription = subscribe(api, receiver.url, "ORDER_CREATED")
    envelope = {"event": "ORDER_CREATED", "eventId": "event-1", "payload": {"id": "order-1"}}
    store.record_delivered(subscription["id"], "event-1", 1, "2026-11-27T08:00:00.000Z")

    # a duplicate message of the same event fails its last try after the first one was delivered
    recorded = store.record_dead(subscription["id"], envelope, 3, "HTTP 503", "2026-11-27T08:01:00.000Z")

    assert not recorded
    assert api.get(f"/api/subscriptions/{subscription['id']}/deadletters").body == {"deadletters": [], "total": 0}
    assert store.delivery_status(subscription["id"], "event-1") == "DELIVERED"


def test_a_hanging_subscriber_in_the_same_batch_does_not_delay_the_healthy_one(
    api, receiver, streams, queues, monkeypatch
):
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "4")
    settings.cache_clear()
    with running_receiver() as hanging:
        allow_local(monkeypatch, port_of(receiver.url), port_of(hanging.url))
        hanging.delay = 6  # answers after our 4 s deadline
        api.post("/api/facilities", facility_body())
        subscribe(api, hanging.url, "ORDER_CREATED")
        subscribe(api, receiver.url, "ORDER_CREATED")
        api.post("/api/orders", locked_order_body())
        streams.drain()
        queues.pump_once()  # the bus's queue: one delivery message per subscription

        started = time.monotonic()
        queues.pump_once()  # one batch of the delivery queue, both messages in it
        batch_took = time.monotonic() - started

    assert batch_took >= 4  # the batch did wait for the hanging receiver's deadline...
    [healthy] = receiver.delivered("ORDER_CREATED")
    assert healthy["arrivedAt"] - started < 2  # ...but the healthy subscriber had its POST at once


def test_a_slow_receiver_counts_as_failed_and_is_retried(api, settle, receiver):
    api.post("/api/facilities", facility_body())
    subscribe(api, receiver.url, "ORDER_CREATED")
    receiver.delay = 1.5  # past the 1 s timeout of this test's settings
    receiver.script = [200]  # it would have said 200, too late

    api.post("/api/orders", locked_order_body())
    receiver_done = []

    def faster_after_first():
        receiver.delay = 0
        receiver_done.append(True)

    settle(rounds=4)  # the first try times out
    faster_after_first()
    settle()

    assert len(receiver.requests) >= 2
    assert receiver.requests[-1]["status"] == 200 and receiver_done


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout(webhook_settings, monkeypatch):
    import threading
    import time

    from order_service.webhooks import service as webhooks

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    allow_local(monkeypatch, server.getsockname()[1])
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        connection.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":  # one byte every 0.3 s
            if stop.wait(0.3):
                break
            try:
                connection.send(bytes([byte]))
            except OSError:
                break
        connection.close()

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    outcome = webhooks.post(f"http://127.0.0.1:{server.getsockname()[1]}/hooks", b"{}", {}, timeout=1)
    stop.set()
    server.close()

    assert not outcome.delivered and "within 1 s" in outcome.detail
    assert time.monotonic() - started < 8  # without the deadline the 40 bytes would take 12 s


class TestSubscriptionsApi:
    def test_the_secret_is_shown_once(self, api, receiver):
        created = subscribe(api, receiver.url)

        assert created["secret"].startswith("whsec_")
        shown = api.get(f"/api/subscriptions/{created['id']}").body
        listed = api.get("/api/subscriptions").body["subscriptions"]
        assert "secret" not in shown and all("secret" not in s for s in listed)
        assert shown == {k: v for k, v in created.items() if k != "secret"}

    def test_at_most_five_per_event_and_delete_frees_a_slot(self, api, receiver):
        subscriptions = [subscribe(api, receiver.url, "ORDER_CREATED") for _ in range(5)]

        sixth = api.post(
            "/api/subscriptions",
            {"name": "6", "event": "ORDER_CREATED", "target": {"type": "WEBHOOK", "callbackUrl": receiver.url}},
        )
        assert sixth.status == 409 and sixth.body[0]["description"] == "event"
        assert api.get("/api/subscriptions", query={"event": "ORDER_CREATED"}).body["total"] == 5

        assert api.request("DELETE", f"/api/subscriptions/{subscriptions[0]['id']}").status == 204
        assert api.get(f"/api/subscriptions/{subscriptions[0]['id']}").status == 404
        assert api.request("DELETE", f"/api/subscriptions/{subscriptions[0]['id']}").status == 404
        subscribe(api, receiver.url, "ORDER_CREATED")

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            (
                {
                    "name": "x",
                    "event": "ORDER_SHIPPED",
                    "target": {"type": "WEBHOOK", "callbackUrl": "https://a.example"},
                },
                400,
                "event",
            ),
            ({"name": "x", "event": "ORDER_CREATED"}, 400, "target"),
            (
                {"name": "x", "event": "ORDER_CREATED", "target": {"type": "WEBHOOK", "callbackUrl": "ftp://a/b"}},
                400,
                "target.callbackUrl",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {"type": "WEBHOOK", "callbackUrl": "http://a.example/"},
                },
                400,
                "target.callbackUrl",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {"type": "WEBHOOK", "callbackUrl": "https://10.0.0.1/"},
                },
                400,
                "target.callbackUrl",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {"type": "WEBHOOK", "callbackUrl": "https://169.254.169.254/latest"},
                },
                400,
                "target.callbackUrl",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {"type": "WEBHOOK", "callbackUrl": "https://localhost/"},
                },
                400,
                "target.callbackUrl",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {
                        "type": "WEBHOOK",
                        "callbackUrl": "https://a.example",
                        "headers": [{"key": "X-Webhook-Signature", "value": "f"}],
                    },
                },
                400,
                "target.headers[0].key",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {"type": "EMAIL", "callbackUrl": "https://a.example"},
                },
                400,
                "target.type",
            ),
            (
                {
                    "name": "x",
                    "event": "ORDER_CREATED",
                    "target": {
                        "type": "WEBHOOK",
                        "callbackUrl": "https://a.example",
                        "headers": [{"key": "X-Tenant", "value": "Café €"}],
                    },
                },
                400,
                "target.headers[0].value",
            ),
        ],
    )
    def test_bad_input(self, api, body, status, field):
        reply = api.post("/api/subscriptions", body)

        assert reply.status == status, reply.body
        assert reply.body[0]["description"].startswith(field), reply.body

    def test_127_0_0_1_only_on_the_local_inbox_port(self, api, monkeypatch):
        allow_local(monkeypatch, 3001)

        def subscribe_to(url: str):
            return api.post(
                "/api/subscriptions",
                {"name": "x", "event": "ORDER_CREATED", "target": {"type": "WEBHOOK", "callbackUrl": url}},
            )

        allowed = subscribe_to("http://127.0.0.1:3001/hooks/demo")
        runtime_api = subscribe_to("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next")

        assert allowed.status == 201
        assert runtime_api.status == 400 and "https" in runtime_api.body[0]["summary"]
