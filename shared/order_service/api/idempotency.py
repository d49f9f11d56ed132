"""`Idempotency-Key` for order creation, on Powertools' Idempotency utility.

Loaded only when a request carries the header, so that the other routes do not pay
for the import at cold start. A retry with the same key and body within 24 h returns the
first response; the same key with another body is a 409.

- Keys are per caller: the record is keyed by the JSON array `[actor, key]` (hashed by Powertools),
  so no two (actor, key) pairs can meet, whatever characters they hold (`a|b` + `c` vs `a` + `b|c`).
- The in-progress record expires with the function's remaining time (`register_lambda_context`):
  a request that died mid-way (a timeout, a crash) blocks its key for seconds, not 24 h.
- The order's id is derived from `[actor, key]`: a request that failed after its order was written
  is retried by re-running it, the write finds the order already there, and the stored order is the
  answer (one order, whatever happened in between).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from order_service.core.config import settings
from order_service.core.errors import Conflict

TTL_SECONDS = 24 * 3600
IN_PROGRESS = "A request with this Idempotency-Key is in progress, retry shortly."
_ORDER_IDS = uuid.UUID("6f0c3c1e-5d7e-4a53-9d0a-1f3b8c2a7e44")

# (body, actor, order id, request digest) -> the order
Operation = Callable[[dict[str, Any], str | None, str, str], Any]  # returns the stored order


def scope(actor: str | None, key: str) -> str:
    """The caller's key as one unambiguous string: JSON keeps the two parts apart."""
    return json.dumps([actor, key], ensure_ascii=False)


def order_id_for(actor: str | None, key: str) -> str:
    return str(uuid.uuid5(_ORDER_IDS, scope(actor, key)))


def digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@cache
def _once(operation: Operation) -> tuple[Callable[..., Any], IdempotencyConfig]:
    persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="body",
        expires_after_seconds=TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def run(request: dict[str, Any]) -> dict[str, Any]:
        return operation(request["body"], request["actor"], request["orderId"], digest(request["body"]))

    return run, config


def run_once(key: str, actor: str | None, body: dict[str, Any], operation: Operation, context: Any = None) -> Any:
    """`operation(body, actor, order id, digest)`, or the result of its first run under `key`.
    `context` is the Lambda context: the in-progress record lasts as long as this invocation can."""
    run, config = _once(operation)
    if context is not None:
        config.register_lambda_context(context)
    request = {"scope": scope(actor, key), "body": body, "actor": actor, "orderId": order_id_for(actor, key)}
    try:
        return run(request=request)
    except IdempotencyValidationError:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body.", "Idempotency-Key"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(IN_PROGRESS, "Idempotency-Key") from None
