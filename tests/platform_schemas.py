"""The platform's schemas (platform/fulfillmenttools-orders.openapi.json, vendored) as validators for answers.

Answers are read with `additionalProperties: false` removed: the platform's `Order` is an allOf over
`OrderForCreation`, which forbids extras, so no real order (with `id`, `version`...) could satisfy it
literally. Everything else (required fields, types, enums, formats such as date-time) is checked.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from openapi_schema_validator import OAS30Validator

from local_stack import template

PLATFORM_DOCUMENT = template.ROOT / "platform" / "fulfillmenttools-orders.openapi.json"


def _relaxed(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _relaxed(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_relaxed(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    return _relaxed(json.loads(PLATFORM_DOCUMENT.read_text(encoding="utf-8"))["components"])


@cache
def _validator(schema: str, array: bool) -> OAS30Validator:
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{schema}"}
    root = {"type": "array", "items": ref} if array else ref
    return OAS30Validator({**root, "components": _components()}, format_checker=OAS30Validator.FORMAT_CHECKER)


def violations(schema: str, instance: Any, array: bool = False) -> list[str]:
    """What in `instance` the platform's `schema` (relaxed) refuses: [] when it fits."""
    found = _validator(schema, array).iter_errors(instance)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found)
