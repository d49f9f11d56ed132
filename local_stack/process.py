"""Starting and stopping `python -m local_stack` as a child process on free ports (tests, bench)."""

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack import template


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    api: str
    inbox: str
    moto: str
    ports: tuple[int, ...]
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user: str = "admin") -> str:
        """An access token of a demo user (local_stack.stack.DEMO_USERS), cached per user."""
        from local_stack.stack import DEMO_USERS, login

        if user not in self.tokens:
            self.tokens[user] = login(self.api, user, DEMO_USERS[user][1])
        return self.tokens[user]

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        user: str | None = "admin",
    ) -> tuple[int, Any]:
        """A request as `user` (None: without a token)."""
        data = json.dumps(body).encode() if body is not None else None
        auth = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **auth, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read())

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the stack's process and its children's (Linux /proc)."""
        return _cpu_seconds(self.process.pid)

    def inbox_items(self, event: str | None = None) -> list[dict[str, Any]]:
        query = f"?event={event}" if event else ""
        with urllib.request.urlopen(f"{self.inbox}/inbox{query}", timeout=5) as response:
            return list(json.loads(response.read()))


def start(
    extra_env: dict[str, str] | None = None, timeout: float = 60, ports: tuple[int, int, int] | None = None
) -> RunningStack:
    """`python -m local_stack` on `ports` (api, inbox, moto), free ones unless given."""
    ports = ports or (free_port(), free_port(), free_port())
    env = dict(
        os.environ,
        LOCAL_API_PORT=str(ports[0]),
        LOCAL_INBOX_PORT=str(ports[1]),
        LOCAL_MOTO_PORT=str(ports[2]),
        PYTHONPATH=os.pathsep.join([str(template.ROOT / "shared"), str(template.ROOT)]),
        **(extra_env or {}),
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
        start_new_session=True,  # its own process group, as a job in a terminal
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    output: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError("local stack exited:\n" + "".join(output))
        output.append(line)
        if line.startswith("ready:"):
            break
    else:
        process.kill()
        raise RuntimeError("local stack did not become ready:\n" + "".join(output))
    return RunningStack(
        process, f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", f"http://127.0.0.1:{ports[2]}", ports
    )


def stop(stack: RunningStack) -> int:
    """As Ctrl-C in a terminal: SIGINT to the stack's whole process group (its moto child included)."""
    os.killpg(stack.process.pid, signal.SIGINT)
    try:
        return stack.process.wait(timeout=20)
    finally:
        if stack.process.poll() is None:
            stack.process.kill()


def _decode(raw: bytes) -> Any:
    """JSON bodies parsed; anything else (the back office's HTML) as text."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    children: list[int] = []
    for task in tasks:  # threads come and go meanwhile: one that ended has no children to count
        try:
            children.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    own = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return own + sum(_cpu_seconds(child) for child in children)
