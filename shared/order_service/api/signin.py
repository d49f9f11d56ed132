"""Sign-in for people (the back office): user name and password against the user pool's login client.
Machine clients get their tokens from Cognito directly."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypedDict

import boto3
from aws_lambda_powertools import Logger

from order_service.core.config import settings
from order_service.core.errors import Unauthenticated

logger = Logger(child=True)


class Tokens(TypedDict):
    accessToken: str
    expiresIn: int
    tokenType: str


@lru_cache(maxsize=1)
def cognito() -> Any:
    return boto3.client("cognito-idp")


def sign_in(username: str, password: str) -> Tokens:
    """An access token for a user of the pool, or Unauthenticated (never saying which part was wrong)."""
    client = cognito()
    try:
        result = client.initiate_auth(
            ClientId=settings().login_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except (client.exceptions.NotAuthorizedException, client.exceptions.UserNotFoundException):
        logger.info("sign-in refused", extra={"username": username})
        raise Unauthenticated("Wrong user name or password.", "password") from None
    if "AuthenticationResult" not in result:
        raise Unauthenticated(f"Sign-in needs another step ({result.get('ChallengeName')}); ask an admin.", "password")
    tokens = result["AuthenticationResult"]
    logger.info("signed in", extra={"username": username})
    return {"accessToken": tokens["AccessToken"], "expiresIn": tokens["ExpiresIn"], "tokenType": "Bearer"}
