"""Time-triggered reroute (a scheduled job) and the routing of orders that wait for a facility.

- Every OPEN pick job older than `rerouteAfterMinutes` moves to the next ONLINE facility its order
  has not tried (the same rules as routing): one transaction retires the old pick job, creates the
  new one and updates the order's routing. A LOCKED order has no pick job, so it is never touched;
  its clock starts with the pick job created at unlock.
- No facility left: the pick job stays, marked once (`rerouteFailedAt`); the stream publishes
  TIME_TRIGGERED_REROUTE_FAILED. It is no candidate again (the candidate query leaves it out, so it
  costs no read) until a facility becomes ONLINE or changes while ONLINE.
- One candidate that fails (a throttled read after the client's retries, a bad item) is logged and
  counted; the run goes on with the others and the next run tries it again.
- NOT_ROUTABLE orders are routed as soon as a suitable facility is ONLINE (an OPEN one then gets
  its pick job from the orders stream).

Safe to run twice at once and to crash half-way: every change is conditional, ids are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from order_service.configurations import store as configurations
from order_service.core.clock import iso
from order_service.facilities import routing
from order_service.facilities import store as facility_store
from order_service.facilities.rules import Facility
from order_service.orders import store as order_store
from order_service.orders.rules import Order
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs import store as pickjob_store
from order_service.pickjobs.rules import PickJob

logger = Logger(child=True)


@dataclass
class Report:
    candidates: int = 0
    rerouted: int = 0
    failed: int = 0  # newly marked "no facility left"
    skipped: int = 0  # changed meanwhile, or done by another run
    routed: int = 0  # NOT_ROUTABLE orders that got a facility
    errors: int = 0  # candidates or waiting orders that failed; the next run tries them again
    items_read: int = 0  # ScannedCount of the candidate query


class _Facilities:
    """The facilities one run needs, read once per run."""

    def __init__(self) -> None:
        self._online: list[Facility] | None = None

    def online(self) -> list[Facility]:
        if self._online is None:
            self._online = facility_store.online()
        return self._online

    def last_change(self) -> str:
        """When a facility last became ONLINE or changed while ONLINE ("" when none is ONLINE)."""
        return max((f["lastModified"] for f in self.online()), default="")

    def for_request(self, request: routing.RoutingRequest) -> list[Facility]:
        if request.kind == "nearest":
            return self.online()
        return facility_store.get_many(request.facility_refs)


def run(now: datetime) -> Report:
    report = Report()
    facilities = _Facilities()
    route_waiting_orders(now, facilities, report)
    config = configurations.get_reroute()
    if not config["active"]:
        return report
    # bounded by the API; min() keeps a value stored before the bound from breaking every run
    minutes = min(int(config["rerouteAfterMinutes"]), configurations.MAX_REROUTE_AFTER_MINUTES)
    cutoff = iso(now - timedelta(minutes=minutes))
    candidates, report.items_read = pickjob_store.open_older_than(cutoff, facilities.last_change())
    report.candidates = len(candidates)
    for pickjob in candidates:
        try:
            reroute_one(pickjob, now, config, facilities, report)
        except Exception:
            report.errors += 1
            logger.exception("reroute of one pick job failed; the run goes on", extra={"pickjob_id": pickjob["id"]})
    logger.info("reroute run", extra=report.__dict__)
    return report


def reroute_one(
    pickjob: PickJob, now: datetime, config: dict[str, Any], facilities: _Facilities, report: Report
) -> None:
    order = order_store.get(pickjob["orderRef"])
    current = order.get("routing") or {}
    if order["status"] != "OPEN" or current.get("facilityRef") != pickjob["facilityRef"]:
        report.skipped += 1  # cancelled or moved meanwhile; the stream takes care of its pick job
        return
    tried = frozenset([*current.get("attempts", []), current["facilityRef"]])
    request = routing.routing_request(order, exclude=tried)
    chosen = routing.choose_facility(request, facilities.for_request(request))
    stamp = iso(now)
    if chosen is None:
        if pickjob_store.mark_reroute_failed(pickjob["id"], stamp):
            report.failed += 1
            logger.warning("no facility left to reroute to", extra={"pickjob_id": pickjob["id"]})
        return
    new_routing = routing.routing_result(chosen, stamp, [*current.get("attempts", []), current["facilityRef"]])
    moved = {**order, "routing": new_routing}
    new_pickjob = pickjobs.new_pickjob(moved, stamp)
    new_pickjob["reroutedFrom"] = pickjob["id"]
    hours = min(int(config["rerouteTargetTimeHours"]), configurations.MAX_REROUTE_TARGET_TIME_HOURS)
    new_pickjob["targetTime"] = iso(now + timedelta(hours=hours))
    change = order_store.reroute_change(order, new_routing, stamp)
    if pickjob_store.reroute(pickjob, new_pickjob, change, stamp):
        report.rerouted += 1
        logger.info("pick job rerouted", extra={"pickjob_id": pickjob["id"], "to": chosen["id"]})
    else:
        report.skipped += 1


def route_waiting_orders(now: datetime, facilities: _Facilities, report: Report) -> None:
    for order in order_store.waiting_for_routing():
        try:
            route_waiting_order(order, now, facilities, report)
        except Exception:
            report.errors += 1
            logger.exception("routing of one waiting order failed; the run goes on", extra={"order_id": order["id"]})


def route_waiting_order(order: Order, now: datetime, facilities: _Facilities, report: Report) -> None:
    attempts = (order.get("routing") or {}).get("attempts", [])
    request = routing.routing_request(order, exclude=frozenset(attempts))
    chosen = routing.choose_facility(request, facilities.for_request(request))
    if chosen is None:
        return
    if order_store.assign_route(order, routing.routing_result(chosen, iso(now), attempts), iso(now)):
        report.routed += 1
        logger.info("waiting order routed", extra={"order_id": order["id"], "facility": chosen["id"]})
