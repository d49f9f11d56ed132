"""Sign-in for people (the back office): user name and password against the user pool, answered with
an access token; and who-am-I for a token. Machine clients get their tokens from Cognito directly."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ConfigDict, Field

from order_service.api import signin
from order_service.api.http import Api, Request, Response, json_response

logger = Logger()
api = Api("auth")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class Tokens(BaseModel):
    model_config = ConfigDict(defer_build=True)
    accessToken: str
    expiresIn: int
    tokenType: str


class Me(BaseModel):
    model_config = ConfigDict(defer_build=True)
    actor: str
    permissions: list[str]


@api.route(
    "POST",
    "/api/auth/login",
    summary="Sign in with user name and password (the back office)",
    body=Login,
    response=Tokens,
    errors=(400, 401),
    public=True,
)
def login(request: Request, body: Login) -> Response:
    return json_response(signin.sign_in(body.username, body.password))


@api.route("GET", "/api/auth/me", summary="Who the token is, and what it may do", response=Me)
def me(request: Request) -> Response:
    return json_response({"actor": request.actor, "permissions": sorted(request.permissions)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
