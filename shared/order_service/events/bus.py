"""Publishing envelopes on the service's EventBridge bus: in requests of at most 10 entries and 256 KB
(PutEvents' limits), each item's events in the order of its changes, oversized envelopes as claim checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from order_service.core.config import settings
from order_service.events import rules as events

CHUNK = 10
MAX_REQUEST_BYTES = 256 * 1024
# An envelope whose entry would be larger goes out as a claim check (docs/events.md). Below EventBridge's
# 256 KB per entry with room to spare: the event travels on to SQS (256 KB per message) wrapped in the
# EventBridge event, then in a delivery message.
CLAIM_CHECK_OVER_BYTES = 200 * 1024
logger = Logger(child=True)


@lru_cache(maxsize=1)
def client() -> Any:
    return boto3.client("events", config=Config(retries={"mode": "adaptive", "max_attempts": 5}))


def entry(envelope: dict[str, Any]) -> dict[str, Any]:
    """The PutEvents entry of an envelope; a claim check instead when the envelope is too large."""
    built = _entry(envelope)
    if entry_size(built) > CLAIM_CHECK_OVER_BYTES:
        built = _entry(events.claim_check(envelope))
    return built


def _entry(envelope: dict[str, Any]) -> dict[str, Any]:
    return {
        "Source": settings().service_name,
        "DetailType": envelope["event"],
        "Detail": json.dumps(envelope),
        "EventBusName": settings().event_bus_name,
    }


def entry_size(entry: dict[str, Any]) -> int:
    """How EventBridge counts an entry against the 256 KB of one PutEvents request."""
    return sum(len(str(entry[k]).encode()) for k in ("Source", "DetailType", "Detail")) + 14  # + Time


@dataclass(frozen=True)
class StreamRecord:
    """What the publisher read from one stream record: `envelopes` None when the record could not be read."""

    sequence: str
    item: str  # the changed item's key: one item's changes must reach the bus in order
    envelopes: list[dict[str, Any]] | None


@dataclass
class Published:
    failed: list[str] = field(default_factory=list)  # sequence numbers to report failed, in stream order
    sent: int = 0
    refused: int = 0


def publish_in_order(records: list[StreamRecord]) -> Published:
    """Puts the records' envelopes on the bus, in stream order, and says which records to report failed.

    Per item: from its first record that could not be read, or whose event EventBridge refused, nothing
    more of that item is sent, and that record and every later one of the item are reported failed, so
    Lambda's retry replays the item's events in order. A request never carries two events of one item
    (EventBridge could refuse the first and accept the second). Other items go on; their events may go
    out again on the retry, with the same eventId."""
    never = len(records)
    held: dict[str, int] = {}  # item -> position of its first record not (fully) published
    for position, record in enumerate(records):
        if record.envelopes is None:
            held.setdefault(record.item, position)
    outcome = Published()
    pending = [
        (position, record.item, entry(envelope))
        for position, record in enumerate(records)
        if record.envelopes and position < held.get(record.item, never)
        for envelope in record.envelopes
    ]
    for request in _requests(pending):
        request = [waiting for waiting in request if waiting[0] < held.get(waiting[1], never)]
        if not request:
            continue
        for (position, item, _), error in zip(request, _put(request), strict=True):
            if error:
                outcome.refused += 1
                held[item] = min(held.get(item, never), position)
            else:
                outcome.sent += 1
    outcome.failed = [r.sequence for n, r in enumerate(records) if n >= held.get(r.item, never)]
    return outcome


def _requests(pending: list[tuple[int, str, dict[str, Any]]]) -> list[list[tuple[int, str, dict[str, Any]]]]:
    """Consecutive requests of at most 10 entries and 256 KB, none with two entries of one item."""
    requests: list[list[tuple[int, str, dict[str, Any]]]] = []
    current: list[tuple[int, str, dict[str, Any]]] = []
    used = 0
    for pending_entry in pending:
        size = entry_size(pending_entry[2])
        items = {item for _, item, _ in current}
        if current and (len(current) == CHUNK or used + size > MAX_REQUEST_BYTES or pending_entry[1] in items):
            requests.append(current)
            current, used = [], 0
        current.append(pending_entry)
        used += size
    if current:
        requests.append(current)
    return requests


def _put(request: list[tuple[int, str, dict[str, Any]]]) -> list[str | None]:
    """One PutEvents; per entry None (accepted) or why not. A request that fails as a whole (after the
    client's own retries: throttling included) counts as refused for all its entries."""
    try:
        response = client().put_events(Entries=[e for _, _, e in request])
    except Exception as error:
        logger.warning(
            "PutEvents failed for a request",
            extra={"size": len(request), "bytes": sum(entry_size(e) for _, _, e in request), "error": str(error)},
        )
        return [type(error).__name__] * len(request)
    return [result.get("ErrorCode") for result in response["Entries"]]
