"""What happens to pick jobs when an order changes (the orders stream's consumer)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from order_service.core.clock import now_iso
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs import store as pickjob_store

logger = Logger(child=True)
metrics = Metrics()


def on_order_change(change: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    """Creates the pick job of an order that became fulfillable, and cancels the pick job of a
    cancelled order (`pickjobs.pickjob_change` decides). Safe to run again for the same record."""
    action = pickjobs.pickjob_change(change, old, new)
    if new is None or action is None:
        return
    if action == "CREATE":
        pickjob = pickjobs.new_pickjob(new, now_iso())
        if pickjob_store.create(pickjob):
            metrics.add_metric(name="PickJobsCreated", unit=MetricUnit.Count, value=1)
            logger.info("pick job created", extra={"order_id": new["id"], "pickjob_id": pickjob["id"]})
        else:
            logger.info("pick job exists already (redelivery)", extra={"order_id": new["id"]})
    else:
        pickjob_id = pickjobs.pickjob_id(new["id"], pickjobs.attempt_of(old or new))
        if new.get("status") == "LOCKED":  # re-locked: only a pick job that has not started (never a started one)
            if pickjob_store.cancel_open(pickjob_id, now_iso()):
                logger.info("pick job cancelled: its order was re-locked", extra={"pickjob_id": pickjob_id})
            return
        if pickjob_store.cancel_active(pickjob_id, now_iso()):
            logger.info("pick job cancelled with its order", extra={"order_id": new["id"], "pickjob_id": pickjob_id})
