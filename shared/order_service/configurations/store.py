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
    stored = put_versioned(
        REROUTE_ID, "reroute configuration", update.model_dump(exclude={"version"}), update.version, now
    )
    return {k: v for k, v in stored.items() if k != "id"}


def put_versioned(item_id: str, entity: str, fields: dict[str, Any], version: int, now: str) -> dict[str, Any]:
    """Every configuration's PUT (reroute, hold types, lock rules): one conditional UpdateItem of one item
    of the configurations table - version 0 creates, version N replaces version N (keeping `created`);
    else the usual version conflict. The stored item."""
    change = dynamo.Update().set("version", version + 1).set("lastModified", now)
    for name, value in fields.items():
        change.set(name, value)
    if version == 0:
        change.set("created", now).condition(f"attribute_not_exists({change.name('id')})")
    else:
        change.equals("version", version)
    try:
        return change.execute(_table(), {"id": item_id})
    except dynamo.ConditionFailed as failure:
        raise VersionConflict(entity, int(failure.old["version"]) if failure.old else 0, version) from None
