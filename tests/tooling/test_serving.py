"""The local stack's servers keep HTTP/1.1 connections alive (local_stack/serving.py): several requests
on one connection, each answered whole, whatever the previous one left unread."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local_stack.serving import KeepAliveHandler


def app(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    if request.path == "/ignore-body":  # answers without reading what was sent
        response = Response("ignored", 200)
    elif request.path == "/fail":
        raise RuntimeError("a bug in the application")
    else:
        body = request.get_data()
        response = Response(f"{request.method} {request.path} {len(body)} {environ['REMOTE_PORT']}", 200)
    return response(environ, start_response)


@pytest.fixture
def server() -> Iterator[int]:
    served = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler)
    threading.Thread(target=served.serve_forever, daemon=True).start()
    yield served.server_port
    served.shutdown()
    served.server_close()


def test_one_connection_serves_request_after_request(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    answers = []
    for n in range(3):
        connection.request("POST", f"/echo/{n}", body=b"x" * (n * 1000))
        response = connection.getresponse()
        answers.append(response.read().decode().split())
        assert response.status == 200 and not response.will_close
    assert [a[:3] for a in answers] == [["POST", f"/echo/{n}", str(n * 1000)] for n in range(3)]
    assert len({a[3] for a in answers}) == 1  # the same client port: one connection
    connection.close()


def test_a_body_the_application_did_not_read_does_not_spill_into_the_next_request(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    connection.request("POST", "/ignore-body", body=b"GET /smuggled HTTP/1.1\r\n\r\n" + b"y" * 70_000)
    assert connection.getresponse().read() == b"ignored"
    connection.request("GET", "/next")
    response = connection.getresponse()
    assert response.status == 200 and response.read().decode().startswith("GET /next 0 ")


def test_a_chunked_body_is_read_to_its_end(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    connection.request("POST", "/chunked", body=iter([b"abc", b"defg"]), encode_chunked=True)
    assert connection.getresponse().read().decode().startswith("POST /chunked 7 ")
    connection.request("POST", "/ignore-body", body=iter([b"abc"] * 5), encode_chunked=True)
    assert connection.getresponse().read() == b"ignored"
    connection.request("GET", "/after")
    assert connection.getresponse().read().decode().startswith("GET /after 0 ")


def test_a_client_that_asks_to_close_gets_its_connection_closed(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    connection.request("GET", "/bye", headers={"Connection": "close"})
    response = connection.getresponse()
    assert response.read().startswith(b"GET /bye") and response.will_close


def test_an_application_error_is_a_500_and_the_connection_closes(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    connection.request("GET", "/fail")
    response = connection.getresponse()
    assert response.status == 500 and response.will_close
    response.read()
