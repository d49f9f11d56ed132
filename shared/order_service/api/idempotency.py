"""`Idempotency-Key` for order creation, on Powertools' Idempotency utility.

Loaded only when a request carries the header, so that the other routes do not pay
for the import at cold start. A retry with the same key and body within 24 h returns the
first response; the same key with another body is a 409.
"""

from __future__ import annotations

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


@cache
def _once(operation: Callable[[dict[str, Any], str | None], Any]) -> Callable[..., Any]:
    persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def run(request: dict[str, Any]) -> Any:
        return operation(request["body"], request["actor"])

    return run


def run_once[T](
    key: str,
    actor: str | None,
    body: dict[str, Any],
    operation: Callable[[dict[str, Any], str | None], T],
) -> T:
    """`operation(body, actor)`, or the result of its first run under `key`. Keys are per caller: two
    clients using the same key do not see each other's orders."""
    try:
        result: T = _once(operation)(request={"key": f"{actor}|{key}", "body": body, "actor": actor})
        return result
    except IdempotencyValidationError:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body.", "Idempotency-Key"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress; retry shortly.", "Idempotency-Key"
        ) from None
