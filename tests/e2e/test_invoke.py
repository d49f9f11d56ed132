"""`make invoke`: one function, one event, against the running stack's resources (like `sam local invoke -e`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local_stack import template
from tests.builders import locked_order_body
from tests.e2e.conftest import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EVENTS = template.ROOT / "events"


def invoke(stack, function: str, event: Path) -> subprocess.CompletedProcess[str]:
    """What `make invoke FUNCTION=... EVENT=...` runs, pointed at the test's stack."""
    env = dict(
        os.environ,
        LOCAL_MOTO_PORT=stack.moto.rsplit(":", 1)[1],
        PYTHONPATH=os.pathsep.join([str(template.ROOT / "shared"), str(template.ROOT)]),
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "local_stack.invoke", function, str(event)],
        cwd=template.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_api_event_unlocks_an_order_of_the_running_stack(stack, tmp_path):
    status, order = stack.call("POST", "/api/orders", locked_order_body())
    assert status == 201
    event = json.loads((EVENTS / "api" / "OrderAction.json").read_text())
    sample_id = event["pathParameters"]["orderId"]
    event = json.loads(json.dumps(event).replace(sample_id, order["id"]))  # the sample, for our order
    path = tmp_path / "unlock.json"
    path.write_text(json.dumps(event))

    ran = invoke(stack, "OrdersApiFunction", path)

    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["statusCode"] == 200 and json.loads(result["body"])["status"] == "OPEN"
    assert "START OrdersApiFunction" in ran.stderr and "REPORT OrdersApiFunction" in ran.stderr
    assert "Timeout: 10 s" in ran.stderr  # Globals' Timeout
    # it wrote to the running stack's table: the API sees it, and the stack's pollers act on it
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "OPEN"
    jobs = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    assert len(jobs) == 1


def test_a_stream_event_from_events_streams_creates_its_pick_job(stack):
    path = EVENTS / "streams" / "order-insert-open.json"
    record = json.loads(path.read_text())["Records"][0]
    order_id = record["dynamodb"]["NewImage"]["id"]["S"]

    ran = invoke(stack, "PickJobCreatorFunction", path)

    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"batchItemFailures": []}
    assert "pick job created" in ran.stderr  # the function's own log line
    status, listed = stack.call("GET", f"/api/pickjobs?orderRef={order_id}")
    assert status == 200 and len(listed["pickjobs"]) == 1


def test_an_unknown_function_names_the_ones_there_are(stack):
    ran = invoke(stack, "NoSuchFunction", EVENTS / "api" / "Health.json")

    assert ran.returncode == 2
    assert "OrdersApiFunction" in ran.stderr


def test_a_function_that_seals_with_the_template_s_kms_key_finds_the_running_stack_s_key(stack):
    ran = invoke(stack, "SubscriptionsApiFunction", EVENTS / "api" / "CreateSubscription.json")

    assert ran.returncode == 0, ran.stderr
    reply = json.loads(ran.stdout)
    assert reply["statusCode"] == 201, reply["body"]  # sealing its secrets used the stack's KMS key
    created = json.loads(reply["body"])
    assert stack.call("GET", f"/api/subscriptions/{created['id']}")[0] == 200
