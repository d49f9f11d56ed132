"""API Gateway REST proxy events (what the local gateway and the tests hand to the handlers)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from local_stack import template


def path_parameters(template_path: str, path: str) -> dict[str, str] | None:
    """The {name} values of `path` under `template_path`, or None when it does not match."""
    pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template_path)) + "$"
    match = re.match(pattern, path)
    return match.groupdict() if match else None


def rest_event(
    method: str,
    resource: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    authorizer: dict[str, Any] | None = None,
    stage: str = "v1",
) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    headers = {"Content-Type": "application/json", **(headers or {})}
    now = time.time()
    context: dict[str, Any] = {
        "accountId": template.ACCOUNT,
        "apiId": "local",
        "domainName": "127.0.0.1",
        "httpMethod": method,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "resourceId": "local",
        "resourcePath": resource,
        "stage": stage,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters(resource, path) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


class LambdaContext:
    """Enough of Lambda's context object for Powertools (function name, request id, time left)."""

    def __init__(self, function_name: str, timeout_s: float = 10.0, memory_mb: int = 512) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{template.REGION}:{template.ACCOUNT}:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def response_headers(response: dict[str, Any]) -> dict[str, str]:
    """A proxy response's headers, single- and multi-value ones merged (Powertools uses the latter)."""
    headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(values)
    return headers
