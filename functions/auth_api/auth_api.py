"""Sign-in for people (the back office): user name and password against the user pool, answered with
an access token; and who-am-I for a token. Machine clients get their tokens from Cognito directly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api import signin
from order_service.api.http import Api, Request, Response, json_response

if TYPE_CHECKING:
    from order_service.api.auth_models import Login

MODELS = "order_service.api.auth_models"  # loaded by the first request that needs them
logger = Logger()
api = Api("auth")


@api.route(
    "POST",
    "/api/auth/login",
    summary="Sign in with user name and password (the back office)",
    body=f"{MODELS}:Login",
    response=f"{MODELS}:Tokens",
    errors=(400, 401),
    public=True,
)
def login(request: Request, body: Login) -> Response:
    return json_response(signin.sign_in(body.username, body.password))


@api.route("GET", "/api/auth/me", summary="Who the token is, what it may do, and its groups", response=f"{MODELS}:Me")
def me(request: Request) -> Response:
    # the groups decide who may release which hold type: the back office greys out what would be a 403
    return json_response(
        {"actor": request.actor, "permissions": sorted(request.permissions), "groups": sorted(request.groups)}
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
