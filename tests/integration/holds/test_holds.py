"""Holds through the API, the streams and the expiry job (moto): several holds per order released one by
one, four eyes, re-lock before picking, expiry by an injected clock, permissions, calls per action."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_stack import template
from local_stack.apigw import LambdaContext
from order_service.core import clock
from tests.builders import locked_order_body, order_body
from tests.integration.holds.conftest import T0, TYPES  # noqa: F401
from tests.integration.orders.test_dynamodb_calls import counting

REVIEWER = template.authorizer_context("rita", "reviewers")
SECOND_REVIEWER = template.authorizer_context("rosa", "reviewers")
SHOP = template.authorizer_context("shop", "shop-integrations")  # ORDER_WRITE only


def act(api, order: dict[str, Any], name: str, authorizer: dict[str, str] | None = None, **fields: Any):
    body = {"name": name, "version": order["version"], **fields}
    options = {"authorizer": authorizer} if authorizer else {}
    return api.post(f"/api/orders/{order['id']}/actions", body, **options)


def hold_of(order: dict[str, Any], hold_type: str) -> dict[str, Any]:
    return next(h for h in order["holds"] if h["type"] == hold_type)


def pickjobs_of(api, order_id: str) -> list[dict[str, Any]]:
    return api.get("/api/pickjobs", query={"orderRef": order_id}).body["pickjobs"]


def names(event_sink, order_id: str) -> list[str]:
    return [
        e["event"]
        for e in event_sink.envelopes()
        if (e["payload"].get("order") or e["payload"]).get("id") == order_id or e["payload"].get("orderRef") == order_id
    ]


def test_two_holds_released_one_by_one_open_the_order_only_with_the_last(api, streams, event_sink, held):
    order = held("PAYMENT", "ADDRESS")
    assert order["status"] == "LOCKED"
    assert [h["status"] for h in order["holds"]] == ["ACTIVE", "ACTIVE"]

    first = act(api, order, "RELEASE_HOLD", REVIEWER, holdId=hold_of(order, "PAYMENT")["id"])
    streams.drain()

    assert first.status == 200, first.body
    assert first.body["status"] == "LOCKED"
    assert hold_of(first.body, "PAYMENT")["status"] == "RELEASED"
    assert hold_of(first.body, "PAYMENT")["releasedBy"] == "rita"
    assert pickjobs_of(api, order["id"]) == []
    assert "ORDER_UNLOCKED" not in names(event_sink, order["id"])

    second = act(api, first.body, "RELEASE_HOLD", holdId=hold_of(order, "ADDRESS")["id"])  # an admin
    streams.drain()

    assert second.status == 200, second.body
    assert second.body["status"] == "OPEN"
    assert len(pickjobs_of(api, order["id"])) == 1
    events = names(event_sink, order["id"])
    assert Counter(events)["ORDER_UNLOCKED"] == 1
    assert Counter(events)["ORDER_HOLD_RELEASED"] == 2
    assert Counter(events)["ORDER_HOLD_PLACED"] == 2  # both placed at creation
    unlocked = event_sink.envelopes("ORDER_UNLOCKED")[0]["payload"]
    assert unlocked["status"] == "OPEN" and all(h["status"] == "RELEASED" for h in unlocked["holds"])


def test_concurrent_releases_of_the_last_two_holds_open_the_order_once_with_one_pick_job(
    api, streams, event_sink, held
):
    order = held("PAYMENT", "CALLBACK")
    start = threading.Barrier(2)
    statuses: list[int] = []

    def release(hold_type: str) -> None:
        """A reviewer's client: release, and on a version conflict read the order again and retry."""
        current = order
        start.wait()
        for _ in range(5):
            reply = act(api, current, "RELEASE_HOLD", REVIEWER, holdId=hold_of(order, hold_type)["id"])
            statuses.append(reply.status)
            if reply.status != 409:
                return
            current = api.get(f"/api/orders/{order['id']}").body

    threads = [threading.Thread(target=release, args=(t,)) for t in ("PAYMENT", "CALLBACK")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    streams.drain()

    final = api.get(f"/api/orders/{order['id']}").body
    assert final["status"] == "OPEN"
    assert statuses.count(200) == 2  # each hold released once; a loser retried after its 409
    assert [e["status"] for e in final["statusHistory"]].count("OPEN") == 1
    assert len(pickjobs_of(api, order["id"])) == 1
    assert Counter(names(event_sink, order["id"]))["ORDER_UNLOCKED"] == 1


def test_four_eyes_the_same_person_twice_is_refused_and_a_second_person_releases(api, streams, held):
    order = held("FRAUD")
    fraud = hold_of(order, "FRAUD")

    approved = act(api, order, "RELEASE_HOLD", REVIEWER, holdId=fraud["id"])
    again = act(api, approved.body, "RELEASE_HOLD", REVIEWER, holdId=fraud["id"])
    unlock = act(api, approved.body, "UNLOCK", REVIEWER)

    assert approved.status == 200
    assert approved.body["status"] == "LOCKED"
    assert hold_of(approved.body, "FRAUD")["status"] == "ACTIVE"
    assert [a["by"] for a in hold_of(approved.body, "FRAUD")["approvals"]] == ["rita"]
    assert again.status == 409 and "second person" in again.body[0]["summary"]
    assert unlock.status == 409 and fraud["id"] in unlock.body[0]["summary"]  # UNLOCK does not skip four eyes
    assert api.get(f"/api/orders/{order['id']}").body["version"] == approved.body["version"]  # nothing changed

    released = act(api, approved.body, "RELEASE_HOLD", SECOND_REVIEWER, holdId=fraud["id"])
    streams.drain()

    assert released.status == 200, released.body
    assert released.body["status"] == "OPEN"
    assert [a["by"] for a in hold_of(released.body, "FRAUD")["approvals"]] == ["rita", "rosa"]
    assert hold_of(released.body, "FRAUD")["releasedBy"] == "rosa"
    assert len(pickjobs_of(api, order["id"])) == 1


def test_a_caller_without_the_types_release_right_gets_403_and_nothing_changes(api, held):
    order = held("ADDRESS")  # released by admins only

    by_reviewer = act(api, order, "RELEASE_HOLD", REVIEWER, holdId=hold_of(order, "ADDRESS")["id"])
    unlock_by_reviewer = act(api, order, "UNLOCK", REVIEWER)
    place_by_shop = act(api, order, "PLACE_HOLD", SHOP, type="PAYMENT")

    assert by_reviewer.status == 403 and "admins" in by_reviewer.body[0]["summary"]
    assert unlock_by_reviewer.status == 403
    assert place_by_shop.status == 403 and "ORDER_HOLD" in place_by_shop.body[0]["summary"]
    assert api.get(f"/api/orders/{order['id']}").body == order


def test_the_platforms_lock_and_unlock_work_unchanged_on_top_of_holds(api, streams, held):
    order = api.post("/api/orders", locked_order_body("Fraud check pending")).body

    assert order["status"] == "LOCKED"
    assert [(h["type"], h.get("reason"), h["status"]) for h in order["holds"]] == [
        ("DEFAULT", "Fraud check pending", "ACTIVE")
    ]
    assert order["statusReasons"] == [{"status": "LOCKED", "reason": "Fraud check pending"}]
    unlocked = act(api, order, "UNLOCK", REVIEWER)
    streams.drain()
    assert unlocked.status == 200 and unlocked.body["status"] == "OPEN"
    assert hold_of(unlocked.body, "DEFAULT")["releasedBy"] == "rita"
    assert len(pickjobs_of(api, order["id"])) == 1


def test_relock_cancels_the_open_pick_job_in_the_same_transaction_and_a_release_makes_a_new_one(
    api, streams, event_sink, held
):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    [pickjob] = pickjobs_of(api, order["id"])

    with counting() as calls:
        relocked = act(api, order, "PLACE_HOLD", REVIEWER, type="PAYMENT", reason="chargeback")
    # before any stream runs: the order and its pick job changed together
    cancelled = api.get(f"/api/pickjobs/{pickjob['id']}").body

    assert relocked.status == 200, relocked.body
    assert relocked.body["status"] == "LOCKED"
    assert cancelled["status"] == "CANCELED"
    assert calls["TransactWriteItems"] == 1 and "UpdateItem" not in calls and "PutItem" not in calls
    streams.drain()
    assert [j["status"] for j in pickjobs_of(api, order["id"])] == ["CANCELED"]  # the stream made no new one
    events = names(event_sink, order["id"])
    assert {"ORDER_LOCKED", "ORDER_HOLD_PLACED", "PICK_JOB_CANCELLED"} <= set(events)

    released = act(api, relocked.body, "RELEASE_HOLD", REVIEWER, holdId=hold_of(relocked.body, "PAYMENT")["id"])
    streams.drain()

    assert released.body["status"] == "OPEN"
    jobs = pickjobs_of(api, order["id"])
    assert [j["status"] for j in jobs] == ["CANCELED", "OPEN"]
    assert jobs[1]["id"] != pickjob["id"]


def test_relock_before_the_stream_made_the_pick_job_cancels_it_when_it_comes(api, streams, held):
    order = api.post("/api/orders", order_body()).body  # its pick job does not exist yet

    relocked = act(api, order, "PLACE_HOLD", REVIEWER, type="PAYMENT")
    streams.drain()  # INSERT makes the pick job, then OPEN -> LOCKED cancels it

    assert relocked.status == 200
    assert [j["status"] for j in pickjobs_of(api, order["id"])] == ["CANCELED"]


@pytest.mark.parametrize("started", ["IN_PROGRESS", "PICKED"])
def test_relock_after_picking_started_is_409_and_nothing_changes(api, streams, held, started):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    [pickjob] = pickjobs_of(api, order["id"])
    assert api.patch(f"/api/pickjobs/{pickjob['id']}", {"version": 1, "status": started}).status == 200
    before = api.get(f"/api/orders/{order['id']}").body

    refused = act(api, before, "PLACE_HOLD", REVIEWER, type="PAYMENT")

    assert refused.status == 409
    assert "fulfilment has started" in refused.body[0]["summary"]
    assert api.get(f"/api/orders/{order['id']}").body == before
    assert api.get(f"/api/pickjobs/{pickjob['id']}").body["status"] == started


def test_place_and_release_hold_are_one_conditional_write_each(api, held):
    order = held("PAYMENT")

    with counting() as place:
        placed = act(api, order, "PLACE_HOLD", REVIEWER, type="ADDRESS", reason="typo in street")
    with counting() as release:
        act(api, placed.body, "RELEASE_HOLD", REVIEWER, holdId=hold_of(placed.body, "PAYMENT")["id"])

    assert placed.status == 200 and len(placed.body["holds"]) == 2
    # the order read (its holds decide the write), the hold types read, one conditional write
    assert place == {"GetItem": 2, "UpdateItem": 1}
    assert release == {"GetItem": 2, "UpdateItem": 1}


def test_an_unknown_hold_type_is_a_400_naming_it(api, held):
    order = held("PAYMENT")

    refused = act(api, order, "PLACE_HOLD", REVIEWER, type="NO_SUCH_TYPE")
    created = api.post("/api/orders", order_body(holds=[{"type": "NO_SUCH_TYPE"}]))

    assert refused.status == 400 and "NO_SUCH_TYPE" in refused.body[0]["summary"]
    assert created.status == 400 and created.body[0]["description"].startswith("holds[0].type")


def _expire(at: datetime, monkeypatch) -> dict[str, int]:
    monkeypatch.setattr(clock, "now", lambda: at)
    function = template.functions()["HoldExpiryFunction"]
    event = {"source": "aws.events", "detail-type": "Scheduled Event"}
    return template.handler(function)(event, LambdaContext("HoldExpiryFunction"))


@pytest.mark.parametrize(("hold_type", "final"), [("CALLBACK", "OPEN"), ("DOCUMENTS", "CANCELLED")])
def test_expiry_warns_once_then_applies_its_action(api, streams, event_sink, held, monkeypatch, hold_type, final):
    monkeypatch.setattr(clock, "now", lambda: T0)
    order = held(hold_type)
    hold = hold_of(order, hold_type)
    assert hold["expiresAt"] == "2026-11-27T10:00:00.000Z"
    assert hold["expiryWarningAt"] == "2026-11-27T09:45:00.000Z"

    quiet = _expire(T0 + timedelta(minutes=30), monkeypatch)
    warned = _expire(T0 + timedelta(minutes=46), monkeypatch)
    again = _expire(T0 + timedelta(minutes=50), monkeypatch)
    streams.drain()
    warnings = event_sink.envelopes("ORDER_HOLD_EXPIRING")

    assert quiet["due"] == 0
    assert warned["warned"] == 1 and again["warned"] == 0
    assert len(warnings) == 1
    assert warnings[0]["payload"]["hold"]["id"] == hold["id"]
    assert api.get(f"/api/orders/{order['id']}").body["status"] == "LOCKED"

    expired = _expire(T0 + timedelta(minutes=61), monkeypatch)
    streams.drain()
    after = api.get(f"/api/orders/{order['id']}").body

    assert expired["expired"] == 1
    assert after["status"] == final
    assert hold_of(after, hold_type)["status"] == "EXPIRED"
    assert len(event_sink.envelopes("ORDER_HOLD_EXPIRING")) == 1  # once
    if final == "OPEN":
        assert len(pickjobs_of(api, order["id"])) == 1
        assert len(event_sink.envelopes("ORDER_UNLOCKED")) == 1
    else:
        assert pickjobs_of(api, order["id"]) == []
        assert len(event_sink.envelopes("ORDER_CANCELLED")) == 1
    assert _expire(T0 + timedelta(minutes=62), monkeypatch)["due"] == 0  # it left the holds-due index


def test_the_expiry_job_reads_the_holds_due_index_not_the_table(api, held, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    for _ in range(5):
        held("PAYMENT")  # no expiry: never in the index
    held("CALLBACK")

    with counting() as calls:
        report = _expire(T0 + timedelta(minutes=61), monkeypatch)

    assert report["expired"] == 1
    assert "Scan" not in calls
    assert calls["Query"] == 8  # one per shard of holds-due


def test_holds_on_an_order_near_dynamodbs_item_limit_end_in_a_409_and_it_stays_releasable(api, held):
    order = held("PAYMENT", customAttributes={"notes": "x" * 340_000})
    statuses = []
    for _ in range(60):
        reply = act(api, order, "PLACE_HOLD", REVIEWER, type="PAYMENT", reason="r" * 500)
        statuses.append(reply.status)
        if reply.status != 200:
            break
        order = reply.body

    assert statuses[-1] == 409 and set(statuses[:-1]) == {200}
    assert "larger than" in reply.body[0]["summary"]
    assert api.get(f"/api/orders/{order['id']}").body["version"] == order["version"]  # nothing written
    # and it can always leave its holds: every release, then (another order alike) a cancel
    for hold in [h for h in order["holds"] if h["status"] == "ACTIVE"]:
        released = act(api, order, "RELEASE_HOLD", REVIEWER, holdId=hold["id"])
        assert released.status == 200, released.body
        order = released.body
    assert order["status"] == "OPEN"
