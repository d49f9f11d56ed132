"""The local stack's filter matching behaves as Lambda's event filtering does."""

from __future__ import annotations

import pytest

from local_stack.event_sources import matches

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


def test_exists_on_an_object_is_refused_as_aws_would_never_match_it():
    with pytest.raises(ValueError, match="leaves"):
        matches(
            {"dynamodb": {"NewImage": {"rerouteFailedAt": [{"exists": True}]}}},
            record({}, {"rerouteFailedAt": {"S": "t"}}),
        )


def test_values_prefix_and_anything_but():
    assert matches({"eventName": ["INSERT", "MODIFY"]}, {"eventName": "MODIFY"})
    assert not matches({"eventName": ["INSERT"]}, {"eventName": "MODIFY"})
    assert matches({"body": [{"prefix": "ord"}]}, {"body": "order"})
    assert matches({"status": [{"anything-but": ["CANCELLED"]}]}, {"status": "OPEN"})
    assert not matches({"status": [{"anything-but": ["CANCELLED"]}]}, {"status": "CANCELLED"})
