"""The time-triggered reroute configuration: GET and PUT /api/configurations/reroute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import Api, Request, Response, json_response
from order_service.configurations import store as configurations
from order_service.core.clock import now_iso

if TYPE_CHECKING:
    from order_service.configurations.models import RerouteConfigurationForUpdate

MODELS = "order_service.configurations.models"  # loaded by the first request that needs them
logger = Logger()
api = Api("configurations")


@api.route(
    "GET",
    "/api/configurations/reroute",
    summary="The time-triggered reroute configuration",
    response=f"{MODELS}:RerouteConfiguration",
)
def get_reroute(request: Request) -> Response:
    return json_response(configurations.get_reroute())


@api.route(
    "PUT",
    "/api/configurations/reroute",
    summary="Replace the time-triggered reroute configuration",
    permission="CONFIG_WRITE",
    body=f"{MODELS}:RerouteConfigurationForUpdate",
    response=f"{MODELS}:RerouteConfiguration",
    errors=(400, 409, 413),
)
def put_reroute(request: Request, body: RerouteConfigurationForUpdate) -> Response:
    stored = configurations.put_reroute(body, now_iso())
    logger.info("reroute configuration changed", extra={"configuration": stored})
    return json_response(stored)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
