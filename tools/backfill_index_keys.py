"""Backfill the index key attributes of a deployed table (docs/capacity.md, "Migration").

It gives every existing order and pick job the key attributes the current code writes (orders:
`orders.rules.index_attributes` - `idxStatusFacility`, `idxFacilityCreatedId`, `idxCreatedId` ...;
pick jobs: `idxStatusShard`), each with a conditional UpdateItem on the item's `version`: when the
service changed it meanwhile, it is read again and given the keys of what it is now. Items written by
the current code carry their keys already. Attributes of an older model are left on the items (a few
dozen bytes); no index reads them once the old indexes are deleted.

The order of a deployed stack's migration (one GSI creation or deletion per table and deploy, and
a run of this tool before and after the deploy that adds the new index) is in docs/capacity.md.

Idempotent (an item whose keys are right is skipped without a write) and resumable: the scan position
is saved after every page in `--checkpoint`, and a second run starts there.

    python -m tools.backfill_index_keys --table OrdersTable --physical-name my-stack-OrdersTable-ABC
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from order_service.core import dynamo
from order_service.core.keys import status_shard
from order_service.orders import rules as orders

_plain = TypeDeserializer()  # the raw item, index attributes included (dynamo.from_item hides them)
KEYS_OF: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    "OrdersTable": lambda order: orders.index_attributes(order),  # type: ignore[arg-type]
    "PickJobsTable": lambda pickjob: {"idxStatusShard": status_shard(pickjob["status"], pickjob["id"])},
}


def _give_keys(ddb: Any, table: str, keys_of: Callable[[dict[str, Any]], dict[str, str]], item: dict[str, Any]) -> str:
    """One item: its keys as the new code computes them, written on condition that it did not change
    since it was read; if it did (the service wrote it meanwhile - not every write of the service
    touches every key), it is read again and tried again."""
    for _ in range(10):
        raw = {name: _plain.deserialize(value) for name, value in item.items()}
        document = dynamo.from_item(item)
        wanted = keys_of(document)
        if all(raw.get(name) == value for name, value in wanted.items()):
            return "skipped"
        update = dynamo.Update()
        for name, value in wanted.items():
            update.set(name, value)
        update.equals("version", document["version"])
        try:
            # SET only, and no new version: the document does not change, only its index keys.
            # Attributes of the old model stay; no index is keyed on them any more.
            ddb.update_item(**update.request(table, {"id": document["id"]}))
            return "updated"
        except ddb.exceptions.ConditionalCheckFailedException:
            fresh = ddb.get_item(TableName=table, Key={"id": item["id"]}, ConsistentRead=True).get("Item")
            if fresh is None:
                return "skipped"  # deleted meanwhile
            item = fresh
    raise RuntimeError(f"{item['id']['S']}: changed at every try; run the backfill again")


def backfill(
    logical_id: str, table: str, checkpoint: Path, page_size: int = 100, max_pages: int | None = None
) -> dict[str, int]:
    """Visits every item once (from the checkpoint on; at most `max_pages` pages, then stops with the
    checkpoint saved, as an interrupted run would); returns what it did."""
    keys_of = KEYS_OF[logical_id]
    ddb = dynamo.client()
    done = {"read": 0, "updated": 0, "skipped": 0}
    request: dict[str, Any] = {"TableName": table, "Limit": page_size}
    if checkpoint.exists():
        request["ExclusiveStartKey"] = json.loads(checkpoint.read_text())
    pages = 0
    while max_pages is None or pages < max_pages:
        pages += 1
        response = ddb.scan(**request)
        for item in response.get("Items", []):
            done["read"] += 1
            raw = {name: _plain.deserialize(value) for name, value in item.items()}
            if "status" not in raw or "version" not in raw:
                done["skipped"] += 1  # not an entity (a counter, say)
                continue
            outcome = _give_keys(ddb, table, keys_of, item)
            done[outcome] += 1
        last = response.get("LastEvaluatedKey")
        if last is None:
            checkpoint.unlink(missing_ok=True)
            return done
        checkpoint.write_text(json.dumps(last))
        request["ExclusiveStartKey"] = last
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", choices=sorted(KEYS_OF), required=True, help="the table's logical id")
    parser.add_argument("--physical-name", required=True, help="the deployed table's name")
    parser.add_argument("--checkpoint", type=Path, default=None, help="where the scan position is kept")
    arguments = parser.parse_args()
    checkpoint = arguments.checkpoint or Path(f".backfill-{arguments.table}.json")
    print(json.dumps(backfill(arguments.table, arguments.physical_name, checkpoint)))


if __name__ == "__main__":
    main()
