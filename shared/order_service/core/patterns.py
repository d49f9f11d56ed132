"""EventBridge's content-filter language (event patterns), pure: the one matcher of the service. The
auto-lock rules (`lockrules`) evaluate orders with it and the local stack (`local_stack/event_sources.py`)
applies the template's Lambda FilterCriteria with it.

The semantics are AWS's as documented (pinned by tests/unit/core/test_patterns.py, which cites the pages):
- a pattern is an object; its fields are ANDed; a field's value is either a nested pattern or a non-empty
  list of matchers, ORed; fields of the document the pattern does not name are ignored;
- matchers: exact values (string, number, true/false, null), `prefix`, `suffix` (both also with
  `{"equals-ignore-case": s}`), `equals-ignore-case`, `anything-but` (a value, a list of strings or of
  numbers, or `{"prefix" | "suffix" | "equals-ignore-case": ...}`), `numeric` (`=`, or a lower and/or an
  upper bound), `exists`; `$or` (a list of at least two patterns) ORs whole patterns;
- only leaves (strings, numbers, booleans, null) are matched: an array in the document matches when one
  of its elements does (an array of objects: when one of its objects matches the nested pattern), an
  object is not a leaf (so `exists: true` does not hold for it, `exists: false` does);
- a missing field matches only `exists: false`;
- exact numbers compare as JSON text, as AWS says ("300, 300.0 and 3.0e2 are not equal"); `numeric`
  compares numbers as numbers (5 equals 5.0), only JSON numbers (never "5" or true), within +-5.0e9, to
  six decimals.
Not supported (refused by `check`): `wildcard`, `cidr`, `anything-but` with `wildcard`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

NUMERIC_LIMIT = 5.0e9  # AWS: numeric matching is limited to -5.0e9 .. +5.0e9 inclusive
NUMERIC_DECIMALS = 6  # "15 digits of precision, or six digits to the right of the decimal point"
MAX_DEPTH = 16  # nesting of objects inside one pattern ($or included)
LOWER = (">", ">=")
UPPER = ("<", "<=")
OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists")
UNSUPPORTED = ("wildcard", "cidr")


class PatternError(ValueError):
    """An invalid pattern; `place` is where inside the pattern, e.g. `customAttributes.riskScore[0].numeric`."""

    def __init__(self, message: str, place: str) -> None:
        super().__init__(f"{place or 'the pattern'}: {message}")
        self.message = message
        self.place = place


def _at(place: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{place}[{part}]"
    return f"{place}.{part}" if place else part


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_or(key: str, value: Any) -> bool:
    return key == "$or" and isinstance(value, list)


# ------------------------------------------------------------------ check ---
def check(pattern: Any, place: str = "") -> None:
    """Raises PatternError naming the place of the first thing wrong in `pattern`; None when it is valid.
    `place` prefixes the places named (e.g. "rules[2].when")."""
    if not isinstance(pattern, dict):
        raise PatternError("a pattern must be a JSON object.", place)
    _check_object(pattern, place, 1, top=True)


def _check_object(pattern: Mapping[str, Any], place: str, depth: int, top: bool = False) -> None:
    if depth > MAX_DEPTH:
        raise PatternError(f"a pattern may nest at most {MAX_DEPTH} objects.", place)
    if not pattern and not top:
        raise PatternError("an empty object matches nothing; leave the field out instead.", place)
    for key, value in pattern.items():
        where = _at(place, key)
        if _is_or(key, value):
            if len(value) < 2:
                raise PatternError("$or needs a list of at least two patterns.", where)
            for index, alternative in enumerate(value):
                if not isinstance(alternative, dict) or not alternative:
                    raise PatternError("each $or alternative must be a non-empty object.", _at(where, index))
                _check_object(alternative, _at(where, index), depth + 1)
        elif isinstance(value, dict):
            _check_object(value, where, depth + 1)
        elif isinstance(value, list):
            if not value:
                raise PatternError("an empty list matches nothing; give at least one value.", where)
            for index, matcher in enumerate(value):
                _check_matcher(matcher, _at(where, index))
        else:
            raise PatternError(f"values to match go in a list, e.g. [{json.dumps(value)}], or a nested object.", where)


def _check_matcher(matcher: Any, place: str) -> None:
    if matcher is None or isinstance(matcher, str | bool):
        return
    if _is_number(matcher):
        if not math.isfinite(matcher):
            raise PatternError("numbers must be finite.", place)
        return
    if not isinstance(matcher, dict):
        raise PatternError("a list inside a list is not a matcher.", place)
    if len(matcher) != 1:
        raise PatternError(f"a matcher object has exactly one of: {', '.join(OPERATORS)}.", place)
    ((operator, operand),) = matcher.items()
    where = _at(place, operator)
    if operator in ("prefix", "suffix"):
        _check_text(operand, where, ignore_case_allowed=True)
    elif operator == "equals-ignore-case":
        _check_text(operand, where, ignore_case_allowed=False)
    elif operator == "anything-but":
        _check_anything_but(operand, where)
    elif operator == "numeric":
        _check_numeric(operand, where)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise PatternError("exists takes true or false.", where)
    elif operator in UNSUPPORTED:
        raise PatternError(f"'{operator}' is not supported here.", where)
    else:
        raise PatternError(f"unknown operator '{operator}' (known: {', '.join(OPERATORS)}).", where)


def _check_text(operand: Any, place: str, ignore_case_allowed: bool) -> None:
    if isinstance(operand, str):
        return
    if ignore_case_allowed and isinstance(operand, dict) and list(operand) == ["equals-ignore-case"]:
        _check_text(operand["equals-ignore-case"], _at(place, "equals-ignore-case"), False)
        return
    shape = 'a string or {"equals-ignore-case": string}' if ignore_case_allowed else "a string"
    raise PatternError(f"takes {shape}.", place)


def _check_anything_but(operand: Any, place: str) -> None:
    if isinstance(operand, str):
        return
    if _is_number(operand):
        _check_number(operand, place)
        return
    if isinstance(operand, list):
        if not operand:
            raise PatternError("anything-but needs at least one value.", place)
        if all(isinstance(v, str) for v in operand):
            return
        if all(_is_number(v) for v in operand):
            for index, number in enumerate(operand):
                _check_number(number, _at(place, index))
            return
        raise PatternError("an anything-but list holds only strings or only numbers.", place)
    if isinstance(operand, dict) and len(operand) == 1:
        ((operator, inner),) = operand.items()
        where = _at(place, operator)
        if operator in ("prefix", "suffix"):
            _check_text(inner, where, ignore_case_allowed=False)
            return
        if operator == "equals-ignore-case":
            if isinstance(inner, list) and inner and all(isinstance(v, str) for v in inner):
                return
            _check_text(inner, where, ignore_case_allowed=False)
            return
        raise PatternError(f"anything-but takes prefix, suffix or equals-ignore-case, not '{operator}'.", where)
    raise PatternError(
        'anything-but takes a string, a number, a list of either, or {"prefix" | "suffix" | '
        '"equals-ignore-case": ...}.',
        place,
    )


def _check_number(number: float, place: str) -> None:
    if not math.isfinite(number) or abs(number) > NUMERIC_LIMIT:
        raise PatternError(f"numbers must lie between -{NUMERIC_LIMIT:.1e} and {NUMERIC_LIMIT:.1e}.", place)


def _check_numeric(operand: Any, place: str) -> None:
    shape = 'numeric takes ["=", n], [">" | ">=" | "<" | "<=", n] or [">" | ">=", n, "<" | "<=", m].'
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise PatternError(shape, place)
    for index in range(1, len(operand), 2):
        if not _is_number(operand[index]):
            raise PatternError("numeric bounds are JSON numbers.", _at(place, index))
        _check_number(operand[index], _at(place, index))
    if len(operand) == 2:
        if operand[0] not in ("=", *LOWER, *UPPER):
            raise PatternError(shape, _at(place, 0))
        return
    if operand[0] not in LOWER:
        raise PatternError(shape, _at(place, 0))
    if operand[2] not in UPPER:
        raise PatternError(shape, _at(place, 2))
    if operand[1] >= operand[3]:
        raise PatternError("the lower bound must be below the upper bound.", place)


# ---------------------------------------------------------------- matching ---
_MISSING = object()


def matches(pattern: Mapping[str, Any], document: Any) -> bool:
    """Whether `document` (parsed JSON) matches `pattern` (assumed valid: `check` it first)."""
    return _match_object(pattern, document if isinstance(document, dict) else None)


def _match_object(pattern: Mapping[str, Any], document: Mapping[str, Any] | None) -> bool:
    for key, rule in pattern.items():
        if _is_or(key, rule):
            if not any(_match_object(alternative, document) for alternative in rule):
                return False
            continue
        value = document.get(key, _MISSING) if document is not None else _MISSING
        if isinstance(rule, dict):
            # no object there: the nested fields are all missing (so `exists: false` holds inside)
            objects: list[Mapping[str, Any] | None] = [*_objects(value)] or [None]
            if not any(_match_object(rule, candidate) for candidate in objects):
                return False
        elif not _match_leaves(rule, list(_leaves(value))):
            return False
    return True


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
    elif isinstance(value, list):
        for element in value:
            yield from _objects(element)


def _leaves(value: Any) -> Iterator[Any]:
    """The leaf values of a field: itself, or the elements of an array (arrays in arrays flattened);
    objects are not leaves."""
    if value is _MISSING or isinstance(value, dict):
        return
    if isinstance(value, list):
        for element in value:
            yield from _leaves(element)
        return
    yield value


def _match_leaves(matchers: list[Any], leaves: list[Any]) -> bool:
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            if bool(leaves) == matcher["exists"]:
                return True
        elif any(_match_leaf(matcher, leaf) for leaf in leaves):
            return True
    return False


def _same(expected: Any, value: Any) -> bool:
    """Exact equality of two JSON values: types must agree (true is not 1), numbers as JSON text."""
    if expected is None or value is None:
        return expected is None and value is None
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool) and expected == value
    if _is_number(expected) and _is_number(value):
        return json.dumps(expected) == json.dumps(value)
    return type(expected) is type(value) and bool(expected == value)


def _match_leaf(matcher: Any, leaf: Any) -> bool:
    if not isinstance(matcher, dict):
        return _same(matcher, leaf)
    ((operator, operand),) = matcher.items()
    if operator == "numeric":
        return _numeric(operand, leaf)
    if operator == "anything-but":
        return _anything_but(operand, leaf)
    if not isinstance(leaf, str):
        return False
    if operator == "equals-ignore-case":
        return bool(leaf.lower() == operand.lower())
    return _text(operator, operand, leaf)


def _text(operator: str, operand: Any, leaf: str) -> bool:
    """prefix / suffix, plain or {"equals-ignore-case": ...}."""
    if isinstance(operand, dict):
        operand, leaf = operand["equals-ignore-case"].lower(), leaf.lower()
    return leaf.startswith(operand) if operator == "prefix" else leaf.endswith(operand)


def _anything_but(operand: Any, leaf: Any) -> bool:
    if isinstance(operand, dict):
        ((operator, inner),) = operand.items()
        if not isinstance(leaf, str):
            return False
        if operator == "equals-ignore-case":
            excluded = inner if isinstance(inner, list) else [inner]
            return leaf.lower() not in {e.lower() for e in excluded}
        return not _text(operator, inner, leaf)
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_same(e, leaf) for e in excluded)


def _numeric(operand: list[Any], leaf: Any) -> bool:
    if not _is_number(leaf) or not math.isfinite(leaf) or abs(leaf) > NUMERIC_LIMIT:
        return False
    value = round(leaf, NUMERIC_DECIMALS)
    for index in range(0, len(operand), 2):
        operator, bound = operand[index], round(operand[index + 1], NUMERIC_DECIMALS)
        holds = {
            "=": value == bound,
            "<": value < bound,
            "<=": value <= bound,
            ">": value > bound,
            ">=": value >= bound,
        }[operator]
        if not holds:
            return False
    return True


# ------------------------------------------------------------------ fields ---
def fields(pattern: Mapping[str, Any]) -> Iterator[tuple[str, ...]]:
    """Every field path `pattern` tests (inside `$or` too), e.g. ("$facts", "consumerOrderCount"): what
    a caller must supply for the pattern to be evaluated."""
    for key, rule in pattern.items():
        if _is_or(key, rule):
            for alternative in rule:
                yield from fields(alternative)
        elif isinstance(rule, dict):
            for inner in fields(rule):
                yield (key, *inner)
        else:
            yield (key,)
