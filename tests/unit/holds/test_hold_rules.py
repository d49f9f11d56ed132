"""The hold rules, pure: the invariant "LOCKED exactly while a hold is ACTIVE" under any sequence of
actions, four eyes, who may release what, expiry and its warning."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_service.core.errors import DomainError, Forbidden, InvalidRequest, Refused
from order_service.facilities.routing import Routing
from order_service.holds import rules as holds
from order_service.holds.rules import Caller, HoldRequest, HoldTypes
from order_service.orders import rules as orders

NOW = "2026-11-27T09:00:00.000Z"
TYPES = HoldTypes(
    {
        "FRAUD": {"key": "FRAUD", "name": "Fraud", "releaseGroups": ["reviewers"], "requiredApprovals": 2},
        "PAYMENT": {"key": "PAYMENT", "name": "Payment", "releaseGroups": ["reviewers"], "requiredApprovals": 1},
        "TIMED": {
            "key": "TIMED",
            "name": "Timed",
            "releaseGroups": ["reviewers"],
            "requiredApprovals": 1,
            "expiresAfterMinutes": 60,
            "warnBeforeMinutes": 10,
            "onExpiry": "CANCEL",
        },
    }
)
RITA = Caller("rita", frozenset({"ORDER_UNLOCK", "ORDER_HOLD"}), frozenset({"reviewers"}))
ROSA = Caller("rosa", frozenset({"ORDER_UNLOCK"}), frozenset({"reviewers"}))
SHOP = Caller("shop", frozenset({"ORDER_WRITE"}), frozenset({"shop-client"}))
ROUTED: Routing = {"status": "ROUTED", "facilityRef": "f-1", "routedAt": NOW, "attempts": []}


def order(status: str | None = None, typed: list[str] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "orderDate": NOW,
        "consumer": {"consumerId": "c"},
        "orderLineItems": [{"article": {"tenantArticleId": "a", "title": "A"}, "quantity": 1}],
    }
    if status:
        request["status"] = status
    if typed:
        request["holds"] = [{"type": t} for t in typed]
    placed = holds.initial_holds(request, TYPES, NOW, "shop")
    return dict(orders.new_order(request, ROUTED, NOW, "shop", placed))


def invariant(o: dict[str, Any]) -> None:
    active = [h for h in o.get("holds", []) if h["status"] == holds.ACTIVE]
    assert (o["status"] == "LOCKED") == bool(active), o
    assert not (o["status"] == "CANCELLED" and active)


def test_locked_on_create_gets_one_default_hold_per_locked_reason():
    request = {
        "status": "LOCKED",
        "statusReasons": [{"status": "LOCKED", "reason": "a"}, {"status": "LOCKED", "reason": "b"}],
    }

    placed = holds.initial_holds(request, TYPES, NOW, "shop")

    assert [(h["type"], h.get("reason")) for h in placed] == [("DEFAULT", "a"), ("DEFAULT", "b")]


def test_typed_holds_lock_the_order_whatever_its_status_says_and_say_so_in_status_reasons():
    created = order(typed=["PAYMENT"])

    assert created["status"] == "LOCKED"
    assert created["statusReasons"] == [{"status": "LOCKED", "reason": "PAYMENT"}]


def test_four_eyes_needs_two_different_people():
    o = order(typed=["FRAUD"])
    fraud = o["holds"][0]["id"]

    first = holds.release(o, fraud, TYPES, RITA, NOW, o["version"])
    with pytest.raises(Refused, match="second person"):
        holds.release(first, fraud, TYPES, RITA, NOW, first["version"])
    second = holds.release(first, fraud, TYPES, ROSA, NOW, first["version"])

    assert first["status"] == "LOCKED" and first["holds"][0]["status"] == "ACTIVE"
    assert second["status"] == "OPEN" and second["holds"][0]["releasedBy"] == "rosa"


def test_a_default_hold_needs_order_unlock_and_a_typed_one_its_group():
    with pytest.raises(Forbidden, match="ORDER_UNLOCK"):
        o = order("LOCKED")
        holds.release(o, o["holds"][0]["id"], TYPES, SHOP, NOW, o["version"])
    with pytest.raises(Forbidden, match="reviewers"):
        o = order(typed=["PAYMENT"])
        holds.release(o, o["holds"][0]["id"], TYPES, SHOP, NOW, o["version"])


def test_a_type_removed_from_the_configuration_is_released_by_default_rules():
    o = order(typed=["PAYMENT"])

    released = holds.release(o, o["holds"][0]["id"], HoldTypes({}), ROSA, NOW, o["version"])  # has ORDER_UNLOCK

    assert released["status"] == "OPEN"


def test_expiry_warns_once_then_cancels():
    o = order(typed=["TIMED"])
    hold = o["holds"][0]
    assert (hold["expiresAt"], hold["expiryWarningAt"]) == ("2026-11-27T10:00:00.000Z", "2026-11-27T09:50:00.000Z")
    assert holds.due_at(o) == hold["expiryWarningAt"]

    assert holds.on_due(o, "2026-11-27T09:49:59.999Z") is None
    warned = holds.on_due(o, "2026-11-27T09:50:00.000Z")
    assert warned is not None and holds.due_at(warned) == hold["expiresAt"]
    assert [fact for fact, _ in holds.hold_changes(o, warned)] == ["EXPIRING"]
    assert holds.on_due(warned, "2026-11-27T09:55:00.000Z") is None  # warned once
    expired = holds.on_due(warned, "2026-11-27T10:00:00.000Z")

    assert expired is not None and expired["status"] == "CANCELLED"
    assert expired["holds"][0]["status"] == "EXPIRED"
    assert holds.due_at(expired) is None


def test_an_unknown_type_is_a_400():
    with pytest.raises(InvalidRequest, match="NOPE"):
        holds.place(order("LOCKED"), HoldRequest("NOPE"), TYPES, RITA, NOW, 1)


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["place", "release", "unlock", "cancel", "expire"]),
        st.sampled_from(["DEFAULT", "FRAUD", "PAYMENT", "TIMED"]),
        st.sampled_from([RITA, ROSA, SHOP]),
        st.integers(0, 3),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None, derandomize=not os.environ.get("HYPOTHESIS_RANDOM"))
@given(start=st.sampled_from([None, "LOCKED"]), actions=ACTIONS)
def test_locked_exactly_while_a_hold_is_active_whatever_happens(start, actions):
    o = order(start)
    invariant(o)
    clock = ["2026-11-27T09:00:00.000Z", "2026-11-27T09:55:00.000Z", "2026-11-27T11:00:00.000Z"]
    for n, (action, hold_type, caller, pick) in enumerate(actions):
        now = clock[min(n // 4, 2)]
        try:
            if action == "place":
                o = holds.place(o, HoldRequest(hold_type), TYPES, caller, now, o["version"])
            elif action == "release":
                active = holds.active(holds.holds_of(o))
                if not active:
                    continue
                o = holds.release(o, active[pick % len(active)]["id"], TYPES, caller, now, o["version"])
            elif action == "unlock":
                o = holds.unlock(o, TYPES, caller, now, o["version"], orders.NOT_UNLOCKABLE)
            elif action == "cancel":
                if o["status"] == "CANCELLED":
                    continue
                o = holds.cancel(o, caller, now, None)
            else:
                o = holds.on_due(o, now) or o
        except DomainError:
            pass  # refused: the order as it was
        invariant(o)
