"""Facilities in DynamoDB."""

from __future__ import annotations

from typing import Any

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import NotFound, VersionConflict

ONLINE_INDEX = "by-status"


def _table() -> str:
    return settings().facilities_table


def put_new(facility: dict[str, Any]) -> None:
    dynamo.put_new(_table(), facility)


def get(facility_id: str) -> dict[str, Any]:
    facility = dynamo.get(_table(), facility_id)
    if facility is None:
        raise NotFound(f"No facility with id '{facility_id}'.", "facilityId")
    return facility


def get_many(facility_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The facilities that exist among `facility_ids` (one BatchGetItem)."""
    unique = list(dict.fromkeys(facility_ids))[:100]
    if not unique:
        return []
    request = {_table(): {"Keys": [dynamo.to_item({"id": i}) for i in unique]}}
    found: list[dict[str, Any]] = []
    ddb = dynamo.client()
    while request:
        response = ddb.batch_get_item(RequestItems=request)
        found.extend(dynamo.from_item(item) for item in response["Responses"].get(_table(), []))
        request = response.get("UnprocessedKeys") or {}
    return found


def online() -> list[dict[str, Any]]:
    """Every ONLINE facility (an index query, not a scan)."""
    found, _ = dynamo.query_all(
        {
            "TableName": _table(),
            "IndexName": ONLINE_INDEX,
            "KeyConditionExpression": "#status = :online",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":online": {"S": "ONLINE"}},
        }
    )
    return found


def update(facility_id: str, version: int, changes: dict[str, Any], now: str) -> dict[str, Any]:
    """One conditional UpdateItem: the facility must exist and still have `version`."""
    update = dynamo.Update().add_to("version", 1).set("lastModified", now)
    for name, value in changes.items():
        update.set(name, value)
    update.exists("id").equals("version", version)
    try:
        return update.execute(_table(), {"id": facility_id})
    except dynamo.ConditionFailed as failure:
        if failure.old is None:
            raise NotFound(f"No facility with id '{facility_id}'.", "facilityId") from None
        raise VersionConflict("facility", failure.old["version"], version) from None


def list_page(status: str | None, size: int, start_after_id: str | None) -> dynamo.Page:
    """A page of facilities; with a status filter it is an index query and carries a total."""
    request: dict[str, Any] = {"TableName": _table()}
    key_attributes: tuple[str, ...] = ("id",)
    if status:
        request.update(
            IndexName=ONLINE_INDEX,
            KeyConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )
        key_attributes = ("id", "status")
    return dynamo.list_page(request, key_attributes, size, start_after_id, "facility", status)
