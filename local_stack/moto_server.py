"""moto in its own process (`python -m local_stack.moto_server HOST PORT`), so that it has a core and
an interpreter lock of its own: the stack's handlers and pollers no longer wait for moto's Python, nor
moto for theirs. The stack starts it with a pipe on stdin; when the pipe closes (the stack stopped,
crashed or was killed with -9) this process ends too, so no orphan keeps the port."""

from __future__ import annotations

import logging
import os
import signal
import sys

from werkzeug.serving import make_server


def main(host: str, port: int) -> None:
    # Ctrl-C in a terminal signals the whole process group: the stack stops first (it may still save
    # LOCAL_STATE_DIR from moto), then closes the pipe, and that ends this process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    from local_stack.serving import KeepAliveHandler

    class KeepAlive(KeepAliveHandler, MotoRequestHandler):
        """moto's request handling (headers with underscores kept) on kept-alive HTTP/1.1 connections, as
        boto3 keeps its connections: no TCP connect and no new server thread per request."""

    from local_stack.moto_patches import (
        cached_dispatch_lookups,
        cached_jsonpaths,
        cheaper_item_size_check,
        cheaper_sqs_receives,
        eventbridge_retries_and_dead_letters,
        fast_dynamodb_answers,
        remembered_backends,
        serialise_dynamodb_requests,
    )

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    serialise_dynamodb_requests()
    fast_dynamodb_answers()
    eventbridge_retries_and_dead_letters()
    remembered_backends()
    cached_jsonpaths()
    cached_dispatch_lookups()
    cheaper_item_size_check()
    cheaper_sqs_receives()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, app, threaded=True, request_handler=KeepAlive)
    import threading

    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()  # returns at EOF: the stack closed the pipe or is gone
    os._exit(0)  # at once: the port is free the moment the stack is gone (nothing to save: moto is memory)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
