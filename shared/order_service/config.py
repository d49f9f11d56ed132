"""Settings read from the environment once per process (template.yaml sets them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    orders_table: str
    facilities_table: str
    pickjobs_table: str
    idempotency_table: str
    service_name: str
    event_bus_name: str


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        orders_table=env.get("ORDERS_TABLE", "OrdersTable"),
        facilities_table=env.get("FACILITIES_TABLE", "FacilitiesTable"),
        pickjobs_table=env.get("PICKJOBS_TABLE", "PickJobsTable"),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", "IdempotencyTable"),
        service_name=env.get("POWERTOOLS_SERVICE_NAME", "order-service"),
        event_bus_name=env.get("EVENT_BUS_NAME", "OrderEventBus"),
    )
