"""Orders over the API: create OPEN or LOCKED, routing, get, list, UNLOCK and CANCEL."""

from __future__ import annotations

import pytest

from local_stack import template
from order_service.orders.models import Order
from tests.builders import BERLIN, HAMBURG, MUNICH, facility_body, full_order_body, locked_order_body, order_body


def create_facility(api, name="Berlin Mitte", coordinates=None, **fields) -> dict:
    reply = api.post("/api/facilities", facility_body(name, coordinates, **fields))
    assert reply.status == 201, reply.body
    return reply.body


def create_order(api, body) -> dict:
    reply = api.post("/api/orders", body)
    assert reply.status == 201, reply.body
    Order.model_validate(reply.body)  # the response matches the documented schema
    return reply.body


@pytest.fixture
def berlin(api) -> dict:
    return create_facility(api, "Berlin Mitte", BERLIN)


def test_locked_order_is_stored_routed_and_returned_with_its_reasons(api, berlin):
    reply = api.post("/api/orders", locked_order_body("Customer verification pending"))

    assert reply.status == 201
    order = reply.body
    assert order["status"] == "LOCKED"
    assert order["statusReasons"] == [{"status": "LOCKED", "reason": "Customer verification pending"}]
    assert order["version"] == 1
    assert all(line["id"] for line in order["orderLineItems"])
    assert order["routing"]["facilityRef"] == berlin["id"]
    assert order["routing"]["status"] == "ROUTED"
    assert reply.headers["Location"] == f"/api/orders/{order['id']}"
    assert api.get(f"/api/orders/{order['id']}").body == order


def test_open_order_is_the_default(api, berlin):
    order = create_order(api, order_body())

    assert order["status"] == "OPEN"
    assert order["version"] == 1
    assert order["routing"] == {
        "facilityRef": berlin["id"],
        "status": "ROUTED",
        "routedAt": order["routing"]["routedAt"],
        "attempts": [],
    }
    assert order["created"].endswith("Z") and len(order["created"]) == len("2026-11-26T08:45:50.525Z")


def test_every_field_of_the_platforms_order_is_stored_and_returned(api, berlin):
    body = full_order_body()

    order = create_order(api, body)

    stored = api.get(f"/api/orders/{order['id']}").body
    assert stored["consumer"] == body["consumer"]
    assert stored["customAttributes"] == body["customAttributes"]
    assert stored["tags"] == body["tags"]
    assert stored["paymentInfo"] == body["paymentInfo"]
    for sent, kept in zip(body["orderLineItems"], stored["orderLineItems"], strict=True):
        assert {k: v for k, v in kept.items() if k != "id"} == sent


class TestRouting:
    def test_click_and_collect_goes_to_the_collect_facility(self, api, berlin):
        munich = create_facility(api, "Munich", MUNICH)
        body = order_body(coordinates=BERLIN, deliveryPreferences={"collect": [{"facilityRef": munich["id"]}]})

        assert create_order(api, body)["routing"]["facilityRef"] == munich["id"]

    def test_preselected_facilities_skip_the_ones_not_online(self, api, berlin):
        suspended = create_facility(api, "Munich", MUNICH, status="SUSPENDED")
        hamburg = create_facility(api, "Hamburg", HAMBURG)
        body = order_body(
            deliveryPreferences={
                "shipping": {
                    "preselectedFacilities": [
                        {"facilityRef": suspended["id"]},
                        {"facilityRef": hamburg["id"]},
                        {"facilityRef": berlin["id"]},
                    ]
                }
            }
        )

        assert create_order(api, body)["routing"]["facilityRef"] == hamburg["id"]

    def test_nearest_online_facility_by_coordinates(self, api, berlin):
        munich = create_facility(api, "Munich", MUNICH)
        create_facility(api, "Hamburg offline", HAMBURG, status="OFFLINE")

        near_munich = create_order(api, order_body(coordinates={"lat": 48.2, "lon": 11.6}))
        near_hamburg = create_order(api, order_body(coordinates={"lat": 53.5, "lon": 10.0}))

        assert near_munich["routing"]["facilityRef"] == munich["id"]
        assert near_hamburg["routing"]["facilityRef"] == berlin["id"]  # Hamburg is OFFLINE

    def test_without_coordinates_the_choice_is_deterministic(self, api):
        ids = sorted(create_facility(api, f"F{n}")["id"] for n in range(3))
        body = order_body()
        del body["consumer"]["addresses"][0]["coordinates"]

        assert {create_order(api, body)["routing"]["facilityRef"] for _ in range(3)} == {ids[0]}

    def test_no_online_facility_the_order_is_accepted_not_routable(self, api):
        create_facility(api, "Offline", BERLIN, status="OFFLINE")

        order = create_order(api, locked_order_body())

        assert order["routing"] == {"status": "NOT_ROUTABLE", "attempts": []}
        assert api.get(f"/api/orders/{order['id']}").body["routing"]["status"] == "NOT_ROUTABLE"

    def test_unknown_collect_facility_is_a_400_naming_the_field(self, api, berlin):
        body = order_body(deliveryPreferences={"collect": [{"facilityRef": "no-such-facility"}]})

        reply = api.post("/api/orders", body)

        assert reply.status == 400
        assert reply.body[0]["description"] == "deliveryPreferences.collect[0].facilityRef"


class TestUnlock:
    def test_unlock_with_the_right_version_opens_the_order(self, api, berlin):
        order = create_order(api, locked_order_body())

        reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})

        assert reply.status == 200
        assert reply.body["status"] == "OPEN"
        assert reply.body["version"] > 1
        assert reply.body["statusHistory"][-1]["previousStatus"] == "LOCKED"
        assert api.get(f"/api/orders/{order['id']}").body == reply.body

    def test_unlock_can_set_a_new_target_time(self, api, berlin):
        order = create_order(api, locked_order_body())

        reply = api.post(
            f"/api/orders/{order['id']}/actions",
            {"name": "UNLOCK", "version": 1, "targetTime": "2026-12-01T10:00:00+01:00"},
        )

        assert reply.body["deliveryPreferences"]["targetTime"] == "2026-12-01T09:00:00.000Z"

    def test_stale_version_is_a_409_with_both_versions(self, api, berlin):
        order = create_order(api, locked_order_body())

        reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 7})

        assert reply.status == 409
        assert reply.body[0]["version"] == 1
        assert reply.body[0]["requestVersion"] == 7
        assert api.get(f"/api/orders/{order['id']}").body["status"] == "LOCKED"

    def test_unlocking_an_open_order_is_a_409_saying_it_is_not_locked(self, api, berlin):
        order = create_order(api, order_body())

        reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})

        assert reply.status == 409
        assert "not locked" in reply.body[0]["summary"]
        assert "OPEN" in reply.body[0]["summary"]
        assert (reply.body[0]["version"], reply.body[0]["requestVersion"]) == (1, 1)

    def test_unlocking_a_missing_order_is_a_404(self, api):
        reply = api.post("/api/orders/no-such-order/actions", {"name": "UNLOCK", "version": 1})

        assert reply.status == 404
        assert reply.body[0]["summary"] == "No order with id 'no-such-order'."


class TestCancel:
    def test_cancel_of_a_locked_order(self, api, berlin):
        order = create_order(api, locked_order_body())

        reply = api.post(
            f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 1, "cancelationReasonId": "FRAUD"}
        )

        assert reply.status == 200
        assert reply.body["status"] == "CANCELLED"
        assert reply.body["cancelationReasonId"] == "FRAUD"
        assert reply.body["version"] == 2

    def test_a_cancelled_order_can_be_neither_cancelled_nor_unlocked(self, api, berlin):
        order = create_order(api, locked_order_body())
        api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 1})

        again = api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 2})
        unlock = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 2})

        assert again.status == 409 and "CANCELLED" in again.body[0]["summary"]
        assert unlock.status == 409 and "not locked" in unlock.body[0]["summary"]


class TestList:
    def test_locked_orders_of_one_facility(self, api, berlin):
        munich = create_facility(api, "Munich", MUNICH)
        locked_here = [create_order(api, locked_order_body()) for _ in range(3)]
        create_order(api, order_body())  # OPEN, same facility
        create_order(api, locked_order_body(consumer=order_body(coordinates=MUNICH)["consumer"]))  # elsewhere

        reply = api.get("/api/orders", query={"status": "LOCKED", "facilityRef": berlin["id"]})

        assert reply.status == 200
        assert [o["id"] for o in reply.body["orders"]] == [o["id"] for o in locked_here]
        assert reply.body["total"] == 3
        assert munich["id"] != berlin["id"]

    def test_pages_follow_start_after_id(self, api, berlin):
        created = [create_order(api, locked_order_body())["id"] for _ in range(5)]

        first = api.get("/api/orders", query={"status": "LOCKED", "size": "2"}).body
        second = api.get(
            "/api/orders", query={"status": "LOCKED", "size": "2", "startAfterId": first["orders"][-1]["id"]}
        ).body
        third = api.get(
            "/api/orders", query={"status": "LOCKED", "size": "2", "startAfterId": second["orders"][-1]["id"]}
        ).body

        pages = [o["id"] for page in (first, second, third) for o in page["orders"]]
        assert pages == created
        assert first["total"] == second["total"] == 5

    def test_filters_by_tenant_order_id_and_consumer(self, api, berlin):
        mine = create_order(api, order_body(tenantOrderId="R-7"))
        create_order(api, order_body(tenantOrderId="R-8"))

        assert [o["id"] for o in api.get("/api/orders", query={"tenantOrderId": "R-7"}).body["orders"]] == [mine["id"]]
        assert api.get("/api/orders", query={"consumerId": "C-77"}).body["total"] == 2

    def test_unfiltered_listing_omits_the_total(self, api, berlin):
        create_order(api, order_body())

        body = api.get("/api/orders").body

        assert len(body["orders"]) == 1
        assert "total" not in body

    def test_index_attributes_never_leak(self, api, berlin):
        order = create_order(api, locked_order_body())

        assert not [k for k in order if k.startswith("idx")]
        assert not [
            k
            for o in api.get("/api/orders", query={"status": "LOCKED"}).body["orders"]
            for k in o
            if k.startswith("idx")
        ]


def test_metrics_count_created_locked_unlocked_and_conflicts(api, berlin, capsys):
    import json as _json

    order = create_order(api, locked_order_body())
    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})

    emitted: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"CloudWatchMetrics"' in line:
            document = _json.loads(line)
            for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                emitted[metric["Name"]] = emitted.get(metric["Name"], 0) + sum(document[metric["Name"]])
    assert emitted == {
        "OrdersCreated": 1,
        "LockedOrdersCreated": 1,
        "HoldsPlaced": 1,  # its one DEFAULT hold
        "OrdersUnlocked": 1,
        "HoldsReleased": 1,  # UNLOCK: one per hold it releases
        "UnlockConflicts": 1,
    }


class TestBulkActions:
    def test_bulk_unlock_answers_the_platforms_bulk_order_action_result_per_order(self, api, berlin):
        locked = [create_order(api, locked_order_body()) for _ in range(2)]
        stale = create_order(api, locked_order_body())
        already_open = create_order(api, order_body())
        cancelled = create_order(api, locked_order_body())
        api.post(f"/api/orders/{cancelled['id']}/actions", {"name": "CANCEL", "version": 1})

        reply = api.post(
            "/api/orders/actions",
            {
                "name": "BULK_UNLOCK",
                "orders": [
                    {"orderId": locked[0]["id"], "version": 1},
                    {"orderId": locked[1]["id"], "version": 1},
                    {"orderId": stale["id"], "version": 4},
                    {"orderId": already_open["id"], "version": 1},
                    {"orderId": cancelled["id"], "version": 2},
                    {"orderId": "missing", "version": 1},
                ],
            },
        )

        assert reply.status == 200
        assert [(r["orderId"], r["status"]) for r in reply.body] == [
            (locked[0]["id"], "UPDATED"),
            (locked[1]["id"], "UPDATED"),
            (stale["id"], "FAILED"),
            (already_open["id"], "UNCHANGED"),
            (cancelled["id"], "FAILED"),
            ("missing", "FAILED"),
        ]
        assert "version is 1" in reply.body[2]["summary"]
        assert "CANCELLED" in reply.body[4]["summary"]
        assert "No order" in reply.body[5]["summary"]
        assert api.get(f"/api/orders/{locked[0]['id']}").body["status"] == "OPEN"
        assert api.get(f"/api/orders/{stale['id']}").body["status"] == "LOCKED"

    def test_bulk_force_cancel_cancels_each_order_it_can(self, api, berlin):
        open_order = create_order(api, order_body())
        locked = create_order(api, locked_order_body())
        already = create_order(api, order_body())
        api.post(f"/api/orders/{already['id']}/actions", {"name": "CANCEL", "version": 1})

        reply = api.post(
            "/api/orders/actions",
            {
                "name": "BULK_FORCE_CANCEL",
                "orders": [
                    {"orderId": open_order["id"], "version": 1, "cancelationReasonId": "fraud"},
                    {"orderId": locked["id"], "version": 1},
                    {"orderId": already["id"], "version": 1},
                ],
            },
        )

        assert reply.status == 200
        assert [r["status"] for r in reply.body] == ["UPDATED", "UPDATED", "UNCHANGED"]
        cancelled = api.get(f"/api/orders/{open_order['id']}").body
        assert (cancelled["status"], cancelled["cancelationReasonId"]) == ("CANCELLED", "fraud")
        assert api.get(f"/api/orders/{locked['id']}").body["status"] == "CANCELLED"

    def test_bulk_force_cancel_needs_the_force_cancel_permission(self, api, berlin):
        order = create_order(api, order_body())
        reviewer = template.authorizer_context("rita", "reviewers")

        reply = api.post(
            "/api/orders/actions",
            {"name": "BULK_FORCE_CANCEL", "orders": [{"orderId": order["id"], "version": 1}]},
            authorizer=reviewer,
        )

        assert reply.status == 403
        assert api.get(f"/api/orders/{order['id']}").body["status"] == "OPEN"

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "BULK_UNLOCK", "orders": []},
            {"name": "BULK_UNLOCK", "orders": [{"orderId": "x", "version": 1}] * 101},
            {"name": "BULK_FORCE_CANCEL", "orders": [{"orderId": "x", "version": 1}] * 16},
            {"name": "BULK_CANCEL", "orders": [{"orderId": "x", "version": 1}]},
            {"name": "BULK_UNLOCK", "orders": [{"orderId": "x"}]},
        ],
    )
    def test_bad_bulk_requests_are_400(self, api, body):
        assert api.post("/api/orders/actions", body).status == 400


def test_filter_by_status_reason_text(api, berlin):
    fraud = create_order(api, locked_order_body("Fraud check pending"))
    create_order(api, locked_order_body("Customer verification"))

    found = api.get("/api/orders", query={"status": "LOCKED", "statusReason": "FRAUD"}).body

    assert [o["id"] for o in found["orders"]] == [fraud["id"]]
    assert found["total"] == 1


@pytest.mark.parametrize("status", [None, "LOCKED"])
def test_filter_by_hold_type_keeps_orders_with_an_active_hold_of_that_type(api, berlin, status):
    types = {"types": [{"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"]}], "version": 0}
    assert api.request("PUT", "/api/configurations/holds", types).status == 200
    fraud = create_order(api, order_body(holds=[{"type": "FRAUD", "reason": "risk 90"}]))
    create_order(api, locked_order_body("Customer verification"))  # a DEFAULT hold
    released = create_order(api, order_body(holds=[{"type": "FRAUD"}, {"type": "DEFAULT"}]))
    fraud_hold = next(h for h in released["holds"] if h["type"] == "FRAUD")
    reply = api.post(
        f"/api/orders/{released['id']}/actions",
        {"name": "RELEASE_HOLD", "version": 1, "holdId": fraud_hold["id"]},
        authorizer=template.authorizer_context("rita", "reviewers"),
    )
    assert reply.status == 200 and reply.body["status"] == "LOCKED"  # still held, but not for fraud
    create_order(api, order_body())  # OPEN

    query = {"holdType": "FRAUD"} | ({"status": status} if status else {})
    found = api.get("/api/orders", query=query).body

    assert [o["id"] for o in found["orders"]] == [fraud["id"]]
    assert api.get("/api/orders", query={"holdType": "FRAUD", "status": "OPEN"}).body["orders"] == []


@pytest.mark.parametrize("by_facility", [False, True])
def test_paging_goes_on_after_the_cursor_order_left_the_listing(api, berlin, by_facility):
    created = [create_order(api, locked_order_body()) for _ in range(4)]
    query = {"status": "LOCKED", "size": "2"} | ({"facilityRef": berlin["id"]} if by_facility else {})
    first = api.get("/api/orders", query=query).body
    cursor = first["orders"][-1]
    api.post(f"/api/orders/{cursor['id']}/actions", {"name": "UNLOCK", "version": 1})  # someone else, meanwhile

    second = api.get("/api/orders", query={**query, "startAfterId": cursor["id"]})

    assert second.status == 200
    assert [o["id"] for o in second.body["orders"]] == [o["id"] for o in created[2:]]
    assert second.body["total"] == 3


def test_a_status_listing_pages_through_every_order_once_by_facility_then_oldest_first(api, berlin):
    munich = create_facility(api, "Munich", MUNICH)
    elsewhere = order_body(coordinates=MUNICH)["consumer"]
    created = []
    for n in range(12):  # created interleaved: Berlin, Munich, Berlin, ...
        created.append(create_order(api, locked_order_body(consumer=elsewhere) if n % 2 else locked_order_body()))
    seen, cursor = [], None
    while True:
        query = {"status": "LOCKED", "size": "5"} | ({"startAfterId": cursor} if cursor else {})
        page = api.get("/api/orders", query=query).body
        seen += page["orders"]
        cursor = page.get("nextStartAfterId")
        if cursor is None:
            break

    by_facility = {berlin["id"]: [], munich["id"]: []}
    for order in created:
        by_facility[order["routing"]["facilityRef"]].append(order["id"])
    # facilities in sort-key order (by their refs), each one's orders oldest first
    assert [o["id"] for o in seen] == [i for facility in sorted(by_facility) for i in by_facility[facility]]
