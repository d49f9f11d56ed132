"""Settings from the environment, read once per process. template.yaml is the only place that gives
them values (Globals and each function's Environment); there are no defaults here, so a setting a
function was not given fails loudly where it is used instead of silently taking a stale value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache


class MissingSetting(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: Mapping[str, str]

    def get(self, name: str) -> str:
        value = self.env.get(name)
        if value is None:
            raise MissingSetting(f"{name} is not set: template.yaml declares it for the functions that use it")
        return value

    @property
    def orders_table(self) -> str:
        return self.get("ORDERS_TABLE")

    @property
    def facilities_table(self) -> str:
        return self.get("FACILITIES_TABLE")

    @property
    def pickjobs_table(self) -> str:
        return self.get("PICKJOBS_TABLE")

    @property
    def idempotency_table(self) -> str:
        return self.get("IDEMPOTENCY_TABLE")

    @property
    def subscriptions_table(self) -> str:
        return self.get("SUBSCRIPTIONS_TABLE")

    @property
    def configurations_table(self) -> str:
        return self.get("CONFIGURATIONS_TABLE")

    @property
    def deliveries_table(self) -> str:
        return self.get("DELIVERIES_TABLE")

    @property
    def service_name(self) -> str:
        return self.get("POWERTOOLS_SERVICE_NAME")

    @property
    def holdstats_max_keys(self) -> int:
        """Held orders' keys one queue-health run reads at most (docs/operations.md, Queue health)."""
        return int(self.get("HOLDSTATS_MAX_KEYS"))

    @property
    def holdstats_max_orders_read(self) -> int:
        """Held orders one queue-health run reads by key at most, the oldest-created first."""
        return int(self.get("HOLDSTATS_MAX_ORDERS_READ"))

    @property
    def event_bus_name(self) -> str:
        return self.get("EVENT_BUS_NAME")

    @property
    def delivery_queue_url(self) -> str:
        return self.get("WEBHOOK_DELIVERY_QUEUE_URL")

    @property
    def local_webhook_ports(self) -> frozenset[int]:
        """http://127.0.0.1 is allowed as a callback on these ports (the local stack's inbox only)."""
        return frozenset(int(p) for p in self.get("LOCAL_WEBHOOK_PORTS").split(",") if p.strip())

    @property
    def webhook_timeout_seconds(self) -> float:
        return float(self.get("WEBHOOK_TIMEOUT_SECONDS"))

    @property
    def webhook_max_tries(self) -> int:
        return int(self.get("WEBHOOK_MAX_TRIES"))

    @property
    def webhook_backoff_base_seconds(self) -> int:
        return int(self.get("WEBHOOK_BACKOFF_BASE_SECONDS"))

    @property
    def webhook_backoff_cap_seconds(self) -> int:
        return int(self.get("WEBHOOK_BACKOFF_CAP_SECONDS"))

    @property
    def webhook_secrets_key_id(self) -> str:
        return self.get("WEBHOOK_SECRETS_KEY_ID")

    @property
    def cognito_issuer(self) -> str:
        return self.get("COGNITO_ISSUER")

    @property
    def cognito_client_ids(self) -> frozenset[str]:
        return frozenset(c for c in self.get("COGNITO_CLIENT_IDS").split(",") if c)

    @property
    def login_client_id(self) -> str:
        return self.get("COGNITO_LOGIN_CLIENT_ID")

    @property
    def jwks_url(self) -> str:
        """The pool's JWKS; JWKS_URL is set only where the pool is not on AWS (moto, locally)."""
        return self.env.get("JWKS_URL") or f"{self.cognito_issuer}/.well-known/jwks.json"

    @cached_property
    def group_permissions(self) -> Mapping[str, frozenset[str]]:
        """What each user group may do (the authorizer's GROUP_PERMISSIONS)."""
        import json

        return {g: frozenset(p) for g, p in json.loads(self.get("GROUP_PERMISSIONS")).items()}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings(dict(os.environ))
