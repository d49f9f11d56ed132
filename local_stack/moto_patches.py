"""Where moto differs from AWS in a way that would hide or fake a bug of ours, we correct moto here.

- DynamoDB applies each request atomically (a conditional write is checked and applied as one
  step). moto's backend is not thread-safe: two concurrent conditional UpdateItems can both pass
  their condition, and concurrent scans can crash on a dict changing size. We serialise moto's
  DynamoDB requests so that concurrency tests exercise our conditions, not moto's races.
  (A read-then-write in our code would still race: the lock spans one request, not two.)
"""

from __future__ import annotations

import functools
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
