"""Queue health, the rules (pure, no AWS): from the held orders as the scheduled run reads them, the
snapshot that `GET /api/orders/holdstats` answers and the metrics the alarms read (docs/operations.md,
"Queue health").

A held order is one that is LOCKED now; it is held since it last became LOCKED (the last LOCKED entry of
its status history: a re-locked order's age starts again at the re-lock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NotRequired, TypedDict

from order_service.holds import rules as holds

# The histogram's thresholds in minutes (CONTRACT.md): cumulative, each bucket counts the orders held at
# least that long, so the first one is every held order.
AGE_THRESHOLDS = (0, 15, 60, 240, 1440)
RELEASE_WINDOW_MINUTES = 60  # releasedLastHour: this minute and the 59 before


class HeldOrder(TypedDict):
    """What the snapshot needs of one held order."""

    id: str
    facilityRef: str
    heldSince: str
    types: list[str]  # its ACTIVE holds' types, each once
    tenantOrderId: NotRequired[str]


class AgeBucket(TypedDict):
    olderThanMinutes: int
    count: int


class HoldStats(TypedDict):
    """The snapshot: the contract's fields, then ours (`complete`, `ordersRead`)."""

    held: int
    byType: dict[str, int]
    byFacility: dict[str, int]
    oldestHeldSince: str | None
    ageHistogram: list[AgeBucket]
    releasedLastHour: int
    at: str
    complete: bool  # False: the run stopped at its read caps (docs/operations.md); the figures are partial
    ordersRead: int  # held orders read by key: byType, the histogram and the oldest are over these
    oldestHeldOrderId: NotRequired[str]
    longestHeld: NotRequired[list[HeldOrder]]  # the LONGEST_HELD orders held longest, longest first


LONGEST_HELD = 50  # the back office's SLA list and the runbook's first look (docs/operations.md)


def held_since(order: Mapping[str, Any]) -> str:
    """When the order last became LOCKED; for an order without such an entry, its earliest ACTIVE hold,
    else its creation."""
    for entry in reversed(order.get("statusHistory") or []):
        if entry.get("status") == "LOCKED":
            return str(entry["at"])
    placed = [str(h["placedAt"]) for h in holds.active(holds.holds_of(order)) if h.get("placedAt")]
    return min(placed) if placed else str(order.get("created", ""))


def held_order(order: Mapping[str, Any], facility_ref: str) -> HeldOrder | None:
    """The order as the snapshot counts it, or None when it is no longer LOCKED (the index it was found in
    is eventually consistent: the read by key decides)."""
    if order.get("status") != "LOCKED":
        return None
    types = list(dict.fromkeys(h["type"] for h in holds.active(holds.holds_of(order))))
    held: HeldOrder = {
        "id": str(order["id"]),
        "facilityRef": facility_ref,
        "heldSince": held_since(order),
        "types": types,
    }
    if order.get("tenantOrderId"):
        held["tenantOrderId"] = str(order["tenantOrderId"])
    return held


def age_minutes(since: str, now: datetime) -> int:
    """Whole minutes from `since` (the contract's timestamp) to `now`; never negative."""
    moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    return max(0, int((now - moment).total_seconds() // 60))


def histogram(ages: Iterable[int]) -> list[AgeBucket]:
    """Cumulative buckets: for each threshold, the orders held at least that many minutes."""
    ages = list(ages)
    return [{"olderThanMinutes": t, "count": sum(1 for a in ages if a >= t)} for t in AGE_THRESHOLDS]


def snapshot(
    *,
    held: int,
    by_facility: Mapping[str, int],
    orders: list[HeldOrder],
    type_keys: Iterable[str],
    released_last_hour: int,
    now: datetime,
    at: str,
    complete: bool,
) -> HoldStats:
    """The figures of one run. `held` and `by_facility` come from the index's keys (every held order,
    unless the run hit its key cap); the rest from `orders`, the held orders read by key. `type_keys`:
    DEFAULT and every configured type, shown with 0 when no ACTIVE hold has it."""
    by_type: Counter[str] = Counter({key: 0 for key in type_keys})
    for order in orders:
        by_type.update(order["types"])
    oldest = min(orders, key=lambda o: (o["heldSince"], o["id"]), default=None)
    stats: HoldStats = {
        "held": held,
        "byType": dict(sorted(by_type.items())),
        "byFacility": dict(sorted(by_facility.items())),
        "oldestHeldSince": oldest["heldSince"] if oldest else None,
        "ageHistogram": histogram(age_minutes(o["heldSince"], now) for o in orders),
        "releasedLastHour": released_last_hour,
        "at": at,
        "complete": complete,
        "ordersRead": len(orders),
    }
    if oldest:
        stats["oldestHeldOrderId"] = oldest["id"]
    stats["longestHeld"] = sorted(orders, key=lambda o: (o["heldSince"], o["id"]))[:LONGEST_HELD]
    return stats


def empty(now: datetime, at: str) -> HoldStats:
    """What the route answers before the first run has written a snapshot: nothing counted yet."""
    return snapshot(
        held=0, by_facility={}, orders=[], type_keys=(), released_last_hour=0, now=now, at=at, complete=False
    )


def oldest_age_minutes(stats: HoldStats, now: datetime) -> int:
    """OldestHeldOrderAgeMinutes: 0 when nothing is held."""
    since = stats["oldestHeldSince"]
    return age_minutes(since, now) if since else 0


def minute_of(now: datetime) -> str:
    """The minute a release is counted in: `2026-11-27T10:14` (UTC)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def last_hour_minutes(now: datetime) -> list[str]:
    """The minutes releasedLastHour covers: this one and the 59 before."""
    return [minute_of(now - timedelta(minutes=m)) for m in range(RELEASE_WINDOW_MINUTES)]


def released_last_hour(counters: Iterable[Mapping[str, Any]], now: datetime) -> int:
    """The releases counted in the last 60 minutes (counter items `{"id": ...#minute, "count"}`)."""
    window = set(last_hour_minutes(now))
    return sum(int(c.get("count", 0)) for c in counters if str(c.get("id", "")).rpartition("#")[2] in window)
