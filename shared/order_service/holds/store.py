"""The hold types' configuration: one versioned item in the configurations table (id `holds`).
Its API models are in `holds.models`."""

from __future__ import annotations

from typing import Any, cast

from order_service.configurations.store import put_versioned
from order_service.core import dynamo
from order_service.core.config import settings
from order_service.holds.rules import DEFAULT, DEFAULT_TYPE, HoldType, HoldTypes

HOLDS_ID = "holds"


def _table() -> str:
    return settings().configurations_table


def get_configuration() -> dict[str, Any]:
    """`{"types": [...], "version": N}`: DEFAULT first (always there), then the configured types in
    their order; version 0 while never saved."""
    return _answer(dynamo.get(_table(), HOLDS_ID))


def _answer(stored: dict[str, Any] | None) -> dict[str, Any]:
    if stored is None:
        return {"types": [DEFAULT_TYPE], "version": 0}
    configured = [t for t in stored.get("types", []) if t["key"] != DEFAULT]
    return {**{k: v for k, v in stored.items() if k != "id"}, "types": [DEFAULT_TYPE, *configured]}


def hold_types() -> HoldTypes:
    """The hold types by key, read (one consistent GetItem: a release is checked against the rule as it
    is now) only when a non-DEFAULT type is asked for."""

    def load() -> dict[str, HoldType]:
        return {t["key"]: t for t in cast(list[HoldType], get_configuration()["types"])}

    return HoldTypes(load=load)


def put_configuration(types: list[dict[str, Any]], version: int, now: str) -> dict[str, Any]:
    """Versioned like every configuration (configurations.store.put_versioned)."""
    return _answer(put_versioned(HOLDS_ID, "hold types configuration", {"types": types}, version, now))
