"""How the local stack runs a function: one place for every invocation (API, streams, queues, schedules),
so that each is counted, and so that the pollers learn at once that something may have been written."""

from __future__ import annotations

import concurrent.futures
import ctypes
import functools
import heapq
import logging
import queue
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

    - up to `ReservedConcurrentExecutions` (else DEFAULT_CONCURRENCY) invocations of a function at once
      (its "instances"), each on the caller's thread; more wait for a free instance (Lambda would throttle);
    - each stopped after the function's Timeout (the function's own, else Globals'): the thread is
      interrupted with an exception at its next Python instruction and the caller gets FunctionTimedOut.
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
        """The handler runs on a pooled worker thread (no thread to start per invocation); the caller waits
        at most the function's Timeout, so a handler blocked in a C call (a sleep, a socket read) is
        answered FunctionTimedOut at its deadline, as on Lambda. A watchdog also interrupts the worker at
        its next Python instruction; a call blocked in C finishes in the background."""
        timeout = self.timeout(function)
        future = _workers().submit(self._run_here, function, event, timeout)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            log.error("%s timed out after %.0f s", function.logical_id, timeout)
            raise FunctionTimedOut(function, timeout) from None

    def _run_here(self, function: template.Function, event: dict[str, Any], timeout: float) -> Any:
        handler = self.handler_for(function)
        context = LambdaContext(function.logical_id, timeout, function.memory_mb)
        alarm: _Alarm | None = None
        try:
            alarm = _watchdog().arm(timeout)
            try:
                result = handler(event, context)
            finally:
                timed_out = alarm.disarm()
        except Interrupted:  # only the watchdog raises it, and only once per alarm
            timed_out = True
        except BaseException:
            if alarm is None or not alarm.fired:
                raise
            timed_out = True  # the handler turned the interruption into an error of its own
        if timed_out:
            log.error("%s timed out after %.0f s", function.logical_id, timeout)
            raise FunctionTimedOut(function, timeout)
        return result


class _Alarm:
    def __init__(self, thread_id: int, deadline: float, guard: threading.Lock) -> None:
        self.thread_id, self.deadline, self._guard = thread_id, deadline, guard
        self.fired = self.done = False

    def fire(self) -> None:
        with self._guard:
            if not self.done:
                self.fired = True
                _interrupt(self.thread_id)

    def disarm(self) -> bool:
        """True when it fired: the invocation ran past its timeout (an exception still pending is dropped)."""
        with self._guard:
            self.done = True
            if self.fired:
                _interrupt(self.thread_id, clear=True)
            return self.fired


class _Watchdog:
    """One thread for every invocation's timeout: it sleeps until the earliest deadline."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._wakeup = threading.Condition()
        self._alarms: list[tuple[float, int, _Alarm]] = []
        self._count = 0
        threading.Thread(target=self._watch, name="function-timeouts", daemon=True).start()

    def arm(self, seconds: float) -> _Alarm:
        alarm = _Alarm(threading.get_ident(), time.monotonic() + seconds, self._guard)
        with self._wakeup:
            self._count += 1
            heapq.heappush(self._alarms, (alarm.deadline, self._count, alarm))
            if self._alarms[0][2] is alarm:
                self._wakeup.notify()
        return alarm

    def _watch(self) -> None:
        while True:
            with self._wakeup:
                while self._alarms and self._alarms[0][2].done:  # finished in time: forgotten
                    heapq.heappop(self._alarms)
                if not self._alarms:
                    self._wakeup.wait()
                    continue
                deadline, _, alarm = self._alarms[0]
                if time.monotonic() < deadline:
                    self._wakeup.wait(deadline - time.monotonic())
                    continue
                heapq.heappop(self._alarms)
            alarm.fire()


@functools.cache
def _watchdog() -> _Watchdog:
    return _Watchdog()


class _Workers:
    """The threads invocations run on: reused, one more started whenever none is idle (so an invocation
    never waits for a thread; one blocked past its timeout keeps its thread). Daemon threads, unlike
    concurrent.futures' pool: the stack exits at once even while a handler is blocked, e.g. on a webhook
    receiver that hangs."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[concurrent.futures.Future[Any], Any, tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, work: Any, *args: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._tasks.put((future, work, args))
        with self._lock:
            if self._idle:
                self._idle -= 1
                return future
        threading.Thread(target=self._work, name="function", daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            future, work, args = self._tasks.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(work(*args))
                except BaseException as error:  # handed to the caller, who re-raises it
                    future.set_exception(error)
            with self._lock:
                self._idle += 1


@functools.cache
def _workers() -> _Workers:
    return _Workers()


def _interrupt(thread_id: int, clear: bool = False) -> None:
    """Raises Interrupted inside the thread at its next Python instruction (a thread cannot be killed;
    one blocked in a C call, e.g. a socket read, stops when that call returns); `clear`: drops one not
    yet raised."""
    exception = None if clear else ctypes.py_object(Interrupted)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), exception)


class Interrupted(BaseException):
    """Raised inside a timed-out invocation's thread (a BaseException: `except Exception` cannot keep it alive)."""
