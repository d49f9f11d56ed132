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
    subscriptions_table: str
    configurations_table: str
    deliveries_table: str
    delivery_queue_url: str
    allow_local_webhooks: bool
    webhook_timeout_seconds: float
    webhook_max_tries: int
    webhook_backoff_base_seconds: int
    webhook_backoff_cap_seconds: int
    webhook_secrets_key_id: str


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
        subscriptions_table=env.get("SUBSCRIPTIONS_TABLE", "SubscriptionsTable"),
        configurations_table=env.get("CONFIGURATIONS_TABLE", "ConfigurationsTable"),
        deliveries_table=env.get("DELIVERIES_TABLE", "WebhookDeliveriesTable"),
        delivery_queue_url=env.get("WEBHOOK_DELIVERY_QUEUE_URL", ""),
        allow_local_webhooks=env.get("ALLOW_LOCAL_WEBHOOKS", "false").lower() == "true",
        webhook_timeout_seconds=float(env.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        webhook_max_tries=int(env.get("WEBHOOK_MAX_TRIES", "8")),
        webhook_backoff_base_seconds=int(env.get("WEBHOOK_BACKOFF_BASE_SECONDS", "30")),
        webhook_backoff_cap_seconds=int(env.get("WEBHOOK_BACKOFF_CAP_SECONDS", "900")),
        webhook_secrets_key_id=env.get("WEBHOOK_SECRETS_KEY_ID", "WebhookSecretsKey"),
    )
