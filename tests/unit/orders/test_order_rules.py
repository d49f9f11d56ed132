"""Order rules and the request models, without AWS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from order_service.core.clock import iso
from order_service.core.errors import NotFound, TransitionNotAllowed, VersionConflict
from order_service.core.keys import status_shard, status_shards
from order_service.orders import rules as orders
from order_service.orders.models import OrderAction, OrderForCreation
from tests.builders import full_order_body, locked_order_body, order_body


def test_new_locked_order_keeps_its_reasons_and_gets_line_ids():
    request = OrderForCreation.model_validate(locked_order_body("KYC")).model_dump(mode="json", exclude_none=True)

    order = orders.new_order(request, {"status": "ROUTED", "facilityRef": "f"}, "2026-01-01T00:00:00.000Z")

    assert order["status"] == "LOCKED"
    assert order["version"] == 1
    assert order["statusReasons"] == [{"status": "LOCKED", "reason": "KYC"}]
    assert len({line["id"] for line in order["orderLineItems"]}) == len(order["orderLineItems"])
    assert order["statusHistory"] == [{"status": "LOCKED", "at": "2026-01-01T00:00:00.000Z", "reasons": ["KYC"]}]


def test_an_order_is_indexed_by_its_facility_its_status_shard_and_while_locked_by_its_queue():
    locked = {
        "id": "o-1",
        "created": "2026-11-27T08:00:00.000Z",
        "status": "LOCKED",
        "routing": {"facilityRef": "f"},
        "consumer": {"consumerId": "c"},
    }
    created_id = "2026-11-27T08:00:00.000Z#o-1"
    open_ = {**locked, "status": "OPEN"}
    unroutable = {**locked, "routing": {"status": "NOT_ROUTABLE"}}
    shard = status_shard("LOCKED", "o-1")

    assert orders.index_attributes(locked) == {
        "idxFacilityRef": "f",
        "idxLockedFacilityRef": "f",
        "idxConsumerId": "c",
        "idxStatusShard": shard,
        "idxCreatedId": created_id,
    }
    assert "idxLockedFacilityRef" not in orders.index_attributes(open_)
    assert orders.index_attributes(open_)["idxStatusShard"] == status_shard("OPEN", "o-1") != shard
    assert orders.index_attributes(unroutable) == {
        "idxFacilityRef": orders.UNROUTED,
        "idxLockedFacilityRef": orders.UNROUTED,
        "idxConsumerId": "c",
        "idxNotRoutable": "WAITING",
        "idxStatusShard": shard,
        "idxCreatedId": created_id,
    }
    assert "idxNotRoutable" not in orders.index_attributes({**unroutable, "status": "CANCELLED"})


def test_status_shards_spread_ids_over_every_shard_and_a_shard_is_stable_per_id():
    shards = {status_shard("OPEN", f"order-{n}") for n in range(2000)}

    assert shards == set(status_shards("OPEN"))
    assert status_shard("OPEN", "order-7") == status_shard("OPEN", "order-7")


def test_refusal_explains_itself_from_the_old_image():
    assert isinstance(orders.ORDER.refusal("x", None, 1, orders.NOT_UNLOCKABLE), NotFound)
    stale = orders.ORDER.refusal("x", {"version": 3, "status": "LOCKED"}, 1, orders.NOT_UNLOCKABLE)
    assert isinstance(stale, VersionConflict) and (stale.current_version, stale.request_version) == (3, 1)
    not_locked = orders.ORDER.refusal("x", {"version": 1, "status": "OPEN"}, 1, orders.NOT_UNLOCKABLE)
    assert isinstance(not_locked, TransitionNotAllowed)
    assert not_locked.summary == "The order is not locked: its status is OPEN; only LOCKED orders can be unlocked."


def test_the_whole_platform_order_validates():
    assert OrderForCreation.model_validate(full_order_body()).consumer.addresses[0].coordinates is not None


def test_order_date_is_normalised_to_utc_milliseconds():
    order = OrderForCreation.model_validate(order_body(orderDate="2026-11-26T09:45:50+01:00"))

    assert order.orderDate == "2026-11-26T08:45:50.000Z"


def test_actions_are_chosen_by_name():
    assert OrderAction.model_validate({"name": "UNLOCK", "version": 0}).root.name == "UNLOCK"
    with pytest.raises(ValidationError):
        OrderAction.model_validate({"name": "SHIP", "version": 0})


def test_iso_format():
    from datetime import UTC, datetime

    assert iso(datetime(2026, 11, 26, 8, 45, 50, 525123, tzinfo=UTC)) == "2026-11-26T08:45:50.525Z"
