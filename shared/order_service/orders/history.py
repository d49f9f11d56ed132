"""An order's status history entry: shared by the order rules and the hold rules. Pure."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class StatusChange(TypedDict):
    status: str
    at: str
    previousStatus: NotRequired[str]
    reason: NotRequired[str]
    reasons: NotRequired[list[str]]
    by: NotRequired[str]


def history_entry(
    status: str, now: str, previous: str | None = None, reason: str | None = None, actor: str | None = None
) -> StatusChange:
    entry: StatusChange = {"status": status, "at": now}
    if previous:
        entry["previousStatus"] = previous
    if reason:
        entry["reason"] = reason
    if actor:
        entry["by"] = actor
    return entry
