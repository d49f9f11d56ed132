"""The back office's queue-health view in real Chromium, against the local stack (its schedules every
second, so the queue-health snapshot follows the seeded queue at once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from local_stack.process import RunningStack, start, stop
from tests.builders import order_body
from tests.e2e.conftest import eventually
from tests.e2e.test_backoffice import browser, page  # noqa: F401 - the browser and page fixtures

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

HOLD_TYPES = {
    "types": [
        # an expiring type: its SLA is its expiry (a day); PAYMENT and DEFAULT have the default 240 minutes
        {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"], "expiresAfterMinutes": 1440},
        {"key": "PAYMENT", "name": "Payment check", "releaseGroups": ["reviewers"]},
    ],
    "version": 0,
}


@pytest.fixture
def stack() -> Iterator[RunningStack]:
    running = start({"LOCAL_SCHEDULE_SECONDS": "1"})
    yield running
    stop(running)


def held(stack: RunningStack, facility_ref: str, *types: str, tenant_order_id: str) -> dict:
    body = order_body(
        tenantOrderId=tenant_order_id,
        deliveryPreferences={"collect": [{"facilityRef": facility_ref}]},
        holds=[{"type": t, "reason": f"{t.lower()} check"} for t in types],
    )
    status, order = stack.call("POST", "/api/orders", body)
    assert status == 201, order
    return order


def snapshot_holds(stack: RunningStack, count: int, released: int = 0) -> dict | None:
    """The snapshot once it shows `count` held orders and `released` releases (the event publisher
    counts a release when it publishes it: a moment after the UNLOCK)."""
    status, stats = stack.call("GET", "/api/orders/holdstats")
    return stats if status == 200 and (stats["held"], stats["releasedLastHour"]) == (count, released) else None


def bars(view, chart: str) -> dict[str, int]:
    found = view.locator(f"[data-testid={chart}] g.bar")
    return {
        found.nth(i).get_attribute("data-key"): int(found.nth(i).get_attribute("data-count"))
        for i in range(found.count())
    }


def test_the_health_view_charts_the_queue_and_colours_ages_against_each_types_sla(page, stack):  # noqa: F811
    from local_stack.stack import DEMO_USERS

    assert stack.call("PUT", "/api/configurations/holds", HOLD_TYPES)[0] == 200
    berlin, munich = (f["id"] for f in stack.call("GET", "/api/facilities")[1]["facilities"][:2])
    held(stack, berlin, "FRAUD", tenant_order_id="H-FRAUD")
    held(stack, berlin, "FRAUD", "PAYMENT", tenant_order_id="H-BOTH")
    held(stack, munich, "DEFAULT", tenant_order_id="H-DEFAULT")
    held(stack, munich, "PAYMENT", tenant_order_id="H-PAYMENT")
    assert stack.call("POST", "/api/orders", order_body(tenantOrderId="OPEN-1"))[0] == 201
    assert eventually(lambda: snapshot_holds(stack, 4), timeout=20)

    # the reviewer's browser looks five hours later: every order has been held about 300 minutes
    page.clock.install(time=datetime.now(UTC) + timedelta(hours=5))
    page.goto(f"{stack.api}/backoffice")
    page.locator("#username").fill("reviewer")
    page.locator("#password").fill(DEMO_USERS["reviewer"][1])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("health-held")).to_have_text("4")
    assert page.get_by_test_id("health-released").inner_text() == "0"
    assert page.get_by_test_id("health-oldest").inner_text().startswith("5 h")
    assert bars(page, "chart-by-type") == {"DEFAULT": 1, "FRAUD": 2, "PAYMENT": 2}
    assert bars(page, "chart-by-facility") == {berlin: 2, munich: 2}
    assert bars(page, "chart-ages") == {"0": 4, "15": 0, "60": 0, "240": 0, "1440": 0}  # the server's clock
    assert "Fraud check" in page.get_by_test_id("chart-by-type").inner_text()  # types by their names

    # SLA colouring: 300 minutes is within FRAUD's day, over the 240 minutes of the others (the strictest
    # of an order's holds counts)
    page.locator(".held-ages summary").click()
    rows = page.locator("#health-rows tr")
    expect(rows).to_have_count(4)
    levels = {rows.nth(i).locator("td").first.inner_text(): rows.nth(i).get_attribute("data-sla") for i in range(4)}
    assert levels == {"H-FRAUD": "ok", "H-BOTH": "breach", "H-DEFAULT": "breach", "H-PAYMENT": "breach"}
    expect(rows.filter(has_text="H-FRAUD").locator("td.sla")).to_contain_text("within SLA")

    # auto-refresh: a release and a new held order show after 30 s without a click
    order = held(stack, berlin, "DEFAULT", tenant_order_id="H-NEW")
    assert stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})[0] == 200
    held(stack, munich, "PAYMENT", tenant_order_id="H-LATE")
    assert eventually(lambda: snapshot_holds(stack, 5, released=1), timeout=30)
    page.clock.fast_forward(31_000)
    expect(page.get_by_test_id("health-held")).to_have_text("5")
    expect(page.get_by_test_id("health-released")).to_have_text("1")
    assert bars(page, "chart-by-type")["PAYMENT"] == 3
    assert page.errors == []
