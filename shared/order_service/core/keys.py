"""Index key layout shared by the stores, pure (docs/capacity.md)."""

from __future__ import annotations

import zlib

STATUS_SHARDS = 32  # docs/capacity.md: a status partition per shard takes 1/32 of the writes


def shard_of(key: str) -> int:
    """The shard (0 .. STATUS_SHARDS - 1) of a stable key: crc32, so every runtime computes the same."""
    return zlib.crc32(key.encode()) % STATUS_SHARDS


def status_shard(status: str, key: str) -> str:
    """The partition of an entity in a sharded status index: its status and a shard derived from a
    stable key - the pick job's id (by-status), or the order's facility (by-status-facility: the
    orders of one facility and status share one partition, so that they are one key-condition query;
    a new facility's id is drawn so that facilities fill the shards in turn, `facilities.rules`)."""
    return f"{status}#{shard_of(key):02d}"


def status_shards(status: str) -> list[str]:
    """Every partition of one status in a sharded by-status index."""
    return [f"{status}#{shard:02d}" for shard in range(STATUS_SHARDS)]


CREATED_ID = "idxCreatedId"  # every listing index's sort key: oldest first, and unique


def created_id(created: str, entity_id: str) -> str:
    """The sort key of an entity in a listing index: its creation time, then its id (never changes)."""
    return f"{created}#{entity_id}"
