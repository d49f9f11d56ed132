"""Subscriptions as the platform has them: FACILITY contexts limit a subscription to one facility's
events; a callback host that does not resolve yet is accepted, a private or metadata one is not."""

from __future__ import annotations

import socket

import pytest

from tests.builders import MUNICH, facility_body, order_body
from tests.webhook_receiver import allowed_receiver


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "1")
    with allowed_receiver(monkeypatch) as running:
        yield running


def subscription(url: str, contexts: list | None = None, event: str = "ORDER_CREATED") -> dict:
    body: dict = {"name": "hook", "event": event, "target": {"type": "WEBHOOK", "callbackUrl": url}}
    if contexts is not None:
        body["contexts"] = contexts
    return body


def test_a_facility_context_gets_only_the_events_of_that_facility(api, settle, receiver):
    berlin = api.post("/api/facilities", facility_body()).body
    api.post("/api/facilities", facility_body("Munich", MUNICH))
    only_berlin = [{"type": "FACILITY", "values": [berlin["id"]]}]
    created = api.post("/api/subscriptions", subscription(receiver.url, only_berlin))
    api.post("/api/subscriptions", subscription(receiver.url, None, "PICK_JOB_CREATED"))

    in_berlin = api.post("/api/orders", order_body()).body
    api.post("/api/orders", order_body(coordinates=MUNICH))
    settle()

    assert created.status == 201 and created.body["contexts"] == only_berlin
    assert api.get(f"/api/subscriptions/{created.body['id']}").body["contexts"] == only_berlin
    assert [r["body"]["payload"]["id"] for r in receiver.delivered("ORDER_CREATED")] == [in_berlin["id"]]
    assert len(receiver.delivered("PICK_JOB_CREATED")) == 2  # no context: every facility


@pytest.mark.parametrize(
    "contexts",
    [[{"type": "FACILITY", "values": []}], [{"type": "TENANT", "values": ["x"]}], [{"values": ["x"]}]],
)
def test_a_malformed_context_is_a_400(api, contexts):
    reply = api.post("/api/subscriptions", subscription("https://hooks.example.com/in", contexts))

    assert reply.status == 400 and reply.body[0]["description"].startswith("contexts")


def test_a_host_that_does_not_resolve_yet_is_accepted(api, monkeypatch):
    real = socket.getaddrinfo

    def dns(host, *args, **kwargs):
        if host == "hooks.not-deployed-yet.example":
            raise socket.gaierror("no such host")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)

    reply = api.post("/api/subscriptions", subscription("https://hooks.not-deployed-yet.example/in"))

    assert reply.status == 201, reply.body


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/in", "https://10.1.2.3/in", "https://169.254.169.254/latest", "https://[::1]/in"]
)
def test_literal_loopback_private_and_metadata_addresses_stay_refused(api, url):
    reply = api.post("/api/subscriptions", subscription(url))

    assert reply.status == 400 and reply.body[0]["description"] == "target.callbackUrl"
