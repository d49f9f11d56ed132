"""API Gateway glue shared by the API functions.

- `Api.route` registers an endpoint and records its OpenAPI metadata
  (`order_service.openapi` builds the document from these records).
- Bodies are parsed by `order_service.api.body` into the pydantic model the route declares (a route may
  name its models as "module:Class" so that they, and pydantic, are imported when a request first
  needs them, not at cold start: a GET never pays for the creation request's large models); query
  strings and path parameters here.
- The one place where domain exceptions become the contract's error body:
  a JSON array of {summary, description?, version?, requestVersion?}.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from order_service.api import body as body_parser
from order_service.core.errors import (
    DomainError,
    Forbidden,
    InvalidRequest,
    NotFound,
    Refused,
    Unauthenticated,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
JSON = "application/json"

if TYPE_CHECKING:
    from pydantic import BaseModel

logger = Logger(child=True)

_resolved: dict[str, Any] = {}


def model_of(ref: type[BaseModel] | str) -> type[BaseModel]:
    """The model a route names (imported now if it was named as "module:Class")."""
    if not isinstance(ref, str):
        return ref
    if ref not in _resolved:
        module, _, name = ref.partition(":")
        _resolved[ref] = getattr(importlib.import_module(module), name)
    model: type[BaseModel] = _resolved[ref]
    return model


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    kind: type = str
    choices: tuple[str, ...] = ()


PAGING = (
    QueryParam("size", f"Page size, 1..{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).", int),
    QueryParam("startAfterId", "Id of the last entity of the previous page."),
)


@dataclass(frozen=True)
class Operation:
    """One route, as OpenAPI describes it."""

    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | str | None = None
    response: type[BaseModel] | str | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    query: tuple[QueryParam, ...] = ()
    public: bool = False
    headers: tuple[QueryParam, ...] = field(default=())
    permission: str | None = None  # None on a non-public route: any valid token


def error_body(
    summary: str,
    description: str | None = None,
    version: int | None = None,
    request_version: int | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"summary": summary}
    if description is not None:
        entry["description"] = description
    if version is not None:
        entry["version"] = version
    if request_version is not None:
        entry["requestVersion"] = request_version
    return entry


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, headers or {})


def list_response(
    name: str, items: list[dict[str, Any]], total: int | None, next_start_after_id: str | None = None
) -> Response:
    """`{name: [...], "total": N, "nextStartAfterId": id}`; `total` left out where counting would read
    without bound, `nextStartAfterId` where the listing ends."""
    body: dict[str, Any] = {name: items}
    if total is not None:
        body["total"] = total
    if next_start_after_id is not None:
        body["nextStartAfterId"] = next_start_after_id
    return json_response(body)


def errors_response(status: int, errors: list[dict[str, Any]]) -> Response:
    return json_response(errors, status)


def parse_query(raw: dict[str, str] | None, allowed: tuple[QueryParam, ...]) -> dict[str, Any]:
    """Query parameters by name; unknown names and bad values are a 400 naming the parameter."""
    known = {p.name: p for p in allowed}
    parsed: dict[str, Any] = {}
    for name, value in (raw or {}).items():
        if name not in known:
            raise InvalidRequest(f"Unknown query parameter '{name}'.", name[:100])
        body_parser.check_key_text(value, name)
        if known[name].kind is int:
            try:
                parsed[name] = int(value)
            except ValueError:
                raise InvalidRequest(f"Query parameter '{name}' must be an integer.", name) from None
        elif known[name].choices and value not in known[name].choices:
            raise InvalidRequest(f"Query parameter '{name}' must be one of {', '.join(known[name].choices)}.", name)
        else:
            parsed[name] = value
    return parsed


def page_size(query: dict[str, Any]) -> int:
    size = query.get("size", DEFAULT_PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"size must be between 1 and {MAX_PAGE_SIZE}.", "size")
    return int(size)


@dataclass(frozen=True)
class Request:
    """One API Gateway REST proxy event, as the endpoints see it (and Lambda's context object)."""

    event: dict[str, Any]
    context: Any = None

    @property
    def path_parameters(self) -> dict[str, str]:
        return self.event.get("pathParameters") or {}

    def query(self, allowed: tuple[QueryParam, ...]) -> dict[str, Any]:
        return parse_query(self.event.get("queryStringParameters"), allowed)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in (self.event.get("headers") or {}).items() if k.lower() == lowered), None)

    def body[M: BaseModel](self, model: type[M]) -> M:
        return body_parser.parse(
            self.event.get("body"), model, bool(self.event.get("isBase64Encoded")), self.header("Content-Type")
        )

    @property
    def authorizer(self) -> dict[str, Any] | None:
        """What API Gateway's authorizer passed on (None: the request was not authorized)."""
        context = (self.event.get("requestContext") or {}).get("authorizer")
        return context if isinstance(context, dict) and context.get("actor") else None

    @property
    def actor(self) -> str | None:
        return str(self.authorizer["actor"]) if self.authorizer else None

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(p for p in str((self.authorizer or {}).get("permissions", "")).split(",") if p)

    @property
    def groups(self) -> frozenset[str]:
        """The caller's groups (Cognito groups; a machine client: its client id): who may release a hold."""
        return frozenset(g for g in str((self.authorizer or {}).get("groups", "")).split(",") if g)

    def require_authenticated(self) -> None:
        """401 without credentials (what else is needed, the domain decides)."""
        if self.authorizer is None:
            raise Unauthenticated("Missing or invalid credentials.", "Authorization")

    def require(self, permission: str) -> None:
        """401 without credentials, 403 without `permission`."""
        self.require_authenticated()
        if permission not in self.permissions:
            raise Forbidden(f"This needs the permission {permission}.", "Authorization")


@dataclass(frozen=True)
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON

    def to_proxy(self) -> dict[str, Any]:
        text = self.body if isinstance(self.body, str) or self.body is None else json.dumps(self.body)
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": self.content_type, **self.headers},
            "body": text or "",
            "isBase64Encoded": False,
        }


Endpoint = Callable[..., Response]


class Api:
    """The routes of one API function: dispatch by API Gateway's (method, resource), the OpenAPI
    record of each route, and the one mapping of exceptions to the contract's error body.

    API Gateway has matched the route already (`resource` is the template's path), so dispatch is a
    dict lookup; path parameters arrive as keyword arguments, a declared body as `body`.
    """

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []
        self._endpoints: dict[tuple[str, str], tuple[Operation, Endpoint]] = {}

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | str | None = None,
        response: type[BaseModel] | str | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        query: tuple[QueryParam, ...] = (),
        headers: tuple[QueryParam, ...] = (),
        public: bool = False,
        permission: str | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        operation = Operation(
            method, path, summary, self.tag, body, response, status, errors, query, public, headers, permission
        )
        self.operations.append(operation)

        def register(endpoint: Endpoint) -> Endpoint:
            self._endpoints[(method.upper(), path)] = (operation, endpoint)
            return endpoint

        return register

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        request = Request(event, context)
        try:
            return self._dispatch(request).to_proxy()
        except body_parser.InvalidBody as error:
            logger.info("request refused", extra={"status": 400, "errors": error.errors})
            return errors_response(400, error.errors).to_proxy()
        except DomainError as error:
            version = request_version = None
            if isinstance(error, Refused):
                version, request_version = error.current_version, error.request_version
            logger.info("request refused", extra={"status": error.status_code, "summary": error.summary})
            entry = error_body(error.summary, error.description, version, request_version)
            return errors_response(error.status_code, [entry]).to_proxy()
        except Exception:
            logger.exception("unhandled error")
            return errors_response(500, [error_body("Internal error. The request may be retried.")]).to_proxy()

    def _dispatch(self, request: Request) -> Response:
        key = (str(request.event.get("httpMethod", "")).upper(), str(request.event.get("resource", "")))
        if key not in self._endpoints:
            raise NotFound("No such route.", f"{key[0]} {request.event.get('path')}")
        operation, endpoint = self._endpoints[key]
        if not operation.public:
            if request.authorizer is None:
                raise Unauthenticated("Missing or invalid credentials.", "Authorization")
            if operation.permission:
                request.require(operation.permission)
        arguments: dict[str, Any] = dict(request.path_parameters)
        for name, value in arguments.items():
            body_parser.check_key_text(value, name)
        if operation.body is not None:
            arguments["body"] = request.body(model_of(operation.body))
        return endpoint(request, **arguments)
