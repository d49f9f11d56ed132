"""The local stack's filter matching behaves as Lambda's event filtering does: it is the service's own
pattern engine (`order_service.core.patterns`, pinned to AWS's semantics in tests/unit/core/test_patterns.py)."""

from __future__ import annotations

import pytest

from local_stack import event_sources
from local_stack.event_sources import matches, passes

FAILED_NOW = {
    "dynamodb": {
        "OldImage": {"rerouteFailedAt": {"S": [{"exists": False}]}},
        "NewImage": {"rerouteFailedAt": {"S": [{"exists": True}]}},
    }
}


def record(old: dict, new: dict) -> dict:
    return {"eventName": "MODIFY", "dynamodb": {"OldImage": old, "NewImage": new}}


def test_exists_on_leaves():
    assert matches(FAILED_NOW, record({}, {"rerouteFailedAt": {"S": "t"}}))
    assert not matches(FAILED_NOW, record({"rerouteFailedAt": {"S": "t"}}, {"rerouteFailedAt": {"S": "t"}}))
    assert not matches(FAILED_NOW, record({}, {}))


def test_exists_on_an_object_never_holds_as_in_aws():
    """AWS: exists matches leaves only; an object is no leaf, so `exists: true` never matches it."""
    assert not matches(
        {"dynamodb": {"NewImage": {"rerouteFailedAt": [{"exists": True}]}}},
        record({}, {"rerouteFailedAt": {"S": "t"}}),
    )


def test_a_filter_lambda_would_refuse_is_refused_when_the_mappings_are_read(monkeypatch: pytest.MonkeyPatch):
    function = next(f for f in event_sources.template.functions().values() if f.events("DynamoDB"))
    events = function.events("DynamoDB")
    name, props = next(iter(events.items()))
    broken = {**props, "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]}}
    monkeypatch.setattr(type(function), "events", lambda self, kind: {name: broken} if kind == "DynamoDB" else {})
    with pytest.raises(ValueError, match=r"FilterCriteria.Filters\[0\]: eventName: values to match go in a list"):
        event_sources.stream_mappings()


def test_no_filters_let_everything_pass():
    assert passes([], {"eventName": "REMOVE"})
    assert not passes([{"eventName": ["INSERT"]}], {"eventName": "REMOVE"})


def test_values_prefix_and_anything_but():
    assert matches({"eventName": ["INSERT", "MODIFY"]}, {"eventName": "MODIFY"})
    assert not matches({"eventName": ["INSERT"]}, {"eventName": "MODIFY"})
    assert matches({"body": [{"prefix": "ord"}]}, {"body": "order"})
    assert matches({"status": [{"anything-but": ["CANCELLED"]}]}, {"status": "OPEN"})
    assert not matches({"status": [{"anything-but": ["CANCELLED"]}]}, {"status": "CANCELLED"})
