"""Publishing envelopes on the service's EventBridge bus, in chunks of at most 10 (PutEvents' limit)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from order_service.core.batching import chunks
from order_service.core.config import settings

CHUNK = 10
MAX_REQUEST_BYTES = 256 * 1024
logger = Logger(child=True)


@lru_cache(maxsize=1)
def client() -> Any:
    return boto3.client("events", config=Config(retries={"mode": "adaptive", "max_attempts": 5}))


def entry(envelope: dict[str, Any]) -> dict[str, Any]:
    return {
        "Source": settings().service_name,
        "DetailType": envelope["event"],
        "Detail": json.dumps(envelope),
        "EventBusName": settings().event_bus_name,
    }


def entry_size(entry: dict[str, Any]) -> int:
    """How EventBridge counts an entry against the 256 KB of one PutEvents request."""
    return sum(len(str(entry[k]).encode()) for k in ("Source", "DetailType", "Detail")) + 14  # + Time


def publish(envelopes: list[dict[str, Any]]) -> list[int]:
    """Puts every envelope, in requests of at most 10 entries and 256 KB; returns the indexes of those
    EventBridge refused (the caller retries their records). A request that fails as a whole (after
    the client's own retries, or an entry too large to publish) counts as refused for all its entries."""
    failed: list[int] = []
    events = client()
    indexed = [(i, entry(e)) for i, e in enumerate(envelopes)]
    for chunk in chunks(indexed, lambda pair: entry_size(pair[1]), CHUNK, MAX_REQUEST_BYTES):
        try:
            response = events.put_events(Entries=[e for _, e in chunk])
        except Exception:
            logger.warning(
                "PutEvents failed for a chunk",
                extra={"size": len(chunk), "bytes": sum(entry_size(e) for _, e in chunk)},
                exc_info=True,
            )
            failed.extend(i for i, _ in chunk)
            continue
        if response.get("FailedEntryCount"):
            failed.extend(chunk[n][0] for n, result in enumerate(response["Entries"]) if result.get("ErrorCode"))
    return failed
