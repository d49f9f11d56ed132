"""Starts `python -m local_stack` (what `make run` runs) on free ports, for tests over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack.process import RunningStack, start, stop


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    running = start()
    yield running
    stop(running)


def eventually(check: Any, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Polls `check` until it returns something truthy (the stack works asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
