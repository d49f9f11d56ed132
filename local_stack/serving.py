"""HTTP/1.1 with kept-alive connections for the local stack's servers (the gateway, the inbox, moto).

werkzeug's development server closes every connection after one answer (it sends `Connection: close`,
as http.server cannot drain an unread request body before the next request line). So every request to
it paid a TCP connect and a new server thread: measured on a create over HTTP (one API request, two
moto calls), 3 connects and 3 thread starts. Here the request body is read through a bounded stream
that is drained after the answer, the answer is sent whole with its Content-Length, and the
connection then waits for the client's next request on the same thread."""

from __future__ import annotations

import io
import logging
import socket
from typing import Any

from werkzeug.serving import DechunkedInput, WSGIRequestHandler

log = logging.getLogger("local_stack.serving")


class _Body(io.RawIOBase):
    """The request body: at most Content-Length bytes of the connection, never the next request's."""

    def __init__(self, rfile: Any, length: int) -> None:
        self._rfile = rfile
        self.left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            return 0
        data = self._rfile.read(min(len(buffer), self.left))
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        while self.left > 0 and self.read(min(self.left, 1 << 20)):
            pass


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's WSGI handler (its environ, its logging) with HTTP/1.1 kept-alive connections: the
    connection stays open unless the client asks to close it (or speaks HTTP/1.0)."""

    protocol_version = "HTTP/1.1"
    # an idle kept-alive connection is closed after this many seconds (werkzeug treats the socket timeout
    # as a dropped connection), so idle clients do not each hold a thread for ever
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # the answer goes out in one send; NODELAY so that it is not held back waiting for an ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if not isinstance(environ["wsgi.input"], DechunkedInput):  # chunked: ends at its last chunk
            length = environ.get("CONTENT_LENGTH") or "0"
            environ["wsgi.input"] = _Body(self.rfile, int(length) if length.isdigit() else 0)
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=headers)
            return lambda data: answer.setdefault("written", []).append(data)

        try:
            chunks = self.server.app(environ, start_response)
            try:
                body = b"".join([*answer.get("written", []), *chunks])
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except (ConnectionError, TimeoutError) as error:
            self.connection_dropped(error, environ)
            self.close_connection = True
            return
        except Exception:
            log.exception("error on request %s %s", self.command, self.path)
            answer = {"status": "500 Internal Server Error", "headers": [("Content-Type", "text/plain")]}
            body = b"Internal Server Error"
            self.close_connection = True
        self._drain(environ["wsgi.input"])
        code, _, reason = answer["status"].partition(" ")
        lines = [f"{self.protocol_version} {code} {reason}"]
        names = set()
        for name, value in answer["headers"]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                lines.append(f"{name}: {value}")
                names.add(name.lower())
        if "server" not in names:
            lines.append(f"Server: {self.version_string()}")
        lines.append(f"Date: {self.date_time_string()}")
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)
        self.wfile.flush()
        self.log_request(code, len(body))

    def _drain(self, stream: Any) -> None:
        """What the application did not read of the body, so that the next request starts clean."""
        try:
            if isinstance(stream, _Body):
                stream.drain()
            else:
                while stream.read(1 << 20):
                    pass
        except (OSError, ValueError):
            self.close_connection = True
