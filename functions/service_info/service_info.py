"""Public routes: GET /api/health and GET /openapi.json (the document generated from the code)."""

from importlib.resources import files
from typing import Any

from order_service.api.http import Api, Request, Response

api = Api("service")
OPENAPI_DOCUMENT = files("order_service.api").joinpath("openapi.json").read_text(encoding="utf-8")


@api.route("GET", "/api/health", summary="Liveness check", public=True)
def health(request: Request) -> Response:
    return Response(200, {"status": "UP"})


@api.route("GET", "/openapi.json", summary="This API's OpenAPI document", public=True)
def openapi(request: Request) -> Response:
    return Response(200, OPENAPI_DOCUMENT, {"Cache-Control": "max-age=300"})


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
