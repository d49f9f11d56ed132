"""Domain exceptions. `order_service.http` is the one place that turns them into HTTP answers."""

from __future__ import annotations


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


class VersionConflict(DomainError):
    """The request's version is not the entity's current version."""

    status_code = 409

    def __init__(self, entity: str, current_version: int, request_version: int) -> None:
        super().__init__(
            f"The {entity} was changed by someone else: its version is {current_version}, "
            f"the request named version {request_version}.",
            "version",
        )
        self.current_version = current_version
        self.request_version = request_version


class TransitionNotAllowed(DomainError):
    """The entity's current status forbids the requested change (for example UNLOCK of an OPEN order)."""

    status_code = 409

    def __init__(self, summary: str, current_version: int, request_version: int) -> None:
        super().__init__(summary, "status")
        self.current_version = current_version
        self.request_version = request_version
