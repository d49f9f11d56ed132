"""Queue health's rules, without AWS: when an order is held since, the cumulative histogram, the
release counter's hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_service.core.clock import iso
from order_service.holdstats import rules

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def ago(minutes: float) -> str:
    return iso(NOW - timedelta(minutes=minutes))


def test_held_since_the_last_time_it_became_locked():
    order = {
        "id": "o-1",
        "status": "LOCKED",
        "created": ago(100),
        "statusHistory": [
            {"status": "LOCKED", "at": ago(100)},
            {"status": "OPEN", "at": ago(50), "previousStatus": "LOCKED"},
            {"status": "LOCKED", "at": ago(10), "previousStatus": "OPEN"},
        ],
        "holds": [{"id": "h", "type": "FRAUD", "status": "ACTIVE", "placedAt": ago(10)}],
    }

    assert rules.held_order(order, "f-1") == {
        "id": "o-1",
        "facilityRef": "f-1",
        "heldSince": ago(10),
        "types": ["FRAUD"],
    }
    assert rules.held_order({**order, "status": "OPEN"}, "f-1") is None  # left the queue since the index was read


def test_an_order_without_history_is_held_since_its_earliest_active_hold():
    order = {
        "id": "o-2",
        "status": "LOCKED",
        "created": ago(90),
        "holds": [
            {"id": "a", "type": "FRAUD", "status": "RELEASED", "placedAt": ago(80)},
            {"id": "b", "type": "PAYMENT", "status": "ACTIVE", "placedAt": ago(40)},
            {"id": "c", "type": "PAYMENT", "status": "ACTIVE", "placedAt": ago(30)},
        ],
    }

    held = rules.held_order(order, "f")
    assert held is not None and held["heldSince"] == ago(40) and held["types"] == ["PAYMENT"]


def test_the_histogram_is_cumulative():
    assert rules.histogram([0, 14, 15, 59, 60, 239, 240, 1439, 1440, 5000]) == [
        {"olderThanMinutes": 0, "count": 10},
        {"olderThanMinutes": 15, "count": 8},
        {"olderThanMinutes": 60, "count": 6},
        {"olderThanMinutes": 240, "count": 4},
        {"olderThanMinutes": 1440, "count": 2},
    ]


def test_released_last_hour_counts_the_counters_of_the_last_sixty_minutes():
    def counter(minutes_ago: int, count: int) -> dict:
        return {"id": f"holdstats-released#{rules.minute_of(NOW - timedelta(minutes=minutes_ago))}", "count": count}

    counters = [counter(0, 2), counter(59, 3), counter(60, 100), counter(24 * 60, 100)]

    assert rules.released_last_hour(counters, NOW) == 5
    assert len(rules.last_hour_minutes(NOW)) == 60 and rules.last_hour_minutes(NOW)[0] == "2026-11-27T12:00"


def test_nothing_held():
    stats = rules.snapshot(
        held=0,
        by_facility={},
        orders=[],
        type_keys=["DEFAULT"],
        released_last_hour=0,
        now=NOW,
        at=iso(NOW),
        complete=True,
    )

    assert stats["oldestHeldSince"] is None and rules.oldest_age_minutes(stats, NOW) == 0
    assert stats["byType"] == {"DEFAULT": 0}
