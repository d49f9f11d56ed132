"""Domain exceptions. `order_service.http` is the one place that turns them into HTTP answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """Base class: a request the domain refuses. `summary` is shown to the client."""

    status_code = 400

    def __init__(self, summary: str, description: str | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.description = description


class InvalidRequest(DomainError):
    status_code = 400


class Unauthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class PayloadTooLarge(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """409 without versions (for example an Idempotency-Key reused with another body)."""

    status_code = 409


class Refused(DomainError):
    """409 for a conditional write refused because of the entity's state: it carries the entity's current
    version and the request's, which the error body shows (`version`, `requestVersion`)."""

    status_code = 409

    def __init__(self, summary: str, description: str, current_version: int, request_version: int | None) -> None:
        super().__init__(summary, description)
        self.current_version = current_version
        self.request_version = request_version
        self.current_status: str | None = None  # the entity's status, where the refusal knows it


class VersionConflict(Refused):
    """The request's version is not the entity's current version."""

    def __init__(self, entity: str, current_version: int, request_version: int) -> None:
        super().__init__(
            f"The {entity} was changed by someone else: its version is {current_version}, "
            f"the request named version {request_version}.",
            "version",
            current_version,
            request_version,
        )


class TransitionNotAllowed(Refused):
    """The entity's current status forbids the requested change (for example UNLOCK of an OPEN order)."""

    def __init__(self, summary: str, current_version: int, request_version: int | None) -> None:
        super().__init__(summary, "status", current_version, request_version)


@dataclass(frozen=True)
class Entity:
    """What a refused conditional write on one kind of entity means, explained from the item as it was
    (DynamoDB's ReturnValuesOnConditionCheckFailure=ALL_OLD), so no write is preceded by a read.

    One rule for every entity: missing -> 404; another version -> 409 version conflict (a stale version
    wins over a wrong status: the client must re-read first); else -> 409 with `wrong_state`, formatted
    with the item's fields (for example "its status is {status}").
    """

    name: str  # "order", "pick job"
    id_field: str  # the path parameter a 404 names: "orderId"

    def missing(self, entity_id: str) -> NotFound:
        return NotFound(f"No {self.name} with id '{entity_id}'.", self.id_field)

    def refusal(
        self,
        entity_id: str,
        old: Mapping[str, Any] | None,
        request_version: int | None,
        wrong_state: str = "The {entity} cannot change in its status {status}.",
    ) -> DomainError:
        if old is None:
            return self.missing(entity_id)
        current = int(old.get("version") or 0)
        refused: Refused
        if request_version is not None and current != request_version:
            refused = VersionConflict(self.name, current, request_version)
        else:
            refused = TransitionNotAllowed(
                wrong_state.format_map({**old, "entity": self.name}), current, request_version
            )
        refused.current_status = old.get("status")
        return refused
