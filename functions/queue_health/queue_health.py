"""Scheduled (template.yaml: rate(1 minute)): the queue-health snapshot behind GET /api/orders/holdstats,
and the metrics HeldOrderAgeAlarm and the dashboard read (OldestHeldOrderAgeMinutes, HeldOrders)."""

from typing import Any

from aws_lambda_powertools import Logger

from order_service.core import clock
from order_service.holdstats import service as queue_health

logger = Logger()
metrics = queue_health.metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stats = queue_health.run(clock.now())
    return {"held": stats["held"], "ordersRead": stats["ordersRead"], "complete": stats["complete"], "at": stats["at"]}
