"""Where moto differs from AWS in a way that would hide or fake a bug of ours, we correct moto here.

- DynamoDB applies each request atomically (a conditional write is checked and applied as one
  step). moto's backend is not thread-safe: two concurrent conditional UpdateItems can both pass
  their condition, and concurrent scans can crash on a dict changing size. We serialise moto's
  DynamoDB requests so that concurrency tests exercise our conditions, not moto's races.
  (A read-then-write in our code would still race: the lock spans one request, not two.)
- Speed only (the local stack's moto process): DynamoDB's item answers serialised with json.dumps.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import threading
from typing import Any

_lock = threading.RLock()
_applied = False


def serialise_dynamodb_requests() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _applied = True


# DynamoDB's data-plane answers: items in, items out. moto builds them as plain dicts already; its generic
# serializer then walks botocore's shapes member by member, which costs more than the operation itself
# (about half of a Query's time in moto). For these answers plain JSON is the same document.
DATA_PLANE = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}


def _wire(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(f"not serialisable: {type(value)}")


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def fast_dynamodb_answers() -> None:
    """Serialises the answers of DATA_PLANE operations with json.dumps (errors keep moto's serializer)."""
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in DATA_PLANE or isinstance(self.result, Exception):
            return original(self, context)
        members = context.operation_model.output_shape.members  # moto may add members the API lacks
        answer = {k: v for k, v in self.result.items() if k in members}
        body = json.dumps(_without_none(answer), default=_wire, separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
