"""Publishing envelopes on the service's EventBridge bus, in chunks of at most 10 (PutEvents' limit)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from order_service.config import settings

CHUNK = 10
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


def publish(envelopes: list[dict[str, Any]]) -> list[int]:
    """Puts every envelope; returns the indexes of those EventBridge refused (to be retried by the caller).

    A whole chunk whose call fails (after the client's own retries) counts as refused.
    """
    failed: list[int] = []
    events = client()
    for start in range(0, len(envelopes), CHUNK):
        chunk = envelopes[start : start + CHUNK]
        try:
            response = events.put_events(Entries=[entry(e) for e in chunk])
        except Exception:
            logger.warning("PutEvents failed for a chunk", extra={"size": len(chunk)}, exc_info=True)
            failed.extend(range(start, start + len(chunk)))
            continue
        if response.get("FailedEntryCount"):
            failed.extend(start + i for i, result in enumerate(response["Entries"]) if result.get("ErrorCode"))
    return failed
