"""How the local stack runs a function: one place for every invocation (API, streams, queues, schedules),
so that each is counted, and so that the pollers learn at once that something may have been written."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from local_stack import template
from local_stack.apigw import LambdaContext


class Doorbell:
    """Rung after every invocation (any function may write to a table or a queue); a poller waits on it
    instead of polling on a fixed short interval. One waiter: the stream poller."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rung = False

    def ring(self) -> None:
        with self._condition:
            self._rung = True
            self._condition.notify_all()

    def wait(self, timeout: float) -> bool:
        """True when rung since the last wait (at once if it was), False after `timeout` seconds."""
        with self._condition:
            if not self._rung:
                self._condition.wait(timeout)
            rung, self._rung = self._rung, False
            return rung


class Runtime:
    """Runs the template's functions in this process, each as one instance (one invocation at a time)."""

    def __init__(self, doorbell: Doorbell | None = None) -> None:
        self.doorbell = doorbell or Doorbell()
        self._instances: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def invoke(self, function: template.Function, event: dict[str, Any]) -> Any:
        try:
            with self._instances[function.logical_id]:
                return template.handler(function)(event, LambdaContext(function.logical_id))
        finally:
            self.doorbell.ring()
