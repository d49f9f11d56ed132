"""An in-memory EventBridge bus for the publisher's failure paths: it enforces PutEvents' limits
(10 entries, 256 KB per request, as EventBridge counts them) and can refuse or throttle on cue.
`published` is what subscribers would see, in the order it reached the bus."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

LIMIT_BYTES = 256 * 1024


def entry_bytes(entry: dict[str, Any]) -> int:
    """EventBridge's count: Source, DetailType, Detail, Resources and Time (14 bytes) of an entry."""
    return sum(len(str(entry.get(k, "")).encode()) for k in ("Source", "DetailType", "Detail")) + 14


class FakeBus:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []  # the envelopes (Detail) accepted, in order
        self.requests = 0
        # called per entry (its envelope); returns an ErrorCode to refuse it, or None to accept it
        self.refuse: Callable[[dict[str, Any]], str | None] = lambda envelope: None
        self.throttle_requests = 0  # the next N requests fail whole with ThrottlingException

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.requests += 1
        if self.throttle_requests:
            self.throttle_requests -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutEvents")
        if len(Entries) > 10:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "> 10 entries"}}, "PutEvents")
        if sum(entry_bytes(e) for e in Entries) > LIMIT_BYTES:
            raise ClientError(
                {"Error": {"Code": "ValidationException", "Message": "Total size of the entries is over 256 KB"}},
                "PutEvents",
            )
        results = []
        for entry in Entries:
            envelope = json.loads(entry["Detail"])
            error = self.refuse(envelope)
            if error:
                results.append({"ErrorCode": error, "ErrorMessage": "refused by the fake bus"})
            else:
                self.published.append(envelope)
                results.append({"EventId": envelope["eventId"]})
        return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}

    def of(self, entity_id: str) -> list[str]:
        """The event names published about one entity (an order: its own events and reroutes), in the
        order they reached the bus."""
        return [
            e["event"]
            for e in self.published
            if entity_id in (e["payload"].get("id"), (e["payload"].get("order") or {}).get("id"))
        ]
