"""The time-triggered reroute configuration: defaults and storage (one versioned item). Its API models
are in `configurations.models`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import VersionConflict

if TYPE_CHECKING:
    from order_service.configurations.models import RerouteConfigurationForUpdate

REROUTE_ID = "reroute"
DEFAULTS = {"active": False, "rerouteAfterMinutes": 1440, "rerouteTargetTimeHours": 48}
MAX_REROUTE_AFTER_MINUTES = 525_600  # one year (docs/api.md)
MAX_REROUTE_TARGET_TIME_HOURS = 8_760  # one year


def _table() -> str:
    return settings().configurations_table


def get_reroute() -> dict[str, Any]:
    """The stored configuration, or the defaults at version 0 (never saved)."""
    stored = dynamo.get(_table(), REROUTE_ID)
    if stored is None:
        return {**DEFAULTS, "version": 0}
    return {k: v for k, v in stored.items() if k != "id"}


def put_reroute(update: RerouteConfigurationForUpdate, now: str) -> dict[str, Any]:
    """One conditional UpdateItem: version 0 creates, version N replaces version N (keeping `created`)."""
    current = update.version
    change = dynamo.Update().set("version", current + 1).set("lastModified", now)
    for name, value in update.model_dump(exclude={"version"}).items():
        change.set(name, value)
    if current == 0:
        change.set("created", now).condition(f"attribute_not_exists({change.name('id')})")
    else:
        change.equals("version", current)
    try:
        stored = change.execute(_table(), {"id": REROUTE_ID})
    except dynamo.ConditionFailed as failure:
        raise VersionConflict(
            "reroute configuration", int(failure.old["version"]) if failure.old else 0, current
        ) from None
    return {k: v for k, v in stored.items() if k != "id"}
