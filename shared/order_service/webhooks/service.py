"""Webhook delivery: fan-out per subscription, the signed POST, backoff and dead letters.

Signature (docs/webhooks.md): X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>,
with X-Webhook-Timestamp: <unix seconds>. Receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from order_service.core.batching import chunks
from order_service.core.clock import now_iso
from order_service.core.config import settings
from order_service.webhooks import callback_urls, rules
from order_service.webhooks import store as subscription_store
from order_service.webhooks.rules import Subscription

logger = Logger(child=True)
USER_AGENT = "order-service-webhooks/1"


@lru_cache(maxsize=1)
def sqs() -> Any:
    return boto3.client("sqs")


# ------------------------------------------------------------------ fan-out ---
def fan_out(envelope: dict[str, Any]) -> int:
    """One delivery message per subscription of the envelope's event (SendMessageBatch: 10 messages and
    256 KB at most per request).
    Raises if any message could not be queued, so the event is retried (duplicates are dropped by
    the sender, which records deliveries per event id)."""
    subscriptions = [s for s in subscription_store.for_event(envelope["event"]) if rules.wants(s, envelope)]
    messages = [json.dumps({"subscriptionId": s["id"], "envelope": envelope}) for s in subscriptions]
    for chunk in chunks(messages, lambda body: len(body.encode()), 10, 256 * 1024):
        response = sqs().send_message_batch(
            QueueUrl=settings().delivery_queue_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
        )
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} delivery messages not queued")
    return len(messages)


def queue_delivery(subscription_id: str, envelope: dict[str, Any]) -> None:
    sqs().send_message(
        QueueUrl=settings().delivery_queue_url,
        MessageBody=json.dumps({"subscriptionId": subscription_id, "envelope": envelope}),
    )


# ------------------------------------------------------------------ signing ---
def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def request_headers(
    subscription: Subscription, envelope: dict[str, Any], body: bytes, timestamp: str | None = None
) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    headers = {h["key"]: h["value"] for h in subscription["target"].get("headers") or []}
    headers.update(
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Event-Id": envelope["eventId"],
            "X-Event-Name": envelope["event"],
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": signature(subscription["secret"], timestamp, body),
        }
    )
    return headers


# ------------------------------------------------------------------ sending ---
class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with certificate and SNI for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    detail: str


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One POST; delivered = 2xx within `timeout` seconds. The URL is checked again (fresh DNS)."""
    try:
        target = callback_urls.check(url, settings().allow_local_webhooks)
    except callback_urls.RefusedCallbackUrl as refused:
        return Outcome(False, f"refused callback URL: {refused}")
    started = time.monotonic()
    if target.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(
            target.host, target.port, target.address, timeout
        )
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    # The socket timeout bounds each read; this bounds the whole exchange (a receiver trickling its
    # answer byte by byte must not hold the sender, and the other subscribers of its batch, for longer).
    deadline = threading.Timer(timeout, _abort, args=(connection,))
    deadline.start()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host})
        response = connection.getresponse()
        response.read(65536)
    except (OSError, ValueError, http.client.HTTPException) as error:
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            return Outcome(False, f"no answer within {timeout:.0f} s")
        return Outcome(False, f"{type(error).__name__}: {error}")
    finally:
        deadline.cancel()
        connection.close()
    elapsed = time.monotonic() - started
    if elapsed > timeout:
        return Outcome(False, f"answered after {elapsed:.1f} s (limit {timeout:.0f} s)")
    if 200 <= response.status < 300:
        return Outcome(True, f"HTTP {response.status}")
    return Outcome(False, f"HTTP {response.status}")


def _abort(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing to abort
            sock.shutdown(socket.SHUT_RDWR)


def backoff_seconds(attempt: int) -> int:
    """Before try attempt+1: base * 2^(attempt-1), capped (30 s, 1, 2, 4, 8 min, then 15 min)."""
    config = settings()
    return int(min(config.webhook_backoff_cap_seconds, config.webhook_backoff_base_seconds * 2 ** (attempt - 1)))


# ----------------------------------------------------------------- delivery ---
@dataclass(frozen=True)
class Result:
    done: bool  # False: leave the message on the queue for another try after `retry_in` seconds
    retry_in: int = 0


def deliver(message: dict[str, Any], attempt: int) -> Result:
    """Delivers one queued message (attempt = SQS receive count)."""
    envelope = message["envelope"]
    subscription_id = message["subscriptionId"]
    context = {"subscription_id": subscription_id, "event_id": envelope["eventId"], "attempt": attempt}
    try:
        subscription = subscription_store.get(subscription_id)
    except Exception as missing:
        if getattr(missing, "status_code", None) == 404:
            logger.info("subscription deleted; delivery dropped", extra=context)
            return Result(True)
        raise
    if subscription_store.delivery_status(subscription_id, envelope["eventId"]) == "DELIVERED":
        logger.info("already delivered; duplicate dropped", extra=context)
        return Result(True)
    body = json.dumps(envelope).encode()
    outcome = post(
        subscription["target"]["callbackUrl"],
        body,
        request_headers(subscription, envelope, body),
        settings().webhook_timeout_seconds,
    )
    if outcome.delivered:
        subscription_store.record_delivered(subscription_id, envelope["eventId"], attempt, now_iso())
        logger.info("webhook delivered", extra={**context, "outcome": outcome.detail})
        return Result(True)
    if attempt >= settings().webhook_max_tries:
        subscription_store.record_dead(subscription_id, envelope, attempt, outcome.detail, now_iso())
        logger.warning("webhook dead-lettered", extra={**context, "outcome": outcome.detail})
        return Result(True)
    retry_in = backoff_seconds(attempt)
    logger.info("webhook failed; will retry", extra={**context, "outcome": outcome.detail, "retry_in": retry_in})
    return Result(False, retry_in)
