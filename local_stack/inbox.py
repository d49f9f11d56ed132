"""A webhook receiver on loopback for local mode: keeps every POST it gets and shows them.

POST /hooks/<name>   store the request (headers and JSON body); answers 204
GET  /inbox          everything received, newest last, as JSON (?event=ORDER_UNLOCKED filters)
GET  /               the same as a page
"""

from __future__ import annotations

import html
import json
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response


class Inbox:
    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []

    def received(self, event: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._received if event is None or (r.get("body") or {}).get("event") == event]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "POST" and request.path.startswith("/hooks/"):
            try:
                body = json.loads(request.get_data(as_text=True) or "null")
            except ValueError:
                body = request.get_data(as_text=True)
            entry = {"path": request.path, "receivedAt": time.time(), "headers": dict(request.headers), "body": body}
            with self._lock:
                self._received.append(entry)
                del self._received[: -self.limit]
            return Response(status=204)(environ, start_response)
        if request.method == "GET" and request.path == "/inbox":
            items = self.received(request.args.get("event"))
            return Response(json.dumps(items), content_type="application/json")(environ, start_response)
        if request.method == "GET" and request.path == "/":
            return Response(self.page(), content_type="text/html; charset=utf-8")(environ, start_response)
        return Response("not found", 404)(environ, start_response)

    def page(self) -> str:
        rows = "".join(
            f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(r['receivedAt']))}</td>"
            f"<td>{html.escape(str((r['body'] or {}).get('event', '')))}</td>"
            f"<td><code>{html.escape(json.dumps(r['body'])[:300])}</code></td></tr>"
            for r in reversed(self.received())
        )
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Webhook inbox</title>"
            "<meta http-equiv=refresh content=3><style>body{font-family:system-ui;margin:2rem}"
            "td{border-bottom:1px solid #ddd;padding:.3rem .6rem;vertical-align:top}</style></head>"
            f"<body><h1>Webhook inbox</h1><p>{len(self.received())} received (refreshes every 3 s)</p>"
            f"<table><tr><th>time</th><th>event</th><th>envelope</th></tr>{rows}</table></body></html>"
        )
