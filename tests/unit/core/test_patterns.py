"""The pattern engine (`order_service.core.patterns`) pinned to AWS's documented event-pattern semantics.

Each test names the rule it pins; the sources (read 2026-11-27):
- [patterns]  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  (fields ANDed, values in a list ORed, unnamed fields ignored, JSON types, strings exact without case
  folding, "for numbers, EventBridge uses string representation: 300, 300.0 and 3.0e2 are not equal")
- [operators] https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  (prefix, suffix, equals-ignore-case, anything-but incl. prefix/suffix/ignore-case, numeric, exists, $or;
  "comparison operators only work on leaf nodes, with the exception of $or and anything-but")
- [content]   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
  ("numeric matching works with values that are JSON numbers", limited range, six decimals; "exists
  matching only works on leaf nodes": `exists: false` matches when the field is an object)
- [arrays]    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
  ("if the value in the event is an array, the pattern matches if the intersection is non-empty")
- [null]      https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
  ("null values and empty strings are not interchangeable")
- [lambda]    https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
  (the same language for Lambda's FilterCriteria; DynamoDB images carry numbers as strings: {"N": "5"})
- [ruler]     https://github.com/aws/event-ruler README (the library behind EventBridge): numeric range
  -5.0e9..+5.0e9; array-consistent matching (two fields must come from the same element of an array of
  objects); $or needs a list of at least two objects.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_service.core.patterns import PatternError, check, fields, matches

FEW = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not os.environ.get("HYPOTHESIS_RANDOM"),
)


def match(pattern: dict[str, Any], document: Any) -> bool:
    check(pattern)  # every pattern used here is a valid one
    return matches(pattern, document)


class TestStructure:
    def test_fields_are_anded_and_values_in_a_list_ored(self):  # [patterns]
        pattern = {"source": ["aws.ec2", "aws.fargate"], "detail": {"state": ["terminated"]}}
        assert match(pattern, {"source": "aws.fargate", "detail": {"state": "terminated"}, "other": 1})
        assert not match(pattern, {"source": "aws.s3", "detail": {"state": "terminated"}})
        assert not match(pattern, {"source": "aws.ec2", "detail": {"state": "running"}})

    def test_the_field_must_appear_with_the_same_nesting(self):  # [patterns]
        assert not match({"detail": {"state": ["x"]}}, {"state": "x"})
        assert not match({"state": ["x"]}, {"detail": {"state": "x"}})

    def test_the_empty_pattern_matches_every_document(self):
        assert match({}, {"anything": 1})

    def test_or_of_whole_patterns(self):  # [operators] [ruler]
        pattern = {"source": ["cw"], "$or": [{"metricName": ["CPU"]}, {"namespace": ["AWS/EC2"]}]}
        assert match(pattern, {"source": "cw", "namespace": "AWS/EC2"})
        assert match(pattern, {"source": "cw", "metricName": "CPU"})
        assert not match(pattern, {"source": "cw", "metricName": "Disk"})
        assert not match(pattern, {"source": "other", "metricName": "CPU"})

    def test_or_nested_inside_an_object(self):
        pattern = {"detail": {"$or": [{"a": [1]}, {"b": [{"exists": True}]}]}}
        assert match(pattern, {"detail": {"b": "x"}})
        assert not match(pattern, {"detail": {"a": 2}})


class TestExactValues:
    def test_strings_are_exact_without_case_folding(self):  # [patterns]
        assert match({"s": ["Alice"]}, {"s": "Alice"})
        assert not match({"s": ["Alice"]}, {"s": "alice"})
        assert not match({"s": ["Alice"]}, {"s": "Alice "})

    def test_booleans_and_null_are_their_own_types(self):  # [patterns] [null]
        assert match({"b": [True]}, {"b": True})
        assert not match({"b": [True]}, {"b": 1})  # Python's True == 1 must not leak in
        assert not match({"n": [1]}, {"n": True})
        assert not match({"b": [True]}, {"b": "true"})
        assert match({"n": [None]}, {"n": None})

    def test_null_and_empty_string_are_not_interchangeable(self):  # [null]
        assert match({"v": [""]}, {"v": ""})
        assert not match({"v": [""]}, {"v": None})
        assert not match({"v": [None]}, {"v": ""})

    def test_null_does_not_match_a_missing_field(self):  # [null]: null is a value
        assert not match({"v": [None]}, {})

    def test_numbers_compare_as_json_text(self):  # [patterns]: 300, 300.0 and 3.0e2 are not equal
        assert match({"x": [300]}, {"x": 300})
        assert not match({"x": [300]}, {"x": 300.0})
        assert not match({"x": [300.0]}, {"x": 300})
        assert not match({"x": [5]}, {"x": "5"})  # a string is never a number
        assert not match({"x": ["5"]}, {"x": 5})

    def test_a_missing_field_matches_no_value(self):
        assert not match({"x": ["a"]}, {})
        assert not match({"x": ["a"]}, {"x": {"a": 1}})  # an object is not a leaf


class TestStringOperators:
    def test_prefix(self):  # [content]
        assert match({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"})
        assert not match({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-03"})
        assert match({"t": [{"prefix": ""}]}, {"t": "anything"})

    def test_prefix_and_suffix_only_work_on_strings(self):  # [ruler]
        assert not match({"n": [{"prefix": "1"}]}, {"n": 12})
        assert not match({"n": [{"suffix": "2"}]}, {"n": 12})
        assert not match({"n": [{"prefix": "n"}]}, {"n": None})

    def test_suffix(self):  # [operators]
        assert match({"file": [{"suffix": ".png"}]}, {"file": "a/b.png"})
        assert not match({"file": [{"suffix": ".png"}]}, {"file": "a/b.PNG"})

    def test_ignore_case_variants(self):  # [operators]
        assert match({"name": [{"equals-ignore-case": "alice"}]}, {"name": "ALICE"})
        assert not match({"name": [{"equals-ignore-case": "alice"}]}, {"name": "alicia"})
        assert match({"svc": [{"prefix": {"equals-ignore-case": "eventb"}}]}, {"svc": "EventBridge"})
        assert match({"svc": [{"suffix": {"equals-ignore-case": "tBridge"}}]}, {"svc": "EVENTBRIDGE"})
        assert not match({"svc": [{"suffix": {"equals-ignore-case": "x"}}]}, {"svc": 1})


class TestAnythingBut:
    def test_a_value_and_a_list(self):  # [content]
        assert match({"state": [{"anything-but": "initializing"}]}, {"state": "running"})
        assert not match({"state": [{"anything-but": "initializing"}]}, {"state": "initializing"})
        assert not match({"state": [{"anything-but": ["stopped", "overloaded"]}]}, {"state": "stopped"})
        assert match({"state": [{"anything-but": ["stopped", "overloaded"]}]}, {"state": "running"})

    def test_numbers(self):  # [content]
        assert match({"x": [{"anything-but": [100, 200, 300]}]}, {"x": 301.8})
        assert not match({"x": [{"anything-but": 123}]}, {"x": 123})
        assert match({"x": [{"anything-but": 123}]}, {"x": "123"})  # a string is not the number

    def test_prefix_suffix_and_ignore_case(self):  # [operators]
        assert not match({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "us-east-1"})
        assert match({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "eu-west-1"})
        assert not match({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "x.png"})
        assert match({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "x.jpg"})
        assert not match({"s": [{"anything-but": {"equals-ignore-case": "init"}}]}, {"s": "INIT"})
        assert not match({"s": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]}, {"s": "B"})
        assert match({"s": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]}, {"s": "c"})

    def test_a_missing_field_is_not_anything_but(self):  # only exists:false matches absence
        assert not match({"state": [{"anything-but": "x"}]}, {})

    def test_an_array_matches_when_one_element_is_not_excluded(self):  # [arrays]
        assert match({"p": [{"anything-but": [100, 500]}]}, {"p": [100, 50]})
        assert not match({"p": [{"anything-but": [100, 500]}]}, {"p": [100, 500]})


class TestNumeric:
    def test_ranges_and_single_bounds(self):  # [content]
        pattern = {"c": [{"numeric": [">", 0, "<=", 5]}]}
        assert [match(pattern, {"c": v}) for v in (0, 0.000001, 5, 5.000001, -1)] == [False, True, True, False, False]
        assert match({"d": [{"numeric": ["<", 10]}]}, {"d": 9.99})
        assert not match({"d": [{"numeric": ["<", 10]}]}, {"d": 10})
        assert match({"d": [{"numeric": [">=", 10]}]}, {"d": 10})
        assert match({"d": [{"numeric": ["<=", 10]}]}, {"d": 10})
        assert match({"d": [{"numeric": [">=", -3, "<", -1]}]}, {"d": -2})

    def test_equality_compares_numbers_as_numbers(self):  # [content]: "=", 3.018e2 matches 301.8
        assert match({"x": [{"numeric": ["=", 3.018e2]}]}, {"x": 301.8})
        assert match({"x": [{"numeric": ["=", 5]}]}, {"x": 5.0})
        assert match({"x": [{"numeric": ["=", 5.0]}]}, {"x": 5})

    def test_only_json_numbers(self):  # [content] [lambda]
        assert not match({"x": [{"numeric": ["=", 5]}]}, {"x": "5"})
        assert not match({"x": [{"numeric": [">", 0]}]}, {"x": True})
        assert not match({"x": [{"numeric": [">", 0]}]}, {"x": None})
        assert not match({"x": [{"numeric": [">", 0]}]}, {})
        # a DynamoDB image carries numbers as strings: numeric never matches {"N": "5"}
        assert not match({"x": {"N": [{"numeric": ["=", 5]}]}}, {"x": {"N": "5"}})

    def test_six_decimals(self):  # [content]: "six digits to the right of the decimal point"
        assert match({"x": [{"numeric": ["=", 1]}]}, {"x": 1.0000001})
        assert not match({"x": [{"numeric": ["=", 1]}]}, {"x": 1.000001})

    def test_the_documented_range(self):  # [ruler]: -5.0e9 .. +5.0e9 inclusive
        assert match({"x": [{"numeric": ["<=", 5e9]}]}, {"x": 5e9})
        assert match({"x": [{"numeric": [">=", -5e9]}]}, {"x": -5_000_000_000})
        assert not match({"x": [{"numeric": [">", 0]}]}, {"x": 5e9 + 1})  # outside: never matches
        assert not match({"x": [{"numeric": ["<", 0]}]}, {"x": -1e300})

    def test_an_array_matches_when_one_element_is_in_range(self):  # [arrays]
        assert match({"x": [{"numeric": [">", 10]}]}, {"x": [1, 2, 30]})
        assert not match({"x": [{"numeric": [">", 10]}]}, {"x": [1, 2, "30"]})


class TestExists:
    def test_exists_true_and_false(self):  # [content]
        assert match({"d": {"c": [{"exists": True}]}}, {"d": {"c": 0}})
        assert match({"d": {"c": [{"exists": True}]}}, {"d": {"c": None}})  # null is a value
        assert not match({"d": {"c": [{"exists": True}]}}, {"d": {}})
        assert match({"d": {"c": [{"exists": False}]}}, {"d": {}})
        assert match({"d": {"c": [{"exists": False}]}}, {})  # the parent missing too
        assert not match({"d": {"c": [{"exists": False}]}}, {"d": {"c": "x"}})

    def test_exists_only_sees_leaves(self):  # [content]: "c-count isn't a leaf node"
        document = {"detail": {"c-count": {"c1": 100}}}
        assert match({"detail": {"c-count": [{"exists": False}]}}, document)
        assert not match({"detail": {"c-count": [{"exists": True}]}}, document)

    def test_arrays(self):  # [arrays]: an element is a leaf; an empty array has none
        assert match({"tags": [{"exists": True}]}, {"tags": ["a"]})
        assert not match({"tags": [{"exists": True}]}, {"tags": []})
        assert match({"tags": [{"exists": False}]}, {"tags": []})

    def test_exists_in_a_list_with_values(self):  # values in a list are ORed, exists too
        pattern = {"s": ["LOCKED", {"exists": False}]}
        assert match(pattern, {})
        assert match(pattern, {"s": "LOCKED"})
        assert not match(pattern, {"s": "OPEN"})


class TestArrays:
    def test_intersection_of_pattern_and_document_arrays(self):  # [arrays]
        pattern = {"resources": ["arn:1", "arn:2", "arn:3"]}
        assert match(pattern, {"resources": ["arn:9", "arn:1"]})
        assert not match(pattern, {"resources": ["arn:9"]})
        assert not match(pattern, {"resources": []})

    def test_arrays_of_objects_match_per_element(self):  # [ruler]: array-consistent matching
        document = {"employees": [{"first": "John", "last": "Doe"}, {"first": "Anna", "last": "Smith"}]}
        assert match({"employees": {"first": ["Anna"]}}, document)
        assert match({"employees": {"first": ["Anna"], "last": ["Smith"]}}, document)
        assert not match({"employees": {"first": ["Anna"], "last": ["Doe"]}}, document)

    def test_arrays_in_arrays_are_flattened(self):  # [ruler]: "this works for multi-level arrays too"
        assert match({"e": {"n": ["Peter"]}}, {"e": [[{"n": "John"}], [{"n": "Peter"}]]})
        assert match({"v": [3]}, {"v": [[1, 2], [3]]})

    def test_order_lines_by_any_article(self):  # how the auto-lock rules use it
        order = {"orderLineItems": [{"article": {"tenantArticleId": "4711"}, "quantity": 2}]}
        assert match({"orderLineItems": {"article": {"tenantArticleId": ["4711"]}}}, order)
        assert match({"orderLineItems": {"quantity": [{"numeric": [">=", 2]}]}}, order)
        assert not match({"orderLineItems": {"quantity": [{"numeric": [">", 2]}]}}, order)


class TestInvalidPatterns:
    @pytest.mark.parametrize(
        ("pattern", "place"),
        [
            ({"a": "x"}, "a"),  # values go in a list
            ({"a": 5}, "a"),
            ({"a": []}, "a"),
            ({"a": {}}, "a"),
            ({"a": [["x"]]}, "a[0]"),
            ({"a": {"b": [{"nope": 1}]}}, "a.b[0].nope"),
            ({"a": [{"prefix": 1}]}, "a[0].prefix"),
            ({"a": [{"prefix": {"other": "x"}}]}, "a[0].prefix"),
            ({"a": [{"suffix": None}]}, "a[0].suffix"),
            ({"a": [{"equals-ignore-case": ["x"]}]}, "a[0].equals-ignore-case"),
            ({"a": [{"prefix": "x", "suffix": "y"}]}, "a[0]"),
            ({"a": [{"exists": "yes"}]}, "a[0].exists"),
            ({"a": [{"anything-but": []}]}, "a[0].anything-but"),
            ({"a": [{"anything-but": ["x", 1]}]}, "a[0].anything-but"),
            ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "a[0].anything-but.numeric"),
            ({"a": [{"anything-but": None}]}, "a[0].anything-but"),
            ({"a": [{"numeric": [">", "1"]}]}, "a[0].numeric[1]"),
            ({"a": [{"numeric": ["=", True]}]}, "a[0].numeric[1]"),
            ({"a": [{"numeric": ["!=", 1]}]}, "a[0].numeric[0]"),
            ({"a": [{"numeric": [">", 1, ">", 2]}]}, "a[0].numeric[2]"),
            ({"a": [{"numeric": ["<", 1, ">", 0]}]}, "a[0].numeric[0]"),
            ({"a": [{"numeric": [">", 5, "<", 5]}]}, "a[0].numeric"),
            ({"a": [{"numeric": [">", 1, "<"]}]}, "a[0].numeric"),
            ({"a": [{"numeric": [">", 6e9]}]}, "a[0].numeric[1]"),
            ({"a": [{"numeric": "> 5"}]}, "a[0].numeric"),
            ({"a": [{"wildcard": "*x"}]}, "a[0].wildcard"),
            ({"a": [{"cidr": "10.0.0.0/24"}]}, "a[0].cidr"),
            ({"$or": [{"a": ["x"]}]}, "$or"),
            ({"$or": [{"a": ["x"]}, {}]}, "$or[1]"),
            ({"$or": [{"a": ["x"]}, {"b": "y"}]}, "$or[1].b"),
            (
                {"customAttributes": {"riskScore": [{"numeric": ["<>", 70]}]}},
                "customAttributes.riskScore[0].numeric[0]",
            ),
        ],
    )
    def test_refused_naming_the_place(self, pattern: dict[str, Any], place: str):
        with pytest.raises(PatternError) as refused:
            check(pattern)
        assert refused.value.place == place
        assert str(refused.value).startswith(f"{place}: ")

    def test_not_an_object(self):
        for pattern in (["a"], "a", None, 1):
            with pytest.raises(PatternError):
                check(pattern)

    def test_the_caller_names_where_the_pattern_is(self):
        with pytest.raises(PatternError) as refused:
            check({"a": "x"}, "rules[2].when")
        assert refused.value.place == "rules[2].when.a"

    def test_nesting_is_bounded(self):
        deep: dict[str, Any] = {"leaf": ["x"]}
        for _ in range(20):
            deep = {"n": deep}
        with pytest.raises(PatternError, match="nest"):
            check(deep)

    def test_valid_examples_from_the_docs_pass(self):
        check(
            {
                "time": [{"prefix": "2017-10-02"}],
                "detail": {
                    "state": [{"anything-but": "initializing"}],
                    "c-count": [{"numeric": [">", 0, "<=", 5]}],
                    "d-count": [{"numeric": ["<", 10]}],
                    "x-limit": [{"anything-but": [100, 200, 300]}],
                },
            }
        )


class TestFields:
    def test_fields_name_every_path_tested(self):
        pattern = {"$facts": {"lineCount": [1]}, "$or": [{"a": {"b": [1]}}, {"c": [{"exists": False}]}]}
        assert sorted(fields(pattern)) == [("$facts", "lineCount"), ("a", "b"), ("c",)]


# ---------------------------------------------------------------- properties ---
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**10), 10**10),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@FEW
@given(document=st.dictionaries(st.sampled_from(["a", "b", "c"]), documents, max_size=3), key=st.sampled_from("abc"))
def test_exists_true_and_false_partition_every_document(document: dict[str, Any], key: str):
    """For any field, exactly one of exists:true and exists:false holds."""
    assert match({key: [{"exists": True}]}, document) != match({key: [{"exists": False}]}, document)


@FEW
@given(value=scalars, excluded=st.lists(st.text(max_size=4), min_size=1, max_size=3))
def test_anything_but_is_the_complement_of_the_values_on_a_present_leaf(value: Any, excluded: list[str]):
    document = {"v": value}
    assert match({"v": [{"anything-but": excluded}]}, document) != match({"v": excluded}, document)


@FEW
@given(
    value=st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False)),
    low=st.integers(-(10**6), 10**6),
    width=st.integers(1, 10**6),
)
def test_a_range_is_the_conjunction_of_its_bounds(value: float, low: int, width: int):
    high = low + width
    both = match({"x": [{"numeric": [">=", low, "<", high]}]}, {"x": value})
    assert both == (
        match({"x": [{"numeric": [">=", low]}]}, {"x": value})
        and match({"x": [{"numeric": ["<", high]}]}, {"x": value})
    )
    assert match({"x": [{"numeric": ["=", value]}]}, {"x": json.loads(json.dumps(float(value)))})


@FEW
@given(elements=st.lists(scalars, max_size=4), wanted=scalars)
def test_an_array_matches_when_an_element_does(elements: list[Any], wanted: Any):
    pattern = {"v": [wanted]}
    assert match(pattern, {"v": elements}) == any(match(pattern, {"v": e}) for e in elements)
