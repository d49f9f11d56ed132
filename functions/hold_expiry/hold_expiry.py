"""Scheduled (template.yaml: rate(1 minute)): holds past expiresAt expire, due warnings are marked."""

from typing import Any

from aws_lambda_powertools import Logger

from order_service.core import clock
from order_service.holds import service as hold_commands

logger = Logger()
metrics = hold_commands.metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return hold_commands.expire_due(clock.now())
