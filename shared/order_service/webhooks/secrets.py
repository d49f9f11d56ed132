"""A subscription's secrets (its header values and signing secrets), sealed with envelope encryption.

KMS makes one data key per sealing (GenerateDataKey, the template's WebhookSecretsKey); AES-256-GCM
encrypts the secrets with it, bound to the subscription id; the stored item keeps the encrypted data
key, the nonce and the ciphertext, never the plain values. Only the sender opens them (KMS Decrypt),
right before a delivery. Locally the same code runs against moto's KMS.

Stored header values are replaced by MASK, so every answer that shows a subscription shows them
masked without any further care.
"""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from typing import Any, TypedDict, cast

import boto3

from order_service.core.config import settings
from order_service.webhooks.rules import MASK, Subscription

SEALED = "sealed"  # the stored attribute


class Secrets(TypedDict, total=False):
    headers: dict[str, str]  # header key -> value
    secret: str  # signs every delivery
    previousSecret: str  # also signs deliveries until previousSecretExpiresAt (a rotation's grace)
    previousSecretExpiresAt: str


@lru_cache(maxsize=1)
def kms() -> Any:
    return boto3.client("kms")


def _aad(subscription_id: str) -> bytes:
    return f"subscription:{subscription_id}".encode()


def seal(subscription_id: str, secrets: Secrets) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data_key = kms().generate_data_key(
        KeyId=settings().webhook_secrets_key_id,
        KeySpec="AES_256",
        EncryptionContext={"subscriptionId": subscription_id},
    )
    nonce = os.urandom(12)
    ciphertext = AESGCM(data_key["Plaintext"]).encrypt(nonce, json.dumps(secrets).encode(), _aad(subscription_id))
    return {
        "key": base64.b64encode(data_key["CiphertextBlob"]).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }


def open_sealed(subscription_id: str, sealed: dict[str, str]) -> Secrets:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data_key = kms().decrypt(
        CiphertextBlob=base64.b64decode(sealed["key"]), EncryptionContext={"subscriptionId": subscription_id}
    )
    plain = AESGCM(data_key["Plaintext"]).decrypt(
        base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]), _aad(subscription_id)
    )
    secrets: Secrets = json.loads(plain)
    return secrets


def conceal(subscription: Subscription) -> Subscription:
    """The subscription as stored: header values masked, the signing secret gone, both sealed."""
    target = subscription["target"]
    secrets: Secrets = {
        "headers": {h["key"]: h["value"] for h in target.get("headers") or []},
        "secret": subscription["secret"],
    }
    stored: dict[str, Any] = {k: v for k, v in subscription.items() if k != "secret"}
    stored["target"] = {**target, "headers": [{"key": h["key"], "value": MASK} for h in target.get("headers") or []]}
    stored[SEALED] = seal(subscription["id"], secrets)
    return cast(Subscription, stored)


def reveal(subscription: Subscription) -> tuple[Subscription, Secrets]:
    """A stored subscription with its header values in clear (for the sender only), and its secrets.
    One stored before sealing existed keeps them in clear (read as they are)."""
    if SEALED not in subscription:
        legacy: Secrets = {"secret": subscription["secret"]}
        return subscription, legacy
    secrets = open_sealed(subscription["id"], subscription["sealed"])
    values = secrets.get("headers") or {}
    target = subscription["target"]
    headers = [{"key": h["key"], "value": values.get(h["key"], "")} for h in target.get("headers") or []]
    return cast(Subscription, {**subscription, "target": {**target, "headers": headers}}), secrets
