"""The local API gateway: exactly the routes template.yaml declares, each request turned into an
API Gateway REST proxy event for the same handler function, and its result back into HTTP."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from local_stack import template
from local_stack.apigw import path_parameters, response_headers, rest_event
from local_stack.runtime import Runtime

log = logging.getLogger("local_stack.gateway")

MAX_BODY = 10 * 1024 * 1024  # API Gateway's own limit; the handlers enforce the contract's 1 MiB


class Gateway:
    def __init__(self, runtime: Runtime | None = None) -> None:
        # static paths before parameterised ones, as API Gateway matches them
        self.routes = sorted(template.api_routes(), key=lambda r: (r.path.count("{"), r.path))
        self.runtime = runtime or Runtime()
        self.authorizer = template.authorizer()
        # API Gateway caches a policy per token for ReauthorizeEvery seconds: the authorizer runs once
        self.cache_seconds = template.authorizer_cache_seconds()
        self._policies: dict[str, tuple[float, dict[str, Any]]] = {}

    def authorize(self, header: str | None, route: template.ApiRoute) -> dict[str, Any] | Response:
        """As API Gateway does with a TOKEN authorizer: no header or "Unauthorized" -> 401 (the
        template's GatewayResponses body), Deny -> 403, Allow -> the context handed to the route."""
        assert self.authorizer is not None
        if not header:
            return _error(401, "Missing or invalid credentials.")
        method_arn = f"arn:aws:execute-api:{template.REGION}:{template.ACCOUNT}:local/v1/{route.method}{route.path}"
        cached = self._policies.get(header)
        if cached and cached[0] > time.monotonic():
            policy = cached[1]
        else:
            try:
                policy = self.runtime.invoke_foreground(
                    self.authorizer, {"type": "TOKEN", "authorizationToken": header, "methodArn": method_arn}
                )
            except Exception:  # "Unauthorized" (or a fault): 401, and nothing is cached
                return _error(401, "Missing or invalid credentials.")
            if self.cache_seconds > 0:
                if len(self._policies) > 10_000:
                    self._policies.clear()
                self._policies[header] = (time.monotonic() + self.cache_seconds, policy)
        if not any(s["Effect"] == "Allow" for s in policy["policyDocument"]["Statement"]):
            return _error(403, "These credentials may not call this route.")
        return {**policy.get("context", {}), "principalId": policy["principalId"]}

    def match(self, method: str, path: str) -> template.ApiRoute | None:
        for route in self.routes:
            if route.method == method and path_parameters(route.path, path) is not None:
                return route
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        route = self.match(request.method, request.path)
        if route is None:
            known = any(path_parameters(r.path, request.path) is not None for r in self.routes)
            status, summary = (405, "Method not allowed.") if known else (404, "No such route.")
            body = [{"summary": summary, "description": f"{request.method} {request.path}"}]
            return Response(json.dumps(body), status, content_type="application/json")
        if (request.content_length or 0) > MAX_BODY:
            return Response(json.dumps([{"summary": "Request too large."}]), 413, content_type="application/json")
        raw = request.get_data(as_text=True)
        headers = {key: value for key, value in request.headers.items()}
        context = None
        if not route.public and self.authorizer is not None:
            authorized = self.authorize(request.headers.get("Authorization"), route)
            if isinstance(authorized, Response):
                return authorized
            context = authorized
        event = rest_event(
            request.method,
            route.path,
            request.path,
            query=dict(request.args) or None,
            headers=headers,
            body=raw if raw else None,
            authorizer=context,
        )
        try:
            result = self.runtime.invoke_foreground(route.function, event)
        except Exception:  # a function error or timeout: API Gateway answers 502 with its DEFAULT_5XX body
            log.exception("%s failed on %s %s", route.function.logical_id, request.method, request.path)
            return Response(template.gateway_response("DEFAULT_5XX"), 502, content_type="application/json")
        return Response(result.get("body") or "", result["statusCode"], headers=response_headers(result))


def _error(status: int, summary: str) -> Response:
    body = [{"summary": summary, "description": "Authorization"}]
    return Response(json.dumps(body), status, content_type="application/json")
