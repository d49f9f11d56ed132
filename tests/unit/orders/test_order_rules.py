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


def test_an_order_is_indexed_by_its_status_and_a_shard_of_its_facility_then_its_facility_and_age():
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

    assert orders.index_attributes(locked) == {
        "idxStatusFacility": status_shard("LOCKED", "f"),
        "idxFacilityCreatedId": f"f#{created_id}",
        "idxConsumerId": "c",
        "idxCreatedId": created_id,
    }
    # a status change moves the order to another partition, at the same place (same sort key)
    assert orders.index_attributes(open_)["idxStatusFacility"] == status_shard("OPEN", "f")
    assert orders.index_attributes(open_)["idxFacilityCreatedId"] == f"f#{created_id}"
    # every order of one facility and status shares a partition: one query for the locked queue
    other = {**locked, "id": "o-2"}
    assert orders.index_attributes(other)["idxStatusFacility"] == orders.index_attributes(locked)["idxStatusFacility"]
    assert orders.index_attributes(unroutable) == {
        "idxStatusFacility": status_shard("LOCKED", orders.UNROUTED),
        "idxFacilityCreatedId": f"{orders.UNROUTED}#{created_id}",
        "idxConsumerId": "c",
        "idxNotRoutable": "WAITING",
        "idxCreatedId": created_id,
    }
    assert "idxNotRoutable" not in orders.index_attributes({**unroutable, "status": "CANCELLED"})
    assert set(orders.index_attributes({**locked, "statusReasons": [{"reason": "x"}]})) <= set(orders.INDEX_ATTRIBUTES)


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
