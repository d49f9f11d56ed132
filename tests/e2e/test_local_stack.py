"""The service over real HTTP against the local stack that `make run` starts."""

from __future__ import annotations

import socket
import time

import pytest

from local_stack.process import start as start_stack
from local_stack.process import stop as stop_stack
from tests.builders import full_order_body, locked_order_body
from tests.e2e.conftest import eventually
from tests.platform_schemas import violations

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_locked_order_unlock_pick_job_and_inbox(stack):
    status, order = stack.call("POST", "/api/orders", locked_order_body())
    assert status == 201 and order["status"] == "LOCKED"
    assert order["routing"]["status"] == "ROUTED"  # the demo facilities are ONLINE

    eventually(lambda: stack.inbox_items("ORDER_CREATED"))
    assert stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"] == []

    status, unlocked = stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    assert status == 200 and unlocked["status"] == "OPEN"

    jobs = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    assert len(jobs) == 1 and jobs[0]["facilityRef"] == order["routing"]["facilityRef"]
    mine = eventually(
        lambda: [i["body"] for i in stack.inbox_items("ORDER_UNLOCKED") if i["body"]["payload"]["id"] == order["id"]]
    )
    assert [e["payload"]["status"] for e in mine] == ["OPEN"]
    created = [i["body"] for i in stack.inbox_items("ORDER_CREATED") if i["body"]["payload"]["id"] == order["id"]]
    assert [e["payload"]["status"] for e in created] == ["LOCKED"]
    delivered = next(i for i in stack.inbox_items("ORDER_UNLOCKED") if i["body"]["payload"]["id"] == order["id"])
    assert delivered["headers"]["X-Webhook-Signature"].startswith("v1=")  # a real, signed webhook delivery


def test_webhook_bodies_in_the_inbox_are_the_platforms_order_webhook_events(stack):
    status, order = stack.call("POST", "/api/orders", full_order_body())
    assert status == 201
    assert stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})[0] == 200
    assert stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 2})[0] == 200

    schemas = {
        "ORDER_CREATED": "OrderCreatedWebHookEvent",
        "ORDER_UNLOCKED": "OrderUnlockedWebHookEvent",
        "ORDER_CANCELLED": "OrderCancelledWebHookEvent",
    }
    for event, schema in schemas.items():
        [body] = eventually(
            lambda event=event: [
                i["body"] for i in stack.inbox_items(event) if i["body"]["payload"]["id"] == order["id"]
            ]
        )
        assert violations(schema, body) == [], event


def test_an_idle_stack_leaves_the_cpu_alone(stack):
    time.sleep(1)  # whatever the previous test set moving settles
    before, started = stack.cpu_seconds(), time.monotonic()
    time.sleep(5)
    share = (stack.cpu_seconds() - before) / (time.monotonic() - started)

    # pollers that spun on a 0.2 s interval used 14-23% of a core; waiting ones use ~2%. Generous bound:
    assert share < 0.08, f"idle stack used {share:.0%} of a core"


def test_errors_come_back_in_the_contract_format_over_http(stack):
    status, body = stack.call("POST", "/api/orders/nope/actions", {"name": "UNLOCK", "version": 1})
    assert status == 404 and body[0]["summary"]
    assert violations("ApiError", body) == []

    status, body = stack.call("DELETE", "/api/orders")
    assert status == 405 and body[0]["summary"] == "Method not allowed."

    status, body = stack.call("GET", "/api/nothing-here")
    assert status == 404


def test_stopping_leaves_no_process_and_no_open_port():
    running = start_stack()
    assert running.call("GET", "/api/health") == (200, {"status": "UP"})

    assert stop_stack(running) == 0

    assert running.process.poll() is not None
    for port in running.ports:
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))  # nothing listens any more


def _kill_with_connections_open(running, how: str) -> None:
    """Stops the stack while clients hold connections to every port: the stack's side of each then
    closes first and waits in TIME_WAIT, as after a browser or a benchmark was connected."""
    held = [socket.create_connection(("127.0.0.1", port)) for port in running.ports]
    if how == "ctrl-c":
        assert stop_stack(running) == 0
    else:
        running.process.kill()
        running.process.wait(timeout=20)
    for connection in held:
        connection.close()


def test_restarts_at_once_on_the_same_ports_after_ctrl_c_and_after_kill_9():
    running = start_stack()
    ports = running.ports
    _kill_with_connections_open(running, "ctrl-c")

    again = start_stack(ports=ports)  # would fail with "port ... is taken" for a minute without SO_REUSEADDR
    assert again.call("GET", "/api/health", user=None) == (200, {"status": "UP"})
    _kill_with_connections_open(again, "kill -9")

    third = start_stack(ports=ports)
    try:
        assert third.call("GET", "/api/health", user=None) == (200, {"status": "UP"})
        status, order = third.call("POST", "/api/orders", locked_order_body())
        assert status == 201 and order["status"] == "LOCKED"  # a working stack, not only a listening one
    finally:
        assert stop_stack(third) == 0


def test_a_taken_port_gets_a_clear_message():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        import os
        import subprocess
        import sys

        from local_stack import template

        env = dict(
            os.environ,
            LOCAL_API_PORT=str(taken),
            PYTHONPATH=os.pathsep.join([str(template.ROOT / "shared"), str(template.ROOT)]),
        )
        result = subprocess.run(
            [sys.executable, "-m", "local_stack"],
            cwd=template.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 2
    assert f"port {taken}" in result.stderr and "LOCAL_API_PORT" in result.stderr


def test_over_http_every_non_public_route_needs_a_token_and_permissions_hold(stack):
    import re

    from local_stack import template

    for route in template.api_routes():
        path = re.sub(r"\{\w+\}", "some-id", route.path)
        status, body = stack.call(
            route.method, path, {} if route.method in ("POST", "PUT", "PATCH") else None, user=None
        )
        if route.public:
            assert status != 401, route
        else:
            assert status == 401 and body[0]["summary"] == "Missing or invalid credentials.", route
    status, _ = stack.call("GET", "/api/orders", headers={"Authorization": "Bearer not-a-token"}, user=None)
    assert status == 401

    status, order = stack.call("POST", "/api/orders", locked_order_body(), user="shop")
    assert status == 201
    status, _ = stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1}, user="shop")
    assert status == 403
    status, unlocked = stack.call(
        "POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1}, user="reviewer"
    )
    assert status == 200 and unlocked["statusHistory"][-1]["by"] == "reviewer"


def test_with_local_state_dir_the_tables_survive_a_restart_and_nothing_is_replayed(tmp_path):
    settings = {"LOCAL_STATE_DIR": str(tmp_path)}
    first = start_stack(settings)
    status, order = first.call("POST", "/api/orders", locked_order_body())
    assert status == 201
    eventually(lambda: first.inbox_items("ORDER_CREATED"))
    facilities = first.call("GET", "/api/facilities")[1]
    assert stop_stack(first) == 0

    second = start_stack(settings, ports=first.ports)
    try:
        assert second.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "LOCKED"
        assert second.call("GET", "/api/facilities")[1] == facilities  # loaded, not seeded a second time
        time.sleep(2)
        assert second.inbox_items() == []  # loading the items published no event again

        status, _ = second.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
        assert status == 200
        assert eventually(lambda: second.inbox_items("ORDER_UNLOCKED"))  # the restored stack works on
    finally:
        assert stop_stack(second) == 0
