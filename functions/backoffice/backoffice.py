"""The back office: one page (HTML, CSS, JS from static/, no build step) that uses the public API.

The page itself carries no data; every order it shows comes from API calls made with the user's token.
"""

from pathlib import Path
from typing import Any

from order_service.api.http import Api, Request, Response
from order_service.core.errors import NotFound

api = Api("backoffice")
STATIC = Path(__file__).parent / "static"
ASSETS = {
    "app.js": ("text/javascript; charset=utf-8", (STATIC / "app.js").read_text(encoding="utf-8")),
    "app.css": ("text/css; charset=utf-8", (STATIC / "app.css").read_text(encoding="utf-8")),
    "health.js": ("text/javascript; charset=utf-8", (STATIC / "health.js").read_text(encoding="utf-8")),
    "health.css": ("text/css; charset=utf-8", (STATIC / "health.css").read_text(encoding="utf-8")),
}
PAGE = (STATIC / "index.html").read_text(encoding="utf-8")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@api.route("GET", "/backoffice", summary="The back office page (review and unlock held orders)", public=True)
def page(request: Request) -> Response:
    return Response(200, PAGE, {**SECURITY_HEADERS, "Cache-Control": "no-cache"}, "text/html; charset=utf-8")


@api.route("GET", "/backoffice/{asset}", summary="The back office's script and style sheet", public=True, errors=(404,))
def asset(request: Request, asset: str) -> Response:
    if asset not in ASSETS:
        raise NotFound("No such file.", "asset")
    content_type, text = ASSETS[asset]
    return Response(200, text, {**SECURITY_HEADERS, "Cache-Control": "max-age=300"}, content_type)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
