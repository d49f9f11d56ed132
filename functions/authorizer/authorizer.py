"""API Gateway TOKEN authorizer: a valid access token may call any route of the API (the answer is
cached for 5 minutes across routes); the route's handler checks the permission it needs, from the
`permissions` this passes on in the request context."""

from typing import Any

from aws_lambda_powertools import Logger

from order_service.api import auth

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        principal = auth.verify(auth.bearer(event.get("authorizationToken")))
    except auth.Unauthorized as refused:
        logger.info("token refused", extra={"reason": str(refused)})
        raise Exception("Unauthorized") from None  # API Gateway's contract for a 401
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> every method and path of the stage
    api_arn, stage = event["methodArn"].split("/")[:2]
    return {
        "principalId": principal.actor,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api_arn}/{stage}/*"}],
        },
        "context": principal.context(),
    }
