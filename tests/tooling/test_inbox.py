"""The local inbox playing a misbehaving receiver: what it answers, how long it takes, what it keeps."""

from __future__ import annotations

import json
import time

from werkzeug.test import Client

from local_stack.inbox import Inbox


def post(client: Client, path: str, event: str = "ORDER_CREATED"):
    return client.post(path, data=json.dumps({"event": event, "eventId": "e-1"}), content_type="application/json")


def test_slow_hook_waits_the_seconds_asked_then_answers_200_and_keeps_the_request_from_its_arrival():
    inbox = Inbox()
    client = Client(inbox)

    started = time.time()
    reply = post(client, "/hooks/slow?seconds=0.5")
    took = time.time() - started

    assert reply.status_code == 200
    assert took >= 0.5
    [kept] = inbox.received("ORDER_CREATED")
    assert kept["path"] == "/hooks/slow?seconds=0.5"
    assert kept["receivedAt"] - started < 0.4  # kept when it arrived, not when it was answered


def test_status_hook_answers_the_status_in_its_path_and_keeps_the_request():
    inbox = Inbox()
    client = Client(inbox)

    assert post(client, "/hooks/status/503").status_code == 503
    assert post(client, "/hooks/status/410", "ORDER_UNLOCKED").status_code == 410

    assert [(r["path"], r["body"]["event"]) for r in inbox.received()] == [
        ("/hooks/status/503", "ORDER_CREATED"),
        ("/hooks/status/410", "ORDER_UNLOCKED"),
    ]


def test_a_malformed_misbehaviour_is_400_and_not_kept():
    inbox = Inbox()
    client = Client(inbox)

    assert post(client, "/hooks/status/999").status_code == 400
    assert post(client, "/hooks/slow?seconds=soon").status_code == 400
    assert post(client, "/hooks/demo").status_code == 204

    assert [r["path"] for r in inbox.received()] == ["/hooks/demo"]
