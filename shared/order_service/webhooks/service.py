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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast

import boto3
from aws_lambda_powertools import Logger

from order_service.core.batching import chunks
from order_service.core.clock import now_iso
from order_service.core.config import settings
from order_service.webhooks import callback_urls, rules, secrets
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


def signing_secrets(subscription: Mapping[str, Any]) -> list[str]:
    """The secret, and during a rotation's grace period the previous one too (receivers accept either)."""
    keys = [subscription["secret"]]
    if subscription.get("previousSecret") and subscription.get("previousSecretExpiresAt", "") > now_iso():
        keys.append(subscription["previousSecret"])
    return keys


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
            "X-Webhook-Signature": ",".join(signature(k, timestamp, body) for k in signing_secrets(subscription)),
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
        target = callback_urls.check(url, settings().local_webhook_ports)
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
MessageFate = Literal["DELIVERED", "RETRY", "DEAD", "DROPPED"]


@dataclass(frozen=True)
class Result:
    done: bool  # False: leave the message on the queue for another try after `retry_in` seconds
    retry_in: int = 0
    # what became of it (the sender counts these: docs/operations.md, metrics); DROPPED: nothing to send
    fate: MessageFate = "DROPPED"


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
    revealed, sealed = secrets.reveal(subscription)  # header values and signing secrets, in clear
    subscription = cast(Subscription, {**revealed, **{k: v for k, v in sealed.items() if k != "headers"}})
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
        return Result(True, fate="DELIVERED")
    if attempt >= settings().webhook_max_tries:
        subscription_store.record_dead(subscription_id, envelope, attempt, outcome.detail, now_iso())
        logger.warning("webhook dead-lettered", extra={**context, "outcome": outcome.detail})
        return Result(True, fate="DEAD")
    retry_in = backoff_seconds(attempt)
    logger.info("webhook failed; will retry", extra={**context, "outcome": outcome.detail, "retry_in": retry_in})
    return Result(False, retry_in, "RETRY")


# ------------------------------------------------------------- dead letters ---
REDRIVE_PAGE = 100


@dataclass(frozen=True)
class DeadLetterPage:
    letters: list[dict[str, Any]]
    total: int | None  # None: more than can be counted in one request


def dead_letters(subscription_id: str, size: int, start_after_event_id: str | None) -> DeadLetterPage:
    """One page of a subscription's dead letters, oldest event id first (404 for no subscription)."""
    subscription_store.get(subscription_id)
    letters, _, total = subscription_store.dead_letters_page(subscription_id, size, start_after_event_id)
    return DeadLetterPage(letters, total)


@dataclass(frozen=True)
class Redriven:
    event_ids: list[str]
    more: bool  # dead letters left after this request's page (REDRIVE of all goes 100 at a time)


def redrive(subscription_id: str, event_ids: list[str] | None, now: str) -> Redriven:
    """Sends dead letters again: the ones named, or the next page of 100.

    Each is first taken by one conditional write (DEAD -> REDRIVEN); only the redrive that took it
    queues it, so two concurrent redrives send it once. When queuing fails, the letter is given back
    (REDRIVEN -> DEAD) and the error raised: nothing is lost, and a repeated REDRIVE sends it."""
    subscription_store.get(subscription_id)
    if event_ids is None:
        page, more, _ = subscription_store.dead_letters_page(subscription_id, REDRIVE_PAGE, None, with_envelopes=False)
        wanted = [letter["eventId"] for letter in page]
    else:
        wanted, more = list(dict.fromkeys(event_ids)), False
    redriven = []
    for event_id in wanted:
        taken = subscription_store.mark_redriven(subscription_id, event_id, now)
        if taken is None:
            continue  # not a dead letter (any more): another redrive sent it
        try:
            queue_delivery(subscription_id, taken["envelope"])
        except Exception:
            subscription_store.unmark_redriven(subscription_id, event_id, now)
            raise
        redriven.append(event_id)
    logger.info("dead letters redriven", extra={"subscription_id": subscription_id, "count": len(redriven)})
    return Redriven(redriven, more)
