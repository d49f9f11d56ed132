"""A stub that throttles: the next N calls of one operation of a boto3 client answer
ProvisionedThroughputExceededException / ThrottlingException, as AWS does once the client's own
retries are used up (the answer is given before the call is sent, so botocore does not retry it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse


@contextmanager
def throttling(client: Any, operation: str, times: int = 1, code: str = "") -> Iterator[list[int]]:
    """Yields a list that collects one entry per throttled call."""
    service = client.meta.service_model.service_id.hyphenize()
    code = code or ("ProvisionedThroughputExceededException" if service == "dynamodb" else "ThrottlingException")
    throttled: list[int] = []

    def throttle(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if len(throttled) >= times:
            return None
        throttled.append(1)
        error = {"Code": code, "Message": "Rate of requests exceeds the allowed throughput."}
        return AWSResponse("", 400, {}, None), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    event = f"before-call.{service}.{operation}"
    client.meta.events.register(event, throttle)
    try:
        yield throttled
    finally:
        client.meta.events.unregister(event, throttle)
