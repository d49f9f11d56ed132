"""A webhook receiver on loopback for local mode: keeps every POST it gets and shows them. It can also
play a misbehaving receiver, for people testing how their integration copes:

POST /hooks/<name>            store the request (headers and JSON body); answers 204
POST /hooks/slow?seconds=N    store it, wait N seconds (at most 120), then answer 200
POST /hooks/status/<code>     store it and answer that status (200-599), e.g. /hooks/status/503
GET  /inbox                   everything received, newest last, as JSON (?event=ORDER_UNLOCKED filters)
GET  /                        the same as a page

A request is stored when it arrives (`receivedAt`), before any wait, with the path and query it came to.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

MAX_SLOW_SECONDS = 120.0


class Inbox:
    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []

    def received(self, event: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._received if event is None or _event_of(r) == event]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "POST" and request.path.startswith("/hooks/"):
            answer = _misbehaviour(request)
            if answer is None:
                return Response("unknown misbehaviour (see local_stack/inbox.py)", 400)(environ, start_response)
            self._keep(request)
            status, wait = answer
            if wait:
                time.sleep(wait)
            return Response(status=status)(environ, start_response)
        if request.method == "GET" and request.path == "/inbox":
            items = self.received(request.args.get("event"))
            return Response(json.dumps(items), content_type="application/json")(environ, start_response)
        if request.method == "GET" and request.path == "/":
            return Response(self.page(), content_type="text/html; charset=utf-8")(environ, start_response)
        return Response("not found", 404)(environ, start_response)

    def _keep(self, request: Request) -> None:
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            body = request.get_data(as_text=True)
        query = request.query_string.decode()
        entry = {
            "path": request.path + (f"?{query}" if query else ""),
            "receivedAt": time.time(),
            "headers": dict(request.headers),
            "body": body,
        }
        with self._lock:
            self._received.append(entry)
            del self._received[: -self.limit]

    def page(self) -> str:
        rows = "".join(
            f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(r['receivedAt']))}</td>"
            f"<td>{html.escape(r['path'])}</td><td>{html.escape(str(_event_of(r) or ''))}</td>"
            f"<td><code>{html.escape(json.dumps(r['body'])[:300])}</code></td></tr>"
            for r in reversed(self.received())
        )
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Webhook inbox</title>"
            "<meta http-equiv=refresh content=3><style>body{font-family:system-ui;margin:2rem}"
            "td{border-bottom:1px solid #ddd;padding:.3rem .6rem;vertical-align:top}</style></head>"
            f"<body><h1>Webhook inbox</h1><p>{len(self.received())} received (refreshes every 3 s)</p>"
            f"<table><tr><th>time</th><th>path</th><th>event</th><th>envelope</th></tr>{rows}</table></body></html>"
        )


def _misbehaviour(request: Request) -> tuple[int, float] | None:
    """(status to answer, seconds to wait first) for a /hooks/ path; None for a malformed one."""
    if request.path == "/hooks/slow":
        try:
            seconds = float(request.args.get("seconds", "10"))
        except ValueError:
            return None
        return (200, min(max(seconds, 0.0), MAX_SLOW_SECONDS)) if seconds == seconds else None  # not NaN
    if request.path.startswith("/hooks/status/"):
        status = re.fullmatch(r"/hooks/status/([2-5]\d\d)", request.path)
        return (int(status.group(1)), 0.0) if status else None
    return 204, 0.0


def _event_of(entry: dict[str, Any]) -> Any:
    body = entry.get("body")
    return body.get("event") if isinstance(body, dict) else None
