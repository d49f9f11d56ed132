"""LOCAL_STATE_DIR: the tables' items saved when the stack stops and loaded when it starts again (off by
default: every `make run` starts empty). One JSON file per table, items in DynamoDB's JSON.

Saved at a clean stop (Ctrl-C, SIGTERM), not after kill -9. Loading writes the items before the
pollers start, and the pollers begin after the records that loading put on the streams: a restart
publishes no event and creates no pick job again."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from local_stack import template


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


# Subscriptions are not kept: their header values and signing secrets are sealed with a KMS key that
# lives only as long as this moto (KMS keys cannot be exported); the demo ones are created again.
NOT_KEPT = ("SubscriptionsTable",)


def save(dynamodb: Any, directory: Path) -> int:
    """Every item of every table of template.yaml (but NOT_KEPT) to `directory`; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    total = 0
    for logical_id in template.resources("AWS::DynamoDB::Table"):
        if logical_id in NOT_KEPT:
            continue
        name = template.physical_name(logical_id)
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        path = directory / f"{name}.json"
        path.with_suffix(".tmp").write_text(json.dumps({"table": name, "items": _encode(items)}), encoding="utf-8")
        path.with_suffix(".tmp").replace(path)  # a stop interrupted while writing leaves the old file whole
        total += len(items)
    return total


def load(dynamodb: Any, directory: Path) -> int:
    """The items saved in `directory` into the (empty) tables; returns how many."""
    total = 0
    for logical_id in template.resources("AWS::DynamoDB::Table"):
        name = template.physical_name(logical_id)
        path = directory / f"{name}.json"
        if logical_id in NOT_KEPT or not path.exists():  # an older state directory may still hold them
            continue
        items = _decode(json.loads(path.read_text(encoding="utf-8"))["items"])
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            pending = {name: requests}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        total += len(items)
    return total
