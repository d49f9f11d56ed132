"""A new facility's id falls in the shard of its slot, without AWS (docs/capacity.md)."""

from __future__ import annotations

import itertools
import math
import uuid
from collections import Counter

from order_service.core.keys import STATUS_SHARDS, shard_of, status_shard
from order_service.facilities.rules import MAX_ID_DRAWS, facility_id_for_slot


def test_the_id_falls_in_the_shard_of_its_slot_for_every_slot():
    for slot in range(3 * STATUS_SHARDS):
        facility_id = facility_id_for_slot(slot)

        assert shard_of(facility_id) == slot % STATUS_SHARDS
        assert uuid.UUID(facility_id).version == 4
        assert status_shard("LOCKED", facility_id) == f"LOCKED#{slot % STATUS_SHARDS:02d}"


def test_consecutive_slots_spread_50_facilities_at_most_two_per_shard():
    ids = [facility_id_for_slot(slot) for slot in range(1, 51)]

    per_shard = Counter(shard_of(facility_id) for facility_id in ids)

    assert len(set(ids)) == 50
    assert max(per_shard.values()) == math.ceil(50 / STATUS_SHARDS) == 2
    assert len(per_shard) == STATUS_SHARDS


def test_when_no_draw_fits_the_last_id_is_returned_after_a_bounded_number_of_draws():
    never_shard_0 = (f"{n}" for n in itertools.count() if shard_of(f"{n}") != 0)
    drawn: list[str] = []

    def draw() -> str:
        drawn.append(next(never_shard_0))
        return drawn[-1]

    facility_id = facility_id_for_slot(STATUS_SHARDS, draw)

    assert len(drawn) == MAX_ID_DRAWS
    assert facility_id == drawn[-1]
    assert shard_of(facility_id) != 0
