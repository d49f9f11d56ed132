"""Routing rules, without AWS."""

from __future__ import annotations

from order_service.facilities import routing
from tests.builders import BERLIN, HAMBURG, MUNICH, order_body


def facility(fid: str, status: str = "ONLINE", coordinates: dict | None = None) -> dict:
    return {"id": fid, "status": status, "address": {"coordinates": coordinates} if coordinates else {}}


def test_collect_wins_over_everything_else():
    order = order_body(
        deliveryPreferences={
            "collect": [{"facilityRef": "c"}],
            "shipping": {"preselectedFacilities": [{"facilityRef": "p"}]},
        }
    )

    request = routing.routing_request(order)

    assert (request.kind, request.facility_refs) == ("collect", ("c",))
    assert routing.choose_facility(request, [facility("c")])["id"] == "c"


def test_collect_facility_not_online_means_not_routable():
    request = routing.routing_request(order_body(deliveryPreferences={"collect": [{"facilityRef": "c"}]}))

    assert routing.choose_facility(request, [facility("c", "SUSPENDED"), facility("other")]) is None


def test_preselected_keeps_the_given_order_and_skips_what_is_not_online():
    order = order_body(
        deliveryPreferences={
            "shipping": {"preselectedFacilities": [{"facilityRef": "a"}, {"facilityRef": "b"}, {"facilityRef": "c"}]}
        }
    )
    request = routing.routing_request(order)

    chosen = routing.choose_facility(request, [facility("c"), facility("a", "OFFLINE"), facility("b")])

    assert chosen["id"] == "b"


def test_nearest_by_great_circle_distance():
    request = routing.routing_request(order_body(coordinates={"lat": 53.0, "lon": 10.2}))
    facilities = [
        facility("berlin", coordinates=BERLIN),
        facility("hamburg", coordinates=HAMBURG),
        facility("munich", coordinates=MUNICH),
    ]

    assert routing.choose_facility(request, facilities)["id"] == "hamburg"


def test_facilities_without_coordinates_come_last():
    request = routing.routing_request(order_body(coordinates=BERLIN))

    assert routing.choose_facility(request, [facility("a"), facility("z", coordinates=MUNICH)])["id"] == "z"


def test_excluded_facilities_are_never_chosen_again():
    request = routing.routing_request(order_body(coordinates=BERLIN), exclude=frozenset({"berlin"}))
    facilities = [facility("berlin", coordinates=BERLIN), facility("munich", coordinates=MUNICH)]

    assert routing.choose_facility(request, facilities)["id"] == "munich"


def test_distance_berlin_munich_is_about_504_km():
    assert 500 < routing.distance_km((BERLIN["lat"], BERLIN["lon"]), (MUNICH["lat"], MUNICH["lon"])) < 510


def test_routing_result_shapes():
    assert routing.routing_result(None, "t") == {"status": "NOT_ROUTABLE", "attempts": []}
    assert routing.routing_result({"id": "f"}, "t", ["e"]) == {
        "facilityRef": "f",
        "status": "ROUTED",
        "routedAt": "t",
        "attempts": ["e"],
    }
