"""The back office in real Chromium, against the local stack (what `make run` starts)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from local_stack.process import RunningStack, start, stop
from tests.builders import MUNICH, locked_order_body, order_body
from tests.e2e.conftest import eventually

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (as root: apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def stack() -> Iterator[RunningStack]:
    running = start()
    yield running
    stop(running)


@pytest.fixture
def page(browser, stack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    yield opened
    context.close()


def seed(stack: RunningStack, body: dict) -> dict:
    status, order = stack.call("POST", "/api/orders", body)
    assert status == 201, order
    return order


def open_backoffice(page, stack: RunningStack, expected_rows: int, user: str = "reviewer") -> None:
    from local_stack.stack import DEMO_USERS

    page.goto(f"{stack.api}/backoffice")
    page.locator("#username").fill(user)
    page.locator("#password").fill(DEMO_USERS[user][1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(f"Signed in as {user}")
    expect(page.locator("#rows tr")).to_have_count(expected_rows)


def row_labels(page) -> list[str]:
    return page.locator("#rows tr td:nth-child(2)").all_inner_texts()


def test_queue_shows_locked_orders_oldest_first_and_not_the_open_ones(page, stack):
    locked = [seed(stack, locked_order_body(tenantOrderId=f"L-{n}")) for n in range(3)]
    seed(stack, order_body(tenantOrderId="O-1"))

    open_backoffice(page, stack, 3)

    assert row_labels(page) == [o["tenantOrderId"] for o in locked]
    assert page.get_by_test_id("locked-count").inner_text() == "3"
    first = page.locator("#rows tr").first.inner_text()
    assert "Maxine Muller" in first and "Fraud check pending" in first and "0 min" in first
    assert page.errors == []


def test_filters_narrow_the_queue(page, stack):
    seed(stack, locked_order_body("Fraud check pending", tenantOrderId="F-1"))
    seed(
        stack,
        locked_order_body(
            "Fraud: card mismatch", tenantOrderId="F-2", consumer=order_body(coordinates=MUNICH)["consumer"]
        ),
    )
    seed(stack, locked_order_body("Customer verification", tenantOrderId="K-1"))
    open_backoffice(page, stack, 3)

    page.get_by_test_id("reason-filter").fill("FRAUD")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#rows tr")).to_have_count(2)
    assert sorted(row_labels(page)) == ["F-1", "F-2"]

    page.get_by_test_id("facility-filter").select_option(label="München Zentrum")
    expect(page.locator("#rows tr")).to_have_count(1)
    assert row_labels(page) == ["F-2"]
    assert page.get_by_test_id("locked-count").inner_text() == "1"


def test_unlocking_removes_the_order_and_it_gets_a_pick_job(page, stack):
    order = seed(stack, locked_order_body(tenantOrderId="U-1"))
    open_backoffice(page, stack, 1)

    page.locator("#rows tr", has_text="U-1").click()
    page.get_by_test_id("unlock").click()
    page.get_by_test_id("confirm-yes").click()

    expect(page.locator("#rows tr")).to_have_count(0)
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "OPEN"
    jobs = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    assert len(jobs) == 1
    assert "LOCKED → OPEN by reviewer" in page.get_by_test_id("history").inner_text()
    assert page.errors == []


def test_an_order_changed_underneath_shows_a_message_and_a_refresh(page, stack):
    order = seed(stack, locked_order_body(tenantOrderId="C-1"))
    open_backoffice(page, stack, 1)
    page.locator("#rows tr", has_text="C-1").click()
    page.get_by_test_id("unlock").wait_for()

    assert stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})[0] == 200
    page.get_by_test_id("unlock").click()
    page.get_by_test_id("confirm-yes").click()

    message = page.get_by_test_id("detail-message")
    message.get_by_text("Someone else changed this order").wait_for()
    assert "version 2" in message.inner_text()
    page.get_by_test_id("refresh-order").click()
    expect(page.locator("#rows tr")).to_have_count(0)
    assert page.get_by_test_id("unlock").is_hidden()  # the refreshed order is OPEN: nothing to unlock


def test_bulk_unlock_of_three_with_one_stale(page, stack):
    orders = [seed(stack, locked_order_body(tenantOrderId=f"B-{n}")) for n in range(3)]
    open_backoffice(page, stack, 3)
    for order in orders:
        page.locator(f"#rows tr[data-order-id='{order['id']}'] input[type=checkbox]").check()
    assert stack.call("POST", f"/api/orders/{orders[1]['id']}/actions", {"name": "UNLOCK", "version": 1})[0] == 200

    page.get_by_test_id("bulk-unlock").click()
    page.get_by_test_id("confirm-yes").click()

    results = page.get_by_test_id("bulk-results").locator("li")
    results.first.wait_for()
    by_order = {r.get_attribute("data-order-id"): r.get_attribute("data-result") for r in results.all()}
    assert by_order == {orders[0]["id"]: "UPDATED", orders[1]["id"]: "UNCHANGED", orders[2]["id"]: "UPDATED"}
    assert "B-1: The order is already OPEN." in page.get_by_test_id("bulk-results").inner_text()
    expect(page.locator("#rows tr")).to_have_count(0)


def test_an_admin_force_cancels_selected_orders_one_of_them_stale(page, stack):
    orders = [seed(stack, locked_order_body(tenantOrderId=f"F-{n}")) for n in range(2)]
    open_backoffice(page, stack, 2, user="admin")
    for order in orders:
        page.locator(f"#rows tr[data-order-id='{order['id']}'] input[type=checkbox]").check()
    unlock = {"name": "UNLOCK", "version": 1}
    assert stack.call("POST", f"/api/orders/{orders[1]['id']}/actions", unlock)[0] == 200

    page.get_by_test_id("bulk-force-cancel").click()
    page.get_by_test_id("confirm-yes").click()

    results = page.get_by_test_id("bulk-results").locator("li")
    results.first.wait_for()
    by_order = {r.get_attribute("data-order-id"): r.get_attribute("data-result") for r in results.all()}
    assert by_order == {orders[0]["id"]: "UPDATED", orders[1]["id"]: "FAILED"}
    assert "F-1: The order was changed by someone else" in page.get_by_test_id("bulk-results").inner_text()
    assert stack.call("GET", f"/api/orders/{orders[0]['id']}")[1]["status"] == "CANCELLED"
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_usable_at_desktop_and_phone_widths_without_console_errors(page, stack, width):
    seed(stack, locked_order_body(tenantOrderId="W-1"))
    page.set_viewport_size({"width": width, "height": 800})
    open_backoffice(page, stack, 1)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
    row = page.locator("#rows tr", has_text="W-1")
    assert row.is_visible()
    row.click()
    unlock = page.get_by_test_id("unlock")
    unlock.scroll_into_view_if_needed()
    assert unlock.is_visible() and unlock.bounding_box()["x"] + unlock.bounding_box()["width"] <= width
    assert page.errors == []


def test_a_read_only_user_sees_the_queue_but_no_unlock(page, stack):
    seed(stack, locked_order_body(tenantOrderId="R-1"))
    open_backoffice(page, stack, 1, user="reader")

    page.locator("#rows tr", has_text="R-1").click()
    expect(page.get_by_test_id("detail")).to_contain_text("Fraud check pending")

    assert page.get_by_test_id("unlock").is_hidden()
    assert page.get_by_test_id("cancel").is_hidden()
    assert page.get_by_test_id("bulk-unlock").is_hidden()
    assert page.get_by_test_id("bulk-force-cancel").is_hidden()
    assert page.errors == []


def test_a_wrong_password_is_refused_and_nothing_shows(page, stack):
    page.goto(f"{stack.api}/backoffice")
    page.locator("#username").fill("reviewer")
    page.locator("#password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("signin-message")).to_have_text("Wrong user name or password.")
    assert page.locator("#app").is_hidden()
