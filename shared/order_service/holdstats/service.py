"""Queue health, the use cases: the scheduled snapshot (every minute: read the held orders, write one
snapshot item, publish the metrics the alarms and the dashboard read), the route's answer (one GetItem),
and the count of released holds that the write paths keep (docs/operations.md, "Queue health")."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from order_service.core.clock import iso
from order_service.core.config import settings
from order_service.holds import store as hold_store
from order_service.holdstats import rules
from order_service.holdstats import store as stats_store
from order_service.holdstats.rules import HeldOrder, HoldStats

logger = Logger(child=True)
metrics = Metrics()


def run(now: datetime) -> HoldStats:
    """One snapshot: the held orders' keys (the LOCKED partitions of by-status-facility, KEYS_ONLY), up to
    HOLDSTATS_MAX_KEYS of them; the oldest-created HOLDSTATS_MAX_ORDERS_READ of those read by key (only
    the attributes the figures need); the hold types; the release counter. Writes the snapshot (one
    PutItem) and publishes OldestHeldOrderAgeMinutes and HeldOrders per hold type."""
    config = settings()
    found = stats_store.held_keys(config.holdstats_max_keys)
    oldest_first = sorted(found.keys, key=lambda k: (k.created, k.order_id))
    to_read = oldest_first[: config.holdstats_max_orders_read]
    facility_of = {k.order_id: k.facility_ref for k in to_read}
    held: list[HeldOrder] = []
    for item in stats_store.read_held(to_read):
        order = rules.held_order(item, facility_of[item["id"]])
        if order is not None:
            held.append(order)
    left = len(to_read) - len(held)  # left LOCKED since the (eventually consistent) index was read
    stats = rules.snapshot(
        held=len(found.keys) - left,
        by_facility=Counter(k.facility_ref for k in found.keys),
        orders=held,
        type_keys=[t["key"] for t in hold_store.get_configuration()["types"]],
        released_last_hour=rules.released_last_hour(stats_store.released_counters(now), now),
        now=now,
        at=iso(now),
        complete=found.complete and len(to_read) == len(found.keys),
    )
    if left:  # their facilities' counts came from the index: take them out too
        read = {order["id"] for order in held}
        gone = Counter(facility_of[k.order_id] for k in to_read if k.order_id not in read)
        stats["byFacility"] = {f: n for f, n in (Counter(stats["byFacility"]) - gone).items() if n > 0}
    stats_store.put_snapshot(stats)
    publish(stats, now)
    logger.info(
        "queue health snapshot",
        extra={"held": stats["held"], "orders_read": stats["ordersRead"], "complete": stats["complete"]},
    )
    return stats


def publish(stats: HoldStats, now: datetime) -> None:
    """The metrics of docs/operations.md's table, exactly: OldestHeldOrderAgeMinutes (dimension `service`,
    0 when nothing is held) and HeldOrders (dimensions `service`, `HoldType`; one per type, 0s included)."""
    oldest = rules.oldest_age_minutes(stats, now)
    metrics.add_metric(name="OldestHeldOrderAgeMinutes", unit=MetricUnit.Count, value=oldest)
    service = settings().service_name
    for hold_type, count in stats["byType"].items():
        with single_metric(name="HeldOrders", unit=MetricUnit.Count, value=count) as metric:
            metric.add_dimension(name="service", value=service)
            metric.add_dimension(name="HoldType", value=hold_type)


def current(now: datetime) -> HoldStats:
    """The last snapshot (one GetItem; its `at` says when it was taken), or an empty, incomplete one
    before the first run."""
    return stats_store.get_snapshot() or rules.empty(now, iso(now))


def holds_released(count: int, now: datetime) -> None:
    """`count` holds were released by a person (RELEASE_HOLD, UNLOCK): the HoldsReleased metric. The
    counter behind releasedLastHour is kept by the event publisher, once per stream batch
    (`count_released_in_batch`): no write on the request's path, and no item every release writes to."""
    if count > 0:
        metrics.add_metric(name="HoldsReleased", unit=MetricUnit.Count, value=count)


def count_released_in_batch(envelopes: list[dict[str, Any]], now: datetime) -> int:
    """The event publisher's part: the holds people released among a batch's published events
    (ORDER_HOLD_RELEASED with the hold RELEASED, not EXPIRED) added to this minute's counter with ONE
    UpdateItem per batch. At least once, like the stream: a batch Lambda retries after a partial failure
    may count the records it had published already again (docs/operations.md). A counter that cannot be
    written is logged, never a failed batch (the events are out)."""
    released = sum(
        1 for e in envelopes if e["event"] == "ORDER_HOLD_RELEASED" and e["payload"]["hold"]["status"] == "RELEASED"
    )
    if released:
        try:
            stats_store.count_released(released, now)
        except Exception:  # a statistic must not fail a published batch
            logger.warning("released holds not counted", extra={"count": released}, exc_info=True)
    return released
