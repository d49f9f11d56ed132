"""Auto-lock rules, the use cases: change the rules, the holds they place on an order being created
(`holds_for`, called by the create before its write), and the dry run (`dry_run`, writes nothing).

Costs (docs/lockrules.md): the rules are read at most every CACHE_SECONDS per container (one GetItem);
`$facts.consumerOrderCount` costs one bounded index query, and only when some rule's pattern uses it;
the other facts come from the request.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from order_service.holds import store as hold_store
from order_service.lockrules import rules as lockrules
from order_service.lockrules import store as lockrules_store
from order_service.lockrules.rules import Facts, Hold, LockRule

if TYPE_CHECKING:
    from order_service.lockrules.models import LockRulesConfigurationForUpdate

logger = Logger(child=True)

# A change of the rules reaches every create within this many seconds (each warm container keeps the rules
# it read for this long; the container that saved them forgets them at once).
CACHE_SECONDS = 30.0
MATCH_METRIC = "LockRuleMatched"  # one per rule that matched a real create, dimension Rule = the rule's key


class _CachedRules:
    """The stored rules, read at most every CACHE_SECONDS in this container."""

    def __init__(self) -> None:
        self._rules: list[LockRule] = []
        self._until = 0.0

    def __call__(self) -> list[LockRule]:
        if time.monotonic() >= self._until:
            self._rules = lockrules_store.get_lockrules()["rules"]
            self._until = time.monotonic() + CACHE_SECONDS
        return self._rules

    def cache_clear(self) -> None:
        self._until = 0.0


current_rules = _CachedRules()


def put_rules(update: LockRulesConfigurationForUpdate, now: str) -> dict[str, Any]:
    """Replace every rule (optimistic locking on `version`); 400 naming the place of what is wrong, e.g.
    a hold type that is not configured (/api/configurations/holds)."""
    rules: list[LockRule] = [rule.model_dump() for rule in update.rules]  # type: ignore[misc]
    lockrules.check_rules(rules, hold_store.hold_types().known)
    stored = lockrules_store.put_lockrules(rules, update.version, now)
    current_rules.cache_clear()
    return stored


@dataclass(frozen=True)
class Evaluation:
    matches: list[LockRule]
    holds: list[Hold]
    facts: Facts


def evaluate(order_request: Mapping[str, Any], rules: Sequence[LockRule]) -> Evaluation:
    """Which of `rules` hold this order (validated, as the create stores it) and the holds they place.
    Reads only what a rule needs: the consumer's order count when some pattern uses it, else nothing."""
    if not rules:
        return Evaluation([], [], lockrules.facts(order_request))
    count = None
    if lockrules.uses_consumer_order_count(rules):
        consumer_id = (order_request.get("consumer") or {}).get("consumerId")
        count = lockrules_store.consumer_order_count(consumer_id, lockrules.MAX_COUNTED_ORDERS) if consumer_id else 0
    facts = lockrules.facts(order_request, count)
    matched = lockrules.matching(rules, lockrules.document(order_request, facts))
    return Evaluation(matched, lockrules.holds_placed_by(matched), facts)


def holds_for(order_request: Mapping[str, Any]) -> list[Hold]:
    """The holds the rules place on an order being created (none: no rule matched). For the create, after
    validation and before its write; `record_matches` counts them once the order is stored."""
    evaluation = evaluate(order_request, current_rules())
    if evaluation.matches:
        logger.info("lock rules matched", extra={"rules": [r["key"] for r in evaluation.matches]})
    return evaluation.holds


def record_matches(placed: Sequence[Mapping[str, Any]]) -> None:
    """One LockRuleMatched metric per rule that held an order now stored (not for a refused create, nor
    for the replay of an Idempotency-Key)."""
    for rule_key in dict.fromkeys(h["placedByRule"] for h in placed if h.get("placedByRule")):
        with single_metric(name=MATCH_METRIC, unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="Rule", value=rule_key)


def dry_run(order_request: Mapping[str, Any]) -> dict[str, Any]:
    """What `holds_for` would answer for this order, with the rules as stored now (not the cached ones: a
    change is tested at once); no metric, nothing written."""
    evaluation = evaluate(order_request, lockrules_store.get_lockrules()["rules"])
    return {
        "matches": [{"key": rule["key"], "name": rule["name"]} for rule in evaluation.matches],
        "holds": evaluation.holds,
    }
