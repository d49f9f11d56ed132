"""Webhook secrets: header values are write-only (masked on every answer), stored sealed with the
template's KMS key, and a signing secret can be rotated with a grace period during which both sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import boto3
import pytest

from tests.builders import facility_body, order_body
from tests.webhook_receiver import allowed_receiver

TOKEN = "Bearer erp-5ecret-t0ken"
READER = {"actor": "reader", "permissions": "SUBSCRIPTION_READ,ORDER_READ", "principalId": "reader"}


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("WEBHOOK_BACKOFF_BASE_SECONDS", "0")
    with allowed_receiver(monkeypatch) as running:
        yield running


def subscribe(api, url: str) -> dict:
    reply = api.post(
        "/api/subscriptions",
        {
            "name": "erp",
            "event": "ORDER_CREATED",
            "target": {"type": "WEBHOOK", "callbackUrl": url, "headers": [{"key": "Authorization", "value": TOKEN}]},
        },
    )
    assert reply.status == 201, reply.body
    return reply.body


def signed_with(secret: str, request: dict) -> str:
    timestamp = request["headers"]["X-Webhook-Timestamp"]
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + request["raw"], hashlib.sha256).hexdigest()
    return f"v1={digest}"


def test_neither_admin_nor_reader_ever_sees_a_stored_header_value(api, receiver):
    created = subscribe(api, receiver.url)
    path = f"/api/subscriptions/{created['id']}"

    answers = [
        created,
        api.get(path).body,
        api.get("/api/subscriptions").body,
        api.get(path, authorizer=READER).body,
        api.get("/api/subscriptions", authorizer=READER).body,
    ]

    assert all("erp-5ecret" not in json.dumps(answer) for answer in answers)
    assert created["target"]["headers"] == [{"key": "Authorization", "value": "********"}]
    assert api.get(path, authorizer=READER).body["target"]["headers"] == [{"key": "Authorization", "value": "********"}]
    assert "secret" not in api.get(path).body


def test_header_values_and_signing_secret_are_stored_only_sealed_with_the_template_key(api, aws, receiver):
    created = subscribe(api, receiver.url)

    item = boto3.client("dynamodb").get_item(TableName="SubscriptionsTable", Key={"id": {"S": created["id"]}})["Item"]
    stored = json.dumps(item)
    sealed = item["sealed"]["M"]
    data_key = boto3.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(sealed["key"]["S"]), EncryptionContext={"subscriptionId": created["id"]}
    )

    assert "erp-5ecret" not in stored
    assert created["secret"] not in stored
    assert data_key["KeyId"] == aws["keys"]["WebhookSecretsKey.Arn"]


def test_the_receiver_gets_the_header_value_in_clear(api, settle, receiver):
    subscribe(api, receiver.url)
    api.post("/api/facilities", facility_body())
    api.post("/api/orders", order_body())
    settle()

    [request] = receiver.delivered("ORDER_CREATED")
    assert request["headers"]["Authorization"] == TOKEN


def test_after_a_rotation_both_secrets_sign_until_the_grace_period_ends(api, settle, receiver):
    created = subscribe(api, receiver.url)
    api.post("/api/facilities", facility_body())

    rotated = api.post(
        f"/api/subscriptions/{created['id']}/actions", {"name": "ROTATE_SECRET", "version": 1, "gracePeriodMinutes": 60}
    )
    api.post("/api/orders", order_body(tenantOrderId="during-grace"))
    settle()
    ended = api.post(
        f"/api/subscriptions/{created['id']}/actions", {"name": "ROTATE_SECRET", "version": 2, "gracePeriodMinutes": 0}
    )
    api.post("/api/orders", order_body(tenantOrderId="after-grace"))
    settle()

    assert rotated.status == 200, rotated.body
    assert rotated.body["secret"] != created["secret"]
    during, after = receiver.delivered("ORDER_CREATED")
    assert during["body"]["payload"]["tenantOrderId"] == "during-grace"
    assert during["headers"]["X-Webhook-Signature"].split(",") == [
        signed_with(rotated.body["secret"], during),
        signed_with(created["secret"], during),
    ]
    assert after["headers"]["X-Webhook-Signature"] == signed_with(ended.body["secret"], after)
    assert after["headers"]["Authorization"] == TOKEN  # header values survive rotations


def test_a_rotation_with_a_stale_version_is_a_409_and_changes_nothing(api, receiver):
    created = subscribe(api, receiver.url)
    path = f"/api/subscriptions/{created['id']}/actions"
    first = api.post(path, {"name": "ROTATE_SECRET", "version": 1})

    stale = api.post(path, {"name": "ROTATE_SECRET", "version": 1})

    assert first.status == 200
    assert stale.status == 409
    assert stale.body[0]["version"] == 2
    assert api.get(f"/api/subscriptions/{created['id']}").body["version"] == 2


def test_rotating_needs_subscription_write(api, receiver):
    created = subscribe(api, receiver.url)

    refused = api.post(
        f"/api/subscriptions/{created['id']}/actions", {"name": "ROTATE_SECRET", "version": 1}, authorizer=READER
    )

    assert refused.status == 403
    assert api.get(f"/api/subscriptions/{created['id']}").body["version"] == 1
