"""Scheduled (template.yaml: rate(5 minutes)): time-triggered reroute and routing of waiting orders."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from order_service.core import clock
from order_service.pickjobs import reroute

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = reroute.run(clock.now())
    metrics.add_metric(name="PickJobsRerouted", unit=MetricUnit.Count, value=report.rerouted)
    metrics.add_metric(name="ReroutesFailed", unit=MetricUnit.Count, value=report.failed)
    metrics.add_metric(name="WaitingOrdersRouted", unit=MetricUnit.Count, value=report.routed)
    return dict(report.__dict__)
