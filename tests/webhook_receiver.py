"""A real HTTP receiver on 127.0.0.1 for webhook tests, scripted per test (status codes, delays)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = []  # status codes to answer, in order; then `default`
        self.default = 200
        self.delay = 0.0
        self.url = ""

    def answer(self) -> int:
        return self.script.pop(0) if self.script else self.default

    def delivered(self, event: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["status"] < 300 and (event is None or r["body"]["event"] == event)]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived = time.monotonic()
            time.sleep(receiver.delay)
            status = receiver.answer()
            receiver.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "raw": raw,
                    "body": json.loads(raw),
                    "status": status,
                    "arrivedAt": arrived,  # time.monotonic() when the request was read, before any delay
                }
            )
            try:
                self.send_response(status)
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def allow_local(monkeypatch: Any, *ports: int) -> None:
    """The local-development exception (LOCAL_WEBHOOK_PORTS) for these test receivers' ports only."""
    from order_service.core.config import settings

    monkeypatch.setenv("LOCAL_WEBHOOK_PORTS", ",".join(str(p) for p in ports))
    settings.cache_clear()


def port_of(url: str) -> int:
    from urllib.parse import urlsplit

    return int(urlsplit(url).port or 0)


@contextmanager
def allowed_receiver(monkeypatch: Any) -> Iterator[Receiver]:
    """A running receiver that subscriptions may call back (the local-development exception for its
    port only); the settings are read afresh afterwards."""
    from order_service.core.config import settings

    with running_receiver() as running:
        allow_local(monkeypatch, port_of(running.url))
        yield running
    settings.cache_clear()
