"""The edges of holds a reviewer found: bounded holds at creation, an expiry that cancels needs
ORDER_CANCEL to be chosen, a bulk action that fails one order only, a transaction conflict as a 409, the
expiry job's bounded reads, RELEASE_HOLD saying nothing about orders one may not read, the stream's
re-lock never cancelling a started pick job, rule metrics only for stored orders."""

from __future__ import annotations

import json
from datetime import timedelta

from local_stack import template
from order_service.core import clock, dynamo
from order_service.orders import store as order_store
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs import service as pickjob_commands
from tests.builders import order_body
from tests.integration.holds.conftest import T0
from tests.integration.holds.test_holds import REVIEWER, act, hold_of, pickjobs_of

ONLY_HOLD = {**template.authorizer_context("fraud-service", "reviewers"), "permissions": "ORDER_HOLD,ORDER_READ"}
NOBODY = {**template.authorizer_context("nobody", "readers"), "permissions": "", "groups": "reviewers"}


def test_an_order_is_created_with_at_most_40_holds(api, held):
    reasons = [{"status": "LOCKED", "reason": f"reason {n}"} for n in range(41)]

    refused = api.post("/api/orders", order_body("LOCKED", statusReasons=reasons))
    created = api.post("/api/orders", order_body("LOCKED", statusReasons=reasons[:40]))

    assert refused.status == 400 and refused.body[0]["description"].startswith("statusReasons")
    assert created.status == 201 and len(created.body["holds"]) == 40


def test_choosing_when_a_cancelling_hold_expires_needs_order_cancel(api, held):
    order = held("PAYMENT")
    soon = "2026-12-31T00:00:00.000Z"

    by_hold_only = act(api, order, "PLACE_HOLD", ONLY_HOLD, type="DOCUMENTS", expiresAt=soon)
    without_expiry = act(api, order, "PLACE_HOLD", ONLY_HOLD, type="DOCUMENTS")  # the type's own expiry
    by_reviewer = act(api, without_expiry.body, "PLACE_HOLD", REVIEWER, type="DOCUMENTS", expiresAt=soon)

    assert by_hold_only.status == 403 and "ORDER_CANCEL" in by_hold_only.body[0]["summary"]
    assert without_expiry.status == 200
    assert by_reviewer.status == 200  # reviewers have ORDER_CANCEL


def test_one_failing_order_in_a_bulk_unlock_fails_alone(api, held, monkeypatch):
    first, busy, last = held("PAYMENT"), held("PAYMENT"), held("PAYMENT")
    real_save = order_store.save

    def conflicting(before, after, *args, **kwargs):
        if before["id"] == busy["id"]:
            raise dynamo.Busy()
        return real_save(before, after, *args, **kwargs)

    monkeypatch.setattr(order_store, "save", conflicting)
    reply = api.post(
        "/api/orders/actions",
        {"name": "BULK_UNLOCK", "orders": [{"orderId": o["id"], "version": 1} for o in (first, busy, last)]},
        authorizer=REVIEWER,
    )

    assert reply.status == 200
    assert [r["status"] for r in reply.body] == ["UPDATED", "FAILED", "UPDATED"]
    assert "under way" in reply.body[1]["summary"]


def test_a_transaction_conflict_is_a_409_to_retry_not_a_500(api, streams, held):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    client = dynamo.client()

    def conflict(**_: object) -> None:
        raise client.exceptions.TransactionCanceledException(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
            },
            "TransactWriteItems",
        )

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", conflict)
    try:
        reply = act(api, order, "PLACE_HOLD", REVIEWER, type="PAYMENT")
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", conflict)

    assert reply.status == 409 and "retry" in reply.body[0]["summary"]
    assert api.get(f"/api/orders/{order['id']}").body["status"] == "OPEN"


def test_the_expiry_job_reads_at_most_its_limit_per_shard_and_takes_the_earliest(api, held, monkeypatch):
    orders = []
    for minute in (5, 3, 0, 4, 1, 2):  # created out of order: each hold warns 45 minutes after its creation
        monkeypatch.setattr(clock, "now", lambda minute=minute: T0 + timedelta(minutes=minute))
        orders.append((minute, held("CALLBACK")["id"]))
    reads = []

    def count(params: dict, **_: object) -> None:
        reads.append(params.get("Limit"))

    dynamo.client().meta.events.register("provide-client-params.dynamodb.Query", count)
    try:
        due = order_store.holds_due("2026-11-27T12:00:00.000Z", limit=2)
    finally:
        dynamo.client().meta.events.unregister("provide-client-params.dynamodb.Query", count)

    assert [o["id"] for o in due] == [order_id for _, order_id in sorted(orders)[:2]]
    assert reads == [2] * 8  # one query per shard, each reading at most the limit


def test_release_hold_tells_a_caller_without_order_read_nothing(api, held):
    order = held("PAYMENT")

    existing = act(api, order, "RELEASE_HOLD", NOBODY, holdId=hold_of(order, "PAYMENT")["id"])
    missing = act(api, {**order, "id": "no-such-order"}, "RELEASE_HOLD", NOBODY, holdId="x")

    assert existing.status == missing.status == 403
    assert existing.body == missing.body


def test_the_streams_relock_record_never_cancels_a_started_pick_job(api, streams, held):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    [job] = pickjobs_of(api, order["id"])
    assert api.patch(f"/api/pickjobs/{job['id']}", {"version": 1, "status": "IN_PROGRESS"}).status == 200
    old = api.get(f"/api/orders/{order['id']}").body
    relocked = {**old, "status": "LOCKED", "version": old["version"] + 1}

    assert pickjobs.pickjob_change("MODIFY", old, relocked) == "CANCEL"
    pickjob_commands.on_order_change("MODIFY", old, relocked)  # a late, retried record

    assert api.get(f"/api/pickjobs/{job['id']}").body["status"] == "IN_PROGRESS"


def test_a_refused_create_counts_no_rule_match(api, held, capsys):
    rules = [
        {
            "key": "ANY",
            "name": "every order",
            "holdType": "PAYMENT",
            "reason": "x",
            "when": {"orderDate": [{"exists": True}]},
        }
    ]
    assert api.request("PUT", "/api/configurations/lockrules", {"rules": rules, "version": 0}).status == 200
    capsys.readouterr()

    refused = api.post("/api/orders", order_body(deliveryPreferences={"collect": [{"facilityRef": "nowhere"}]}))
    refused_out = capsys.readouterr().out
    created = api.post("/api/orders", order_body())
    created_out = capsys.readouterr().out

    assert refused.status == 400 and "LockRuleMatched" not in refused_out
    assert created.status == 201 and created.body["status"] == "LOCKED"
    matched = [json.loads(line) for line in created_out.splitlines() if "LockRuleMatched" in line]
    assert [m["Rule"] for m in matched] == ["ANY"]


def test_an_expiry_past_year_9999_in_utc_is_a_400_not_a_500(api, held):
    order = held("PAYMENT")

    reply = act(api, order, "PLACE_HOLD", REVIEWER, type="PAYMENT", expiresAt="9999-12-31T23:59:59-01:00")

    assert reply.status == 400 and "expiresAt" in reply.body[0]["description"]
