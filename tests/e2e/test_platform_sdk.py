"""The platform's own TypeScript SDK (npm @fulfillmenttools/fulfillmenttools-sdk-typescript, pinned in
tests/e2e/sdk/package-lock.json) as a client of the local stack: only its base URL and token source are
redirected, every request is the SDK's own (tests/e2e/sdk/drive.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.builders import locked_order_body, order_body
from tests.e2e.conftest import eventually
from tests.platform_schemas import violations

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SDK = Path(__file__).parent / "sdk"
CALLBACK = "https://hooks.sdk-e2e.example.com/orders"  # need not resolve: checked again at delivery


@pytest.fixture(scope="module")
def sdk() -> Path:
    """The SDK installed from the committed lock file (`npm ci`) into the git-ignored node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are not installed (as root: apt-get install -y nodejs npm); SDK test skipped")
    installed = SDK / "node_modules" / "@fulfillmenttools" / "fulfillmenttools-sdk-typescript" / "package.json"
    lock = json.loads((SDK / "package-lock.json").read_text(encoding="utf-8"))
    wanted = lock["packages"]["node_modules/@fulfillmenttools/fulfillmenttools-sdk-typescript"]["version"]
    if not installed.exists() or json.loads(installed.read_text(encoding="utf-8"))["version"] != wanted:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=SDK, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            pytest.skip(f"npm could not install the SDK (is the npm registry reachable?): {result.stderr[-500:]}")
    return SDK


def drive(sdk: Path, scenario: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        ["node", "drive.js"], cwd=sdk, input=json.dumps(scenario), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def started_order(stack) -> dict:
    """An OPEN order whose pick job is being picked (IN_PROGRESS): only FORCE_CANCEL may cancel it."""
    status, order = stack.call("POST", "/api/orders", order_body(tenantOrderId="SDK-FORCE"))
    assert status == 201, order
    jobs = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    status, job = stack.call("PATCH", f"/api/pickjobs/{jobs[0]['id']}", {"version": 1, "status": "IN_PROGRESS"})
    assert status == 200, job
    return {"order": order, "pickjob": job}


def test_the_platforms_sdk_drives_orders_and_subscriptions(stack, sdk):
    force = started_order(stack)
    locked = locked_order_body(tenantOrderId="SDK-LOCKED-1")

    seen = drive(
        sdk,
        {
            "baseUrl": f"{stack.api}/api",
            "token": stack.token("admin"),
            "lockedOrder": locked,
            "forceCancel": {"orderId": force["order"]["id"], "version": force["order"]["version"]},
            "callbackUrl": CALLBACK,
        },
    )

    created = seen["created"]["value"]
    assert created["status"] == "LOCKED" and created["tenantOrderId"] == "SDK-LOCKED-1"
    assert seen["found"]["value"]["id"] == created["id"]
    assert (seen["unlocked"]["value"]["status"], seen["unlocked"]["value"]["version"]) == ("OPEN", 2)
    assert (seen["staleUnlock"]["ok"], seen["staleUnlock"]["status"]) == (False, 409)
    assert seen["cancelled"]["value"]["status"] == "CANCELLED"
    assert seen["forceCancelled"]["value"]["status"] == "CANCELLED"
    for step in ("created", "found", "unlocked", "cancelled", "forceCancelled"):
        assert violations("Order", seen[step]["value"]) == [], step
    pickjob = f"/api/pickjobs/{force['pickjob']['id']}"
    assert eventually(lambda: stack.call("GET", pickjob)[1]["status"] == "CANCELED")

    subscription = seen["subscribed"]["value"]
    assert (subscription["event"], subscription["target"]["callbackUrl"]) == ("ORDER_CANCELLED", CALLBACK)
    assert subscription["id"] in [s["id"] for s in seen["listed"]["value"]["subscriptions"]]
    assert seen["deleted"]["ok"]
    assert subscription["id"] not in [s["id"] for s in seen["listedAfterDelete"]["value"]["subscriptions"]]
