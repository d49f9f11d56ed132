"""The holds tests' world: a facility, the hold types configured, a maker of held orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.builders import facility_body, order_body

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TYPES = [
    {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"], "requiredApprovals": 2},
    {"key": "PAYMENT", "name": "Payment check", "releaseGroups": ["reviewers"]},
    {"key": "ADDRESS", "name": "Address check", "releaseGroups": ["admins"]},
    {
        "key": "CALLBACK",
        "name": "Customer call-back",
        "releaseGroups": ["reviewers"],
        "expiresAfterMinutes": 60,
        "warnBeforeMinutes": 15,
        "onExpiry": "RELEASE",
    },
    {
        "key": "DOCUMENTS",
        "name": "Documents missing",
        "releaseGroups": ["reviewers"],
        "expiresAfterMinutes": 60,
        "warnBeforeMinutes": 15,
        "onExpiry": "CANCEL",
    },
]


@pytest.fixture
def held(api) -> Any:
    """A facility, the hold types configured, and a function that creates an order with typed holds."""
    assert api.post("/api/facilities", facility_body()).status == 201
    assert api.request("PUT", "/api/configurations/holds", {"types": TYPES, "version": 0}).status == 200

    def create(*types: str, **fields: Any) -> dict[str, Any]:
        body = order_body(holds=[{"type": t, "reason": f"{t.lower()} pending"} for t in types], **fields)
        reply = api.post("/api/orders", body)
        assert reply.status == 201, reply.body
        return reply.body

    return create
