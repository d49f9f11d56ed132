"""Which facility gets an order: pure rules, no AWS.

The contract's order of precedence:
1. click-and-collect: the collect facility (if it is ONLINE; otherwise the order waits NOT_ROUTABLE),
2. shipping with preselected facilities: the first of them that is ONLINE,
3. otherwise the ONLINE facility nearest to the consumer's address coordinates; without
   coordinates the ONLINE facility with the smallest id (deterministic).
Facilities already tried (`exclude`) are never chosen again (time-triggered reroute).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

from order_service.facilities.rules import ONLINE, Facility


class Routing(TypedDict):
    """The `routing` object stored on an order."""

    status: str  # ROUTED | NOT_ROUTABLE
    facilityRef: NotRequired[str]
    routedAt: NotRequired[str]
    attempts: list[str]  # facilities an order was routed to before (time-triggered reroute)


@dataclass(frozen=True)
class RoutingRequest:
    """What routing needs to know about an order, and so which facilities must be read."""

    kind: Literal["collect", "preselected", "nearest"]
    facility_refs: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None
    exclude: frozenset[str] = field(default_factory=frozenset)


def routing_request(order: Mapping[str, Any], exclude: frozenset[str] = frozenset()) -> RoutingRequest:
    preferences = order.get("deliveryPreferences") or {}
    collect = preferences.get("collect") or []
    if collect and collect[0].get("facilityRef"):
        return RoutingRequest("collect", (collect[0]["facilityRef"],), exclude=exclude)
    shipping = preferences.get("shipping") or {}
    preselected = tuple(p["facilityRef"] for p in shipping.get("preselectedFacilities") or [] if p.get("facilityRef"))
    if preselected:
        return RoutingRequest("preselected", preselected, exclude=exclude)
    return RoutingRequest("nearest", coordinates=consumer_coordinates(order), exclude=exclude)


def consumer_coordinates(order: Mapping[str, Any]) -> tuple[float, float] | None:
    for address in (order.get("consumer") or {}).get("addresses") or []:
        coordinates = address.get("coordinates") or {}
        if coordinates.get("lat") is not None and coordinates.get("lon") is not None:
            return float(coordinates["lat"]), float(coordinates["lon"])
    return None


def facility_coordinates(facility: Facility) -> tuple[float, float] | None:
    coordinates = (facility.get("address") or {}).get("coordinates") or {}
    if coordinates.get("lat") is None or coordinates.get("lon") is None:
        return None
    return float(coordinates["lat"]), float(coordinates["lon"])


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def choose_facility(request: RoutingRequest, facilities: list[Facility]) -> Facility | None:
    """The facility to route to, or None when no suitable facility is ONLINE.

    `facilities` are the candidates the store read for this request (any status, any order).
    """
    eligible = [f for f in facilities if f.get("status") == ONLINE and f["id"] not in request.exclude]
    if request.kind in ("collect", "preselected"):
        by_id = {f["id"]: f for f in eligible}
        return next((by_id[ref] for ref in request.facility_refs if ref in by_id), None)
    if not eligible:
        return None
    if request.coordinates is None:
        return min(eligible, key=lambda f: f["id"])
    origin = request.coordinates

    def rank(facility: Facility) -> tuple[float, str]:
        position = facility_coordinates(facility)
        return (distance_km(origin, position) if position else math.inf, facility["id"])

    return min(eligible, key=rank)


def routing_result(facility: Facility | None, routed_at: str, attempts: list[str] | None = None) -> Routing:
    """The `routing` object stored on the order."""
    if facility is None:
        return {"status": "NOT_ROUTABLE", "attempts": list(attempts or [])}
    return {
        "facilityRef": facility["id"],
        "status": "ROUTED",
        "routedAt": routed_at,
        "attempts": list(attempts or []),
    }
