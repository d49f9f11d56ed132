"""How the local stack runs a function: one place for every invocation (API, streams, queues, schedules),
so that each is counted, and so that the pollers learn at once that something may have been written."""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from typing import Any

from local_stack import template
from local_stack.apigw import LambdaContext

log = logging.getLogger("local_stack.runtime")


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


DEFAULT_CONCURRENCY = 10
"""Instances per function when the template sets no ReservedConcurrentExecutions. An account's
unreserved pool (1,000) would be no limit at all on one machine; 10 keeps a burst concurrent
without letting one function take every thread of the stack."""


class FunctionTimedOut(Exception):
    """The function ran longer than its Timeout: Lambda stops it and reports the invocation as failed."""

    def __init__(self, function: template.Function, seconds: float) -> None:
        super().__init__(f"{function.logical_id}: Task timed out after {seconds:.2f} seconds")


class Runtime:
    """Runs the template's functions in this process as Lambda would run them:

    - up to `ReservedConcurrentExecutions` (else DEFAULT_CONCURRENCY) invocations of a function at once,
      each on its own thread (an "instance"); more wait for a free instance (Lambda would throttle);
    - each stopped after the function's Timeout (the function's own, else Globals'): the caller gets
      FunctionTimedOut; the thread is interrupted with an exception at its next Python instruction.
    """

    def __init__(self, doorbell: Doorbell | None = None, background_delay: float = 0.0) -> None:
        """`background_delay`: how long an invocation from a poller may wait for the API to fall quiet."""
        self.doorbell = doorbell or Doorbell()
        self.background_delay = background_delay
        self._instances: dict[str, threading.BoundedSemaphore] = {}
        self._guard = threading.Lock()
        self._quiet = threading.Condition()
        self._foreground = 0
        self._foreground_ended = 0.0

    def concurrency(self, function: template.Function) -> int:
        """ReservedConcurrentExecutions, else DEFAULT_CONCURRENCY - and never fewer than an SQS event
        source's ScalingConfig.MaximumConcurrency, which Lambda would scale the function to."""
        scaling = [
            int((props.get("ScalingConfig") or {}).get("MaximumConcurrency", 0))
            for props in function.events("SQS").values()
        ]
        return function.reserved_concurrency or max([DEFAULT_CONCURRENCY, *scaling])

    def timeout(self, function: template.Function) -> float:
        return function.timeout_seconds

    def handler_for(self, function: template.Function) -> Any:
        return template.handler(function)

    def _slots(self, function: template.Function) -> threading.BoundedSemaphore:
        with self._guard:
            if function.logical_id not in self._instances:
                self._instances[function.logical_id] = threading.BoundedSemaphore(self.concurrency(function))
            return self._instances[function.logical_id]

    def invoke(self, function: template.Function, event: dict[str, Any]) -> Any:
        """The handler's result; its exception re-raised; FunctionTimedOut after the function's Timeout."""
        try:
            with self._slots(function):
                return self._run(function, event)
        finally:
            self.doorbell.ring()

    def invoke_foreground(self, function: template.Function, event: dict[str, Any]) -> Any:
        """An invocation someone waits for (the API): pollers' invocations give way to it (see below)."""
        with self._quiet:
            self._foreground += 1
        try:
            return self.invoke(function, event)
        finally:
            with self._quiet:
                self._foreground -= 1
                self._foreground_ended = time.monotonic()
                self._quiet.notify_all()

    def invoke_background(self, function: template.Function, event: dict[str, Any]) -> Any:
        """An invocation from a poller. On AWS the streams and queues are consumed on other machines than
        the API's; here they share moto and two cores, and a stream of API requests would wait behind
        the work each one causes. So a poller's invocation first waits, at most `background_delay`
        seconds, until no API request has been served for 20 ms; its records wait meanwhile, as records
        wait in a batching window."""
        self.wait_for_quiet()
        return self.invoke(function, event)

    def wait_for_quiet(self) -> None:
        """Until no API request has been served for 20 ms, at most `background_delay` seconds."""
        deadline = time.monotonic() + self.background_delay
        with self._quiet:
            while True:
                now = time.monotonic()
                busy = self._foreground > 0 or now - self._foreground_ended < 0.02
                if not busy or now >= deadline:
                    return
                self._quiet.wait(min(0.02, deadline - now))

    def _run(self, function: template.Function, event: dict[str, Any]) -> Any:
        handler = self.handler_for(function)
        timeout = self.timeout(function)
        context = LambdaContext(function.logical_id, timeout, function.memory_mb)
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["result"] = handler(event, context)
            except BaseException as error:  # reported to the caller, as Lambda reports a function error
                outcome["error"] = error

        worker = threading.Thread(target=call, name=f"{function.logical_id}-instance", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            _interrupt(worker)
            log.error("%s timed out after %.0f s", function.logical_id, timeout)
            raise FunctionTimedOut(function, timeout)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")


def _interrupt(thread: threading.Thread) -> None:
    """Raises Interrupted inside `thread` at its next Python instruction (a thread cannot be
    killed; one blocked in a C call, e.g. a socket read, stops when that call returns)."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(Interrupted))


class Interrupted(BaseException):
    """Raised inside a timed-out invocation's thread (a BaseException: `except Exception` cannot keep it alive)."""
