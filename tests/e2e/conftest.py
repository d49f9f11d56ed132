"""Starts `python -m local_stack` (what `make run` runs) on free ports, for tests over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local_stack import template


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningStack:
    process: subprocess.Popen
    api: str
    inbox: str
    ports: tuple[int, ...]

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def inbox_items(self, event: str | None = None) -> list[dict]:
        query = f"?event={event}" if event else ""
        with urllib.request.urlopen(f"{self.inbox}/inbox{query}", timeout=5) as response:
            return json.loads(response.read())


def start_stack() -> RunningStack:
    ports = (free_port(), free_port(), free_port())
    env = dict(
        os.environ,
        LOCAL_API_PORT=str(ports[0]),
        LOCAL_INBOX_PORT=str(ports[1]),
        LOCAL_MOTO_PORT=str(ports[2]),
        LOCAL_POLL_INTERVAL="0.1",
        PYTHONPATH=os.pathsep.join([str(template.ROOT / "shared"), str(template.ROOT)]),
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack"],
        cwd=template.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    output: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError("local stack exited:\n" + "".join(output))
        output.append(line)
        if line.startswith("ready:"):
            break
    else:
        process.kill()
        raise AssertionError("local stack did not become ready:\n" + "".join(output))
    return RunningStack(process, f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", ports)


def stop_stack(stack: RunningStack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=20)
    finally:
        if stack.process.poll() is None:
            stack.process.kill()


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    running = start_stack()
    yield running
    stop_stack(running)


def eventually(check: Any, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Polls `check` until it returns something truthy (the stack works asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
