"""Configurations: the time-triggered reroute (GET and PUT /api/configurations/reroute), the hold types
(GET and PUT /api/configurations/holds) and the auto-lock rules (GET and PUT /api/configurations/lockrules,
the dry run POST /api/configurations/lockrules/actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import Api, Request, Response, json_response
from order_service.configurations import store as configurations
from order_service.core.clock import now_iso
from order_service.holds import store as hold_store
from order_service.holds.rules import DEFAULT
from order_service.lockrules import service as lockrules
from order_service.lockrules import store as lockrules_store

if TYPE_CHECKING:
    from order_service.configurations.models import RerouteConfigurationForUpdate
    from order_service.holds.models import HoldTypesForUpdate
    from order_service.lockrules.models import LockRulesConfigurationForUpdate, LockRulesTest

MODELS = "order_service.configurations.models"  # loaded by the first request that needs them
HOLD_MODELS = "order_service.holds.models"
LOCKRULES_MODELS = "order_service.lockrules.models"
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


@api.route(
    "GET",
    "/api/configurations/holds",
    summary="The hold types (DEFAULT always among them)",
    response=f"{HOLD_MODELS}:HoldTypesConfiguration",
)
def get_hold_types(request: Request) -> Response:
    return json_response(hold_store.get_configuration())


@api.route(
    "GET",
    "/api/configurations/lockrules",
    summary="The auto-lock rules",
    permission="CONFIG_WRITE",
    response=f"{LOCKRULES_MODELS}:LockRulesConfiguration",
)
def get_lockrules(request: Request) -> Response:
    return json_response(lockrules_store.get_lockrules())


@api.route(
    "PUT",
    "/api/configurations/holds",
    summary="Replace the hold types: who releases each, approvals, expiry, warning",
    permission="CONFIG_WRITE",
    body=f"{HOLD_MODELS}:HoldTypesForUpdate",
    response=f"{HOLD_MODELS}:HoldTypesConfiguration",
    errors=(400, 409, 413),
)
def put_hold_types(request: Request, body: HoldTypesForUpdate) -> Response:
    types = [t.model_dump(exclude_none=True) for t in body.types if t.key != DEFAULT]  # built in, not stored
    stored = hold_store.put_configuration(types, body.version, now_iso())
    logger.info("hold types changed", extra={"types": [t["key"] for t in types], "version": stored["version"]})
    return json_response(stored)


@api.route(
    "PUT",
    "/api/configurations/lockrules",
    summary="Replace the auto-lock rules",
    permission="CONFIG_WRITE",
    body=f"{LOCKRULES_MODELS}:LockRulesConfigurationForUpdate",
    response=f"{LOCKRULES_MODELS}:LockRulesConfiguration",
    errors=(400, 409, 413),
)
def put_lockrules(request: Request, body: LockRulesConfigurationForUpdate) -> Response:
    stored = lockrules.put_rules(body, now_iso())
    logger.info(
        "lock rules changed", extra={"version": stored["version"], "rules": [r["key"] for r in stored["rules"]]}
    )
    return json_response(stored)


@api.route(
    "POST",
    "/api/configurations/lockrules/actions",
    summary="Dry run: the rules that would hold an order and the holds they would place (nothing written)",
    permission="CONFIG_WRITE",
    body=f"{LOCKRULES_MODELS}:LockRulesTest",
    response=f"{LOCKRULES_MODELS}:LockRulesTestResult",
    errors=(400, 413),
)
def dry_run_lockrules(request: Request, body: LockRulesTest) -> Response:
    order_request = body.order.model_dump(mode="json", exclude_unset=True, exclude_none=True)  # as the create
    return json_response(lockrules.dry_run(order_request))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
