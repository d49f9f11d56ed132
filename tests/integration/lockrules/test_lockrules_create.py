"""Auto-lock rules in the real create (moto): a matching rule holds the order before its one write, so no
pick job ever appears; no match leaves the create as it was; facts are looked up only when used; the
per-rule metrics show what became of each rule's holds."""

from __future__ import annotations

import json

import pytest

from local_stack import template
from tests.builders import facility_body, order_body
from tests.integration.orders.test_dynamodb_calls import counting

REVIEWER = template.authorizer_context("rita", "reviewers")
HIGH_RISK = {
    "key": "HIGH_RISK",
    "name": "Risk score 70 or more",
    "holdType": "FRAUD",
    "reason": "Risk score from the checkout",
    "when": {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
}
FIRST_ORDER = {
    "key": "FIRST_ORDER",
    "name": "A new customer's first order",
    "holdType": "FRAUD",
    "reason": "First order",
    "when": {"$facts": {"consumerOrderCount": [0]}},
}


@pytest.fixture
def rules(api):
    assert api.post("/api/facilities", facility_body()).status == 201
    types = [{"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"]}]
    assert api.request("PUT", "/api/configurations/holds", {"types": types, "version": 0}).status == 200

    def put(*rules: dict) -> None:
        current = api.get("/api/configurations/lockrules").body["version"]
        reply = api.request("PUT", "/api/configurations/lockrules", {"rules": list(rules), "version": current})
        assert reply.status == 200, reply.body

    return put


def test_a_matching_rule_creates_the_order_locked_and_no_pick_job_ever_appears(api, streams, rules):
    rules(HIGH_RISK)

    risky = api.post("/api/orders", order_body(customAttributes={"riskScore": 82})).body
    calm = api.post("/api/orders", order_body(customAttributes={"riskScore": 12})).body
    streams.drain()

    assert risky["status"] == "LOCKED"
    assert [(h["type"], h["reason"], h["placedByRule"], h["status"]) for h in risky["holds"]] == [
        ("FRAUD", "Risk score from the checkout", "HIGH_RISK", "ACTIVE")
    ]
    assert {"status": "LOCKED", "reason": "FRAUD: Risk score from the checkout"} in risky["statusReasons"]
    assert api.get("/api/pickjobs", query={"orderRef": risky["id"]}).body["pickjobs"] == []
    assert calm["status"] == "OPEN" and "holds" not in calm
    assert len(api.get("/api/pickjobs", query={"orderRef": calm["id"]}).body["pickjobs"]) == 1


def test_with_no_rule_matching_the_create_is_one_write_and_reads_no_facts(api, rules):
    rules(HIGH_RISK)
    api.post("/api/orders", order_body())  # the rules are read once, then cached

    with counting() as calls:
        created = api.post("/api/orders", order_body(customAttributes={"riskScore": 3}))

    assert created.status == 201 and created.body["status"] == "OPEN"
    assert calls == {"Query": 1, "PutItem": 1}  # the ONLINE facilities, the one write


def test_a_rule_on_the_consumers_order_count_costs_one_index_query(api, rules):
    rules(FIRST_ORDER)

    with counting() as first_calls:
        first = api.post("/api/orders", order_body()).body
    with counting() as second_calls:
        second = api.post("/api/orders", order_body()).body

    assert first["status"] == "LOCKED" and second["status"] == "OPEN"  # C-77 has one order by then
    assert first_calls["Query"] == 2 and second_calls["Query"] == 2  # routing + the by-consumer-id count


def test_per_rule_metrics_count_released_holds(api, rules, capsys):
    rules(HIGH_RISK)
    order = api.post("/api/orders", order_body(customAttributes={"riskScore": 99})).body
    capsys.readouterr()

    reply = api.post(
        f"/api/orders/{order['id']}/actions",
        {"name": "RELEASE_HOLD", "version": order["version"], "holdId": order["holds"][0]["id"]},
        authorizer=REVIEWER,
    )

    assert reply.status == 200 and reply.body["status"] == "OPEN"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_rule = [m for m in metrics if "LockRuleHoldsReleased" in m]
    assert [m["Rule"] for m in per_rule] == ["HIGH_RISK"]
