"""The pick-job rule is written once in Python (`pickjobs.rules.pickjob_change`); the template's stream
filters on PickJobCreatorFunction must let through exactly the changes it acts on, and nothing else.

Every combination of old and new image (status x routing status, attributes missing included) is run
through both: the filters as Lambda's event filtering matches them (the local stack's matcher, which
has its own tests) and the Python rule.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from local_stack import template
from local_stack.event_sources import passes
from order_service.core.dynamo import to_item
from order_service.pickjobs.rules import pickjob_change

STATUSES = (None, "OPEN", "LOCKED", "CANCELLED")
ROUTINGS = (None, "ROUTED", "NOT_ROUTABLE")


def image(status: str | None, routing: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"id": "o-1", "version": 1}
    if status:
        document["status"] = status
    if routing:
        document["routing"] = {"status": routing, "facilityRef": "f-1"} if routing == "ROUTED" else {"status": routing}
    return document


def stream_record(change: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if old is not None:
        body["OldImage"] = to_item(old)
    if new is not None:
        body["NewImage"] = to_item(new)
    return {"eventName": change, "dynamodb": body}


def pickjob_creator_filters() -> list[dict[str, Any]]:
    function = template.functions()["PickJobCreatorFunction"]
    (mapping,) = function.events("DynamoDB").values()
    return [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]


def all_changes() -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    images = [image(s, r) for s, r in itertools.product(STATUSES, ROUTINGS)]
    changes: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []
    changes += [("INSERT", None, new) for new in images]
    changes += [("MODIFY", old, new) for old, new in itertools.product(images, images)]
    changes += [("REMOVE", old, None) for old in images]
    return changes


def test_the_template_filters_let_through_exactly_the_changes_the_rule_acts_on():
    filters = pickjob_creator_filters()
    disagreements = [
        (change, old, new, pickjob_change(change, old, new))
        for change, old, new in all_changes()
        if passes(filters, stream_record(change, old, new)) != (pickjob_change(change, old, new) is not None)
    ]
    assert disagreements == []


def test_the_rule_creates_a_pick_job_only_when_an_order_becomes_open_and_routed():
    assert pickjob_change("INSERT", None, image("OPEN", "ROUTED")) == "CREATE"
    assert pickjob_change("INSERT", None, image("LOCKED", "ROUTED")) is None  # locked: never a pick job
    assert pickjob_change("MODIFY", image("LOCKED", "ROUTED"), image("OPEN", "ROUTED")) == "CREATE"  # unlocked
    assert pickjob_change("MODIFY", image("LOCKED", "NOT_ROUTABLE"), image("OPEN", "NOT_ROUTABLE")) is None
    assert pickjob_change("MODIFY", image("OPEN", "NOT_ROUTABLE"), image("OPEN", "ROUTED")) == "CREATE"
    assert pickjob_change("MODIFY", image("OPEN", "ROUTED"), image("OPEN", "ROUTED")) is None  # a reroute
    assert pickjob_change("MODIFY", image("OPEN", "ROUTED"), image("CANCELLED", "ROUTED")) == "CANCEL"
    assert pickjob_change("MODIFY", image("LOCKED", "ROUTED"), image("CANCELLED", "ROUTED")) is None


def test_every_combination_is_exercised():
    changes = all_changes()
    acted_on = [c for c in changes if pickjob_change(*c) is not None]
    assert len(changes) == 12 + 144 + 12 and 0 < len(acted_on) < len(changes)
