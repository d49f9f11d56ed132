"""Auto-lock rules through the API (moto): the versioned configuration, its 400s naming the place, the
dry run (writes nothing, reads only what a rule needs), and `holds_for` as the create will call it."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_stack import template
from order_service.lockrules import service as lockrules
from tests.builders import facility_body, order_body
from tests.conftest import moto_world
from tests.integration.orders.test_dynamodb_calls import counting

RULES = "/api/configurations/lockrules"
HIGH_RISK = {
    "key": "HIGH_RISK",
    "name": "Risk score 70 or more",
    "holdType": "FRAUD",
    "reason": "Risk score from the checkout",
    "when": {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
}
NEW_CUSTOMER = {
    "key": "NEW_CUSTOMER",
    "name": "First order",
    "holdType": "FRAUD",
    "reason": "First order of a new customer",
    "when": {"$facts": {"consumerOrderCount": [0]}},
}
READER = template.authorizer_context("reader") | {"permissions": "ORDER_READ,ORDER_WRITE"}


HOLD_TYPES = {
    "types": [
        {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"]},
        {"key": "ADDRESS", "name": "Address check", "releaseGroups": ["reviewers"]},
    ],
    "version": 0,
}


@pytest.fixture
def hold_types(api):
    """The rules name hold types: these are configured first (/api/configurations/holds)."""
    assert api.request("PUT", "/api/configurations/holds", HOLD_TYPES).status == 200


def put_rules(api, *rules: dict[str, Any], version: int = 0):
    return api.request("PUT", RULES, {"rules": list(rules), "version": version})


def dry_run(api, order: dict[str, Any]):
    return api.post(f"{RULES}/actions", {"name": "TEST", "order": order})


def risky(score: Any = 82, **fields: Any) -> dict[str, Any]:
    return order_body(customAttributes={"riskScore": score}, **fields)


@pytest.mark.usefixtures("hold_types")
class TestConfiguration:
    def test_none_then_versioned_put(self, api):
        assert api.get(RULES).body == {"rules": [], "version": 0}

        first = put_rules(api, HIGH_RISK)
        second = put_rules(api, HIGH_RISK, NEW_CUSTOMER, version=1)
        stale = put_rules(api, version=1)

        assert (first.status, first.body["version"], first.body["rules"]) == (200, 1, [HIGH_RISK])
        assert (second.body["version"], [r["key"] for r in second.body["rules"]]) == (2, ["HIGH_RISK", "NEW_CUSTOMER"])
        assert second.body["created"] == first.body["created"]
        assert stale.status == 409 and (stale.body[0]["version"], stale.body[0]["requestVersion"]) == (2, 1)
        assert api.get(RULES).body == second.body

    def test_a_pattern_is_stored_as_written(self, api):
        exact = {**HIGH_RISK, "when": {"customAttributes": {"weight": [5.0], "note": [""], "flag": [None, True]}}}
        put_rules(api, exact)
        assert api.get(RULES).body["rules"] == [exact]  # 5.0 stays 5.0 (DynamoDB would make it 5)

    @pytest.mark.parametrize(
        ("rules", "field"),
        [
            (
                [
                    HIGH_RISK,
                    NEW_CUSTOMER,
                    {
                        **HIGH_RISK,
                        "key": "BAD",
                        "when": {"customAttributes": {"riskScore": [{"numeric": [">=", "70"]}]}},
                    },
                ],
                "rules[2].when.customAttributes.riskScore[0].numeric[1]",
            ),
            (
                [{**HIGH_RISK, "when": {"customAttributes": {"riskScore": [{"wildcard": "7*"}]}}}],
                "rules[0].when.customAttributes.riskScore[0].wildcard",
            ),
            ([HIGH_RISK, HIGH_RISK], "rules[1].key"),
            ([{**HIGH_RISK, "holdType": "fraud"}], "rules[0].holdType"),
            ([{**HIGH_RISK, "key": "high risk"}], "rules[0].key"),
            ([{**HIGH_RISK, "when": {"note": ["x" * 5000]}}], "rules[0].when"),
            ([{**HIGH_RISK, "key": f"R{n}"} for n in range(51)], "rules"),
            ([{**HIGH_RISK, "colour": "red"}], "rules[0].colour"),
        ],
    )
    def test_invalid_rules_are_400_naming_the_place_and_change_nothing(self, api, rules, field):
        reply = put_rules(api, *rules)

        assert reply.status == 400 and reply.body[0]["description"].startswith(field), reply.body
        assert api.get(RULES).body["version"] == 0

    def test_everything_needs_config_write(self, api):
        assert api.request("GET", RULES, authorizer=READER).status == 403
        assert api.request("PUT", RULES, {"rules": [], "version": 0}, authorizer=READER).status == 403
        assert (
            api.request("POST", f"{RULES}/actions", {"name": "TEST", "order": order_body()}, authorizer=READER).status
            == 403
        )
        assert api.get(RULES).body["version"] == 0


@pytest.mark.usefixtures("hold_types")
class TestDryRun:
    def test_the_matching_rules_and_their_holds(self, api):
        put_rules(api, HIGH_RISK, NEW_CUSTOMER)

        reply = dry_run(api, risky())

        assert reply.status == 200
        assert reply.body == {
            "matches": [
                {"key": "HIGH_RISK", "name": "Risk score 70 or more"},
                {"key": "NEW_CUSTOMER", "name": "First order"},
            ],
            "holds": [
                {"type": "FRAUD", "reason": "Risk score from the checkout", "placedByRule": "HIGH_RISK"},
                {"type": "FRAUD", "reason": "First order of a new customer", "placedByRule": "NEW_CUSTOMER"},
            ],
        }

    def test_the_consumer_order_count_counts_the_stored_orders(self, api):
        put_rules(
            api, {**NEW_CUSTOMER, "key": "FEW", "when": {"$facts": {"consumerOrderCount": [{"numeric": ["<", 2]}]}}}
        )
        assert dry_run(api, order_body()).body["matches"] != []
        for _ in range(2):
            assert api.post("/api/orders", order_body()).status == 201  # consumer C-77

        assert dry_run(api, order_body()).body["matches"] == []
        other = order_body()
        other["consumer"]["consumerId"] = "C-78"
        assert dry_run(api, other).body["matches"] != []

    def test_it_writes_nothing_and_reads_only_what_a_rule_needs(self, api):
        put_rules(api, HIGH_RISK)
        with counting() as without_count:
            dry_run(api, risky())
        put_rules(api, HIGH_RISK, NEW_CUSTOMER, version=1)
        with counting() as with_count:
            dry_run(api, risky())

        assert without_count == {"GetItem": 1}  # the rules as stored now
        assert with_count == {"GetItem": 1, "Query": 1}  # and one Select=COUNT query of by-consumer-id

    def test_an_invalid_order_is_400_naming_its_field(self, api):
        put_rules(api, HIGH_RISK)
        bad = risky()
        bad["orderLineItems"][0]["quantity"] = 0

        reply = dry_run(api, bad)

        assert reply.status == 400 and reply.body[0]["description"].startswith("order.orderLineItems[0].quantity")

    def test_it_emits_no_metric(self, api, capsys):
        put_rules(api, HIGH_RISK)
        capsys.readouterr()
        dry_run(api, risky())
        assert '"LockRuleMatched"' not in capsys.readouterr().out


@pytest.mark.usefixtures("hold_types")
class TestHoldsFor:
    """`holds_for` as the create calls it (after validation, before its write)."""

    def test_holds_and_one_metric_per_matching_rule(self, api, capsys):
        put_rules(api, HIGH_RISK, NEW_CUSTOMER, {**HIGH_RISK, "key": "NEVER", "when": {"tags": ["never"]}})
        capsys.readouterr()

        holds = lockrules.holds_for(risky())
        before_stored = capsys.readouterr().out
        lockrules.record_matches(holds)  # what the create does once the order is stored

        assert [h["placedByRule"] for h in holds] == ["HIGH_RISK", "NEW_CUSTOMER"]
        assert '"LockRuleMatched"' not in before_stored
        emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"LockRuleMatched"' in line]
        assert sorted(e["Rule"] for e in emitted) == ["HIGH_RISK", "NEW_CUSTOMER"]
        assert all("Rule" in e["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0] for e in emitted)

    def test_the_rules_are_cached_per_container_and_a_change_here_is_seen_at_once(self, api):
        put_rules(api, HIGH_RISK)
        lockrules.holds_for(order_body())
        with counting() as cached:
            assert lockrules.holds_for(order_body()) == []
        put_rules(api, HIGH_RISK, {**HIGH_RISK, "key": "ALL", "when": {}}, version=1)

        with counting() as after_change:
            holds = lockrules.holds_for(order_body())

        assert cached == {}  # no rule uses a fact that needs a read: nothing read at all
        assert after_change == {"GetItem": 1} and [h["placedByRule"] for h in holds] == ["ALL"]

    def test_without_rules_nothing_is_read_but_the_rules(self, api):
        with counting() as calls:
            assert lockrules.holds_for(risky()) == []
        assert calls == {"GetItem": 1}


SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not os.environ.get("HYPOTHESIS_RANDOM"),
)
orders = st.builds(
    lambda score, quantities, consumer, country: order_body(
        customAttributes={"riskScore": score},
        orderLineItems=[
            {"article": {"tenantArticleId": f"A-{n}", "title": "x"}, "quantity": q} for n, q in enumerate(quantities)
        ],
        consumer={
            "consumerId": consumer,
            "addresses": [{"street": "s", "postalCode": "1", "city": "c", "country": country}],
        },
    ),
    score=st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False), st.just("80"), st.none()),
    quantities=st.lists(st.integers(1, 20), min_size=1, max_size=4),
    consumer=st.sampled_from(["C-1", "C-2"]),
    country=st.sampled_from(["DE", "FR", "AT"]),
)


@SETTINGS
@given(order=orders)
def test_the_dry_run_answers_what_a_real_create_places(order: dict[str, Any]):
    """The dry run and the create are one evaluation: same order, same holds - and the created order is
    LOCKED exactly when a rule matched."""
    from tests.conftest import ApiClient

    with moto_world():
        api = ApiClient()
        api.request("PUT", "/api/configurations/holds", HOLD_TYPES)
        api.post("/api/facilities", facility_body())
        put_rules(
            api,
            HIGH_RISK,
            NEW_CUSTOMER,
            {
                **HIGH_RISK,
                "key": "ABROAD",
                "holdType": "ADDRESS",
                "when": {"consumer": {"addresses": {"country": [{"anything-but": "DE"}]}}},
            },
            {**HIGH_RISK, "key": "BULK", "when": {"$facts": {"totalQuantity": [{"numeric": [">", 30]}]}}},
        )
        api.post("/api/orders", order_body())  # consumer C-77: never the generated ones'
        reply = dry_run(api, order)
        if reply.status != 200:  # the generated order is invalid: the create would refuse it too
            assert reply.status == 400
            return
        assert reply.body["holds"] == lockrules.holds_for(reply_order(api, order))
        created = api.post("/api/orders", order)
        assert created.status == 201, created.body
        placed = [
            {"type": h["type"], "reason": h["reason"], "placedByRule": h["placedByRule"]}
            for h in created.body.get("holds", [])
        ]
        assert placed == reply.body["holds"]
        assert created.body["status"] == ("LOCKED" if placed else "OPEN")


def reply_order(api, order: dict[str, Any]) -> dict[str, Any]:
    """The order as the create validates and dumps it (the dry run does the same)."""
    from order_service.orders.models import OrderForCreation

    return OrderForCreation.model_validate(order).model_dump(mode="json", exclude_unset=True, exclude_none=True)
