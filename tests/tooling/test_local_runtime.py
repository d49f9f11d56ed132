"""How the local stack runs functions: concurrent instances up to a limit, and the template's timeouts."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from werkzeug.serving import make_server

from local_stack import template
from local_stack.gateway import Gateway
from local_stack.runtime import DEFAULT_CONCURRENCY, FunctionTimedOut, Runtime


class SleepyRuntime(Runtime):
    """Every function's handler sleeps `seconds` (in small steps, as Python code runs) and counts how
    many run at once."""

    def __init__(self, seconds: float, timeout: float | None = None) -> None:
        super().__init__()
        self.seconds, self.timeout_override = seconds, timeout
        self.running = self.peak = 0
        self.finished = 0
        self._count = threading.Lock()

    def timeout(self, function: template.Function) -> float:
        return self.timeout_override or super().timeout(function)

    def handler_for(self, function: template.Function) -> Any:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            with self._count:
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                deadline = time.monotonic() + self.seconds
                while time.monotonic() < deadline:
                    time.sleep(0.01)
                self.finished += 1
            finally:
                with self._count:
                    self.running -= 1
            return {"statusCode": 200, "body": '{"status": "UP"}'}

        return handler


@pytest.fixture
def serve() -> Iterator[Any]:
    servers = []

    def start(runtime: Runtime) -> str:
        server = make_server("127.0.0.1", 0, Gateway(runtime), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_burst_of_50_requests_to_a_slow_function_is_served_side_by_side(serve):
    runtime = SleepyRuntime(seconds=0.2)
    api = serve(runtime)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(lambda _: _get(f"{api}/api/health"), range(50)))
    elapsed = time.monotonic() - started

    assert [status for status, _ in replies] == [200] * 50
    assert elapsed < 5, f"50 x 0.2 s took {elapsed:.1f} s: one at a time would take 10 s"
    assert 1 < runtime.peak <= DEFAULT_CONCURRENCY  # side by side, but no more instances than the limit


def test_reserved_concurrency_in_the_template_caps_the_instances():
    function = template.functions()["ServiceInfoFunction"]
    capped = replace(function, properties={**function.properties, "ReservedConcurrentExecutions": 2})
    runtime = SleepyRuntime(seconds=0.1)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: runtime.invoke(capped, {}), range(6)))

    assert runtime.peak == 2 and runtime.finished == 6


def test_each_function_gets_its_own_timeout_from_the_template():
    def remaining(function_name: str) -> float:
        function = template.functions()[function_name]

        class Probe(Runtime):
            def handler_for(self, function: template.Function) -> Any:
                return lambda event, context: context.get_remaining_time_in_millis() / 1000

        return float(Probe().invoke(function, {}))

    assert 290 < remaining("RerouteFunction") <= 300  # Timeout: 300
    assert 20 < remaining("WebhookSenderFunction") <= 30  # Timeout: 30
    assert 0 < remaining("OrdersApiFunction") <= 10  # Globals' Timeout: 10


def test_a_function_running_past_its_timeout_is_stopped_and_reported_as_failed():
    function = template.functions()["ServiceInfoFunction"]
    short = replace(function, properties={**function.properties, "Timeout": 1})
    runtime = SleepyRuntime(seconds=5)

    started = time.monotonic()
    with pytest.raises(FunctionTimedOut, match=r"timed out after 1\.00 seconds"):
        runtime.invoke(short, {})
    assert time.monotonic() - started < 4  # not the handler's 5 s

    time.sleep(0.2)
    assert runtime.running == 0 and runtime.finished == 0  # the handler was interrupted, not left to finish


def test_a_handler_blocked_in_one_long_sleep_is_answered_at_its_timeout():
    function = template.functions()["ServiceInfoFunction"]
    short = replace(function, properties={**function.properties, "Timeout": 1})

    class Blocked(Runtime):  # one C call that does not return for 4 s (a socket read to a silent peer)
        def handler_for(self, function: template.Function) -> Any:
            return lambda event, context: time.sleep(4)

    started = time.monotonic()
    with pytest.raises(FunctionTimedOut):
        Blocked().invoke(short, {})
    assert time.monotonic() - started < 2  # at the 1 s timeout, not after the 4 s sleep


def test_an_invocation_ending_at_its_timeout_either_returns_or_times_out_and_its_caller_carries_on():
    function = template.functions()["ServiceInfoFunction"]
    short = replace(function, properties={**function.properties, "Timeout": 0.02})

    class Racing(Runtime):  # handlers that end just before, at, or just after their timeout
        def handler_for(self, function: template.Function) -> Any:
            def handler(event: dict[str, Any], context: Any) -> str:
                deadline = time.monotonic() + event["seconds"]
                while time.monotonic() < deadline:
                    pass
                return "done"

            return handler

    runtime, outcomes = Racing(), []
    for n in range(60):
        try:
            outcomes.append(runtime.invoke(short, {"seconds": 0.01 + n % 7 * 0.005}))  # 10 to 40 ms
        except FunctionTimedOut:
            outcomes.append("timed out")
    time.sleep(0.1)  # an interruption left pending would be raised here, in the caller

    assert set(outcomes) == {"done", "timed out"}


def test_over_http_a_timed_out_function_answers_502_in_the_contract_format(serve):
    api = serve(SleepyRuntime(seconds=5, timeout=0.5))

    status, body = _get(f"{api}/api/health")

    assert status == 502
    assert body.decode() == template.gateway_response("DEFAULT_5XX")
    assert "may be retried" in body.decode()


def test_the_authorizers_policy_is_reused_for_the_same_token_as_reauthorize_every_says(serve):
    class Counting(Runtime):
        def __init__(self) -> None:
            super().__init__()
            self.authorized: list[str] = []

        def handler_for(self, function: template.Function) -> Any:
            if function.logical_id == "AuthorizerFunction":

                def authorize(event: dict[str, Any], context: Any) -> dict[str, Any]:
                    self.authorized.append(event["authorizationToken"])
                    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
                    return {"principalId": "ada", "policyDocument": {"Statement": [statement]}, "context": {}}

                return authorize
            return lambda event, context: {"statusCode": 200, "body": "[]"}

    runtime = Counting()
    api = serve(runtime)
    assert template.authorizer_cache_seconds() > 0  # template.yaml: Identity.ReauthorizeEvery

    for token in ("Bearer one", "Bearer one", "Bearer two", "Bearer one"):
        request = urllib.request.Request(f"{api}/api/orders", headers={"Authorization": token})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    assert runtime.authorized == ["Bearer one", "Bearer two"]


def test_a_pollers_invocation_gives_way_to_an_api_request_but_not_for_long():
    function = template.functions()["ServiceInfoFunction"]
    order: list[str] = []

    class Recording(Runtime):
        def handler_for(self, function: template.Function) -> Any:
            def handler(event: dict[str, Any], context: Any) -> None:
                if event["who"] == "api":
                    time.sleep(0.5)
                order.append(event["who"])

            return handler

    runtime = Recording(background_delay=5)
    api = threading.Thread(target=runtime.invoke_foreground, args=(function, {"who": "api"}))
    api.start()
    time.sleep(0.1)  # the API request is being served
    runtime.invoke_background(function, {"who": "poller"})
    api.join()

    assert order == ["api", "poller"]  # the poller's invocation waited for the API request

    impatient = Recording(background_delay=0.1)
    api = threading.Thread(target=impatient.invoke_foreground, args=(function, {"who": "api"}))
    order.clear()
    api.start()
    time.sleep(0.1)
    impatient.invoke_background(function, {"who": "poller"})
    api.join()

    assert order == ["poller", "api"]  # but no longer than background_delay: events are late, never starved
