"""Auto-lock rules, pure: the rule record, its checks, the `$facts` of an order and which rules match it.

A rule holds an order at creation when its `when` pattern (EventBridge's content-filter language,
`core.patterns`) matches the order as created plus `$facts` (docs/lockrules.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from order_service.core import patterns
from order_service.core.errors import InvalidRequest

KEY_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"  # a rule's key and a hold type's key
MAX_RULES = 50
MAX_PATTERN_CHARACTERS = 4096  # as Lambda's and EventBridge Pipes' filter patterns
FACTS = "$facts"
CONSUMER_ORDER_COUNT = "consumerOrderCount"
# The consumer's previous orders are counted up to this many (one bounded index query): a rule can tell
# "no order yet" from "a few" from "at least 100", never more.
MAX_COUNTED_ORDERS = 100


class LockRule(TypedDict):
    key: str
    name: str
    holdType: str
    reason: str
    when: dict[str, Any]


class Hold(TypedDict):
    """A hold a rule places: the create turns it into an ACTIVE hold of the order (CONTRACT.md "Holds")."""

    type: str
    reason: str
    placedByRule: str


class Facts(TypedDict, total=False):
    consumerOrderCount: int  # only when a rule uses it (it costs an index query)
    lineCount: int
    totalQuantity: int


def check_rules(rules: Sequence[Mapping[str, Any]], known_hold_type: Any = None) -> None:
    """What a model cannot say about a rules configuration; InvalidRequest (400) naming the place:
    at most MAX_RULES rules, unique keys, each `when` a valid pattern of bounded size, each hold type
    known (`known_hold_type(key) -> bool`, when given). Key and hold type formats are the model's."""
    if len(rules) > MAX_RULES:
        raise InvalidRequest(f"At most {MAX_RULES} rules.", "rules")
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        place = f"rules[{index}]"
        key = rule["key"]
        if key in seen:
            raise InvalidRequest(f"Two rules have the key '{key}'; keys are unique.", f"{place}.key")
        seen.add(key)
        if known_hold_type is not None and not known_hold_type(rule["holdType"]):
            raise InvalidRequest(f"No hold type '{rule['holdType']}' is configured.", f"{place}.holdType")
        when = rule["when"]
        if len(json.dumps(when, separators=(",", ":"))) > MAX_PATTERN_CHARACTERS:
            raise InvalidRequest(
                f"A rule's pattern is at most {MAX_PATTERN_CHARACTERS} characters of JSON.", f"{place}.when"
            )
        try:
            patterns.check(when, f"{place}.when")
        except patterns.PatternError as error:
            raise InvalidRequest(f"Invalid pattern: {error.message}", error.place) from None


def uses_consumer_order_count(rules: Sequence[LockRule]) -> bool:
    """Whether some rule's pattern reads `$facts.consumerOrderCount` (only then is it looked up)."""
    return any(path[:2] == (FACTS, CONSUMER_ORDER_COUNT) for rule in rules for path in patterns.fields(rule["when"]))


def facts(order_request: Mapping[str, Any], consumer_order_count: int | None = None) -> Facts:
    """The `$facts` of an order being created; `consumer_order_count` only when looked up."""
    lines = order_request.get("orderLineItems") or []
    found = Facts(lineCount=len(lines), totalQuantity=sum(int(line.get("quantity") or 0) for line in lines))
    if consumer_order_count is not None:
        found["consumerOrderCount"] = consumer_order_count
    return found


def document(order_request: Mapping[str, Any], order_facts: Facts) -> dict[str, Any]:
    """What the patterns see: the order as created, with `$facts` (ours: a client's own `$facts` is replaced)."""
    return {**order_request, FACTS: dict(order_facts)}


def matching(rules: Sequence[LockRule], seen: Mapping[str, Any]) -> list[LockRule]:
    """The rules whose pattern matches `seen` (a `document`), in the configuration's order."""
    return [rule for rule in rules if patterns.matches(rule["when"], seen)]


def holds_placed_by(rules: Sequence[LockRule]) -> list[Hold]:
    """One hold per matching rule, in the configuration's order."""
    return [Hold(type=rule["holdType"], reason=rule["reason"], placedByRule=rule["key"]) for rule in rules]
