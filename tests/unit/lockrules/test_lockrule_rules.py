"""The auto-lock rules' pure part: facts, which rules match, the holds they place, the checks of a
configuration (400 naming the place)."""

from __future__ import annotations

from typing import Any

import pytest

from order_service.core.errors import InvalidRequest
from order_service.lockrules import rules as lockrules
from order_service.lockrules.rules import LockRule
from tests.builders import order_body


def rule(key: str = "HIGH_RISK", when: dict[str, Any] | None = None, hold_type: str = "FRAUD") -> LockRule:
    return LockRule(
        key=key,
        name=key.title(),
        holdType=hold_type,
        reason=f"{key} reason",
        when=when if when is not None else {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
    )


class TestFacts:
    def test_line_count_and_total_quantity_come_from_the_request(self):
        request = order_body(lines=3)  # quantities 1, 2, 3
        assert lockrules.facts(request) == {"lineCount": 3, "totalQuantity": 6}

    def test_the_consumer_order_count_only_when_looked_up(self):
        assert lockrules.facts(order_body(), 4) == {"lineCount": 1, "totalQuantity": 1, "consumerOrderCount": 4}

    def test_a_client_cannot_supply_its_own_facts(self):
        request = {**order_body(), "$facts": {"lineCount": 99}}
        seen = lockrules.document(request, lockrules.facts(request))
        assert seen["$facts"] == {"lineCount": 1, "totalQuantity": 1}

    def test_the_count_is_needed_only_when_a_pattern_reads_it(self):
        assert not lockrules.uses_consumer_order_count(
            [rule(), rule("BIG", {"$facts": {"lineCount": [{"numeric": [">", 9]}]}})]
        )
        assert lockrules.uses_consumer_order_count([rule("NEW", {"$facts": {"consumerOrderCount": [0]}})])
        assert lockrules.uses_consumer_order_count(
            [rule("EITHER", {"$or": [{"tags": ["x"]}, {"$facts": {"consumerOrderCount": [{"numeric": ["<", 2]}]}}]})]
        )


class TestMatching:
    def test_each_matching_rule_places_its_hold_in_the_configurations_order(self):
        rules = [
            rule("HIGH_RISK"),
            rule("ABROAD", {"consumer": {"addresses": {"country": [{"anything-but": ["DE", "AT"]}]}}}, "ADDRESS"),
            rule("BIG", {"$facts": {"totalQuantity": [{"numeric": [">", 10]}]}}),
        ]
        request = {**order_body(), "customAttributes": {"riskScore": 80}}
        request["consumer"]["addresses"][0]["country"] = "FR"
        seen = lockrules.document(request, lockrules.facts(request))

        matched = lockrules.matching(rules, seen)

        assert [r["key"] for r in matched] == ["HIGH_RISK", "ABROAD"]
        assert lockrules.holds_placed_by(matched) == [
            {"type": "FRAUD", "reason": "HIGH_RISK reason", "placedByRule": "HIGH_RISK"},
            {"type": "ADDRESS", "reason": "ABROAD reason", "placedByRule": "ABROAD"},
        ]

    def test_no_rule_matching_places_nothing(self):
        request = order_body()
        assert lockrules.matching([rule()], lockrules.document(request, lockrules.facts(request))) == []

    def test_a_risk_score_sent_as_a_string_is_no_number(self):
        request = {**order_body(), "customAttributes": {"riskScore": "80"}}
        assert lockrules.matching([rule()], lockrules.document(request, lockrules.facts(request))) == []

    def test_the_empty_pattern_holds_every_order(self):
        request = order_body()
        assert lockrules.matching([rule("ALL", {})], lockrules.document(request, {})) != []


class TestChecks:
    def test_a_valid_configuration_passes(self):
        lockrules.check_rules([rule(), rule("NEW", {"$facts": {"consumerOrderCount": [0]}})])

    @pytest.mark.parametrize(
        ("rules", "place"),
        [
            (
                [rule(), rule("OTHER"), rule("BAD", {"customAttributes": {"riskScore": [{"numeric": ["<>", 70]}]}})],
                "rules[2].when.customAttributes.riskScore[0].numeric[0]",
            ),
            ([rule(), rule("X", {"customAttributes": {"riskScore": 70}})], "rules[1].when.customAttributes.riskScore"),
            ([rule(), rule()], "rules[1].key"),
            ([rule(when={"note": ["x" * 5000]})], "rules[0].when"),
            ([rule(str(n)) for n in range(lockrules.MAX_RULES + 1)], "rules"),
        ],
    )
    def test_refused_naming_the_place(self, rules: list[LockRule], place: str):
        with pytest.raises(InvalidRequest) as refused:
            lockrules.check_rules(rules)
        assert refused.value.description == place

    def test_an_unknown_hold_type_is_refused(self):
        with pytest.raises(InvalidRequest) as refused:
            lockrules.check_rules([rule(), rule("OTHER", hold_type="NOPE")], lambda key: key != "NOPE")
        assert refused.value.description == "rules[1].holdType"
