"""The back office in real Chromium, against the local stack (what `make run` starts)."""

from __future__ import annotations

import re
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


# ---------------------------------------------------------------------------------------------- holds ---
FRAUD_FOUR_EYES = {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"], "requiredApprovals": 2}
ADDRESS = {"key": "ADDRESS", "name": "Address check", "releaseGroups": ["reviewers"], "requiredApprovals": 1}


def configure_hold_types(stack: RunningStack, *types: dict) -> None:
    version = stack.call("GET", "/api/configurations/holds")[1]["version"]
    status, body = stack.call("PUT", "/api/configurations/holds", {"types": list(types), "version": version})
    assert status == 200, body


def add_reviewer(stack: RunningStack, user: str, password: str) -> None:
    """A second person in the reviewers group, in the local stack's user pool (moto)."""
    import boto3

    from local_stack import template

    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=stack.moto,
        region_name=template.REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pool_id = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    cognito.admin_create_user(UserPoolId=pool_id, Username=user, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="reviewers")


def sign_in(page, stack: RunningStack, user: str, password: str | None = None) -> None:
    from local_stack.stack import DEMO_USERS

    page.goto(f"{stack.api}/backoffice")
    page.locator("#username").fill(user)
    page.locator("#password").fill(password or DEMO_USERS[user][1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(f"Signed in as {user}")


def only_refusals_logged(page, status: int) -> bool:
    """No console errors but Chromium's own line for the refusal the test provoked (a fetch answered 4xx)."""
    return all(f"the server responded with a status of {status}" in error for error in page.errors)


def hold_in_row(page, order: dict, hold_type: str):
    return page.locator(f"#rows tr[data-order-id='{order['id']}'] li[data-hold-type='{hold_type}']")


def test_a_reviewer_releases_one_of_two_holds_the_order_stays_then_the_other_and_it_leaves_the_queue(page, stack):
    configure_hold_types(stack, {**ADDRESS, "expiresAfterMinutes": 120, "onExpiry": "RELEASE"})
    order = seed(stack, order_body(tenantOrderId="H-2", holds=[{"type": "ADDRESS", "reason": "Street unknown"}]))
    order = stack.call(
        "POST", f"/api/orders/{order['id']}/actions", {"name": "PLACE_HOLD", "version": 1, "type": "DEFAULT"}
    )[1]
    open_backoffice(page, stack, 1)
    row = page.locator("#rows tr", has_text="H-2")
    expect(row.locator("li.hold")).to_have_count(2)
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text("ADDRESS · Address check")
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text("Street unknown")
    countdown = re.compile(r"expires in (1 h 5\d|2 h 0) min, then RELEASE")
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text(countdown)
    expect(hold_in_row(page, order, "DEFAULT")).to_contain_text("placed by admin")

    hold_in_row(page, order, "ADDRESS").get_by_role("button", name="Release").click()

    expect(page.get_by_test_id("message")).to_contain_text("Released the ADDRESS hold of order H-2; 1 hold(s) left.")
    expect(row.locator("li.hold")).to_have_count(1)  # the row follows the order (its new version)
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "LOCKED"
    assert stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"] == []

    hold_in_row(page, order, "DEFAULT").get_by_role("button", name="Release").click()
    page.get_by_test_id("confirm-yes").click()  # the last hold: the order gets a pick job

    expect(page.locator("#rows tr")).to_have_count(0)
    expect(page.get_by_test_id("message")).to_contain_text("Released the last hold: order H-2 is now OPEN.")
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "OPEN"
    jobs = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    assert len(jobs) == 1
    assert page.errors == []


def test_four_eyes_the_first_click_approves_the_same_person_again_is_refused_a_second_person_releases(page, stack):
    configure_hold_types(stack, FRAUD_FOUR_EYES)
    add_reviewer(stack, "reviewer2", "Second-pass-2026")
    order = seed(stack, order_body(tenantOrderId="E-4", holds=[{"type": "FRAUD", "reason": "Risk score 91"}]))
    open_backoffice(page, stack, 1)
    hold = hold_in_row(page, order, "FRAUD")
    expect(hold).to_contain_text("approvals 0 of 2")

    hold.get_by_role("button", name="Approve").click()

    expect(page.get_by_test_id("message")).to_contain_text("Approved the FRAUD hold of order E-4")
    expect(hold).to_contain_text("approvals 1 of 2: reviewer")
    button = hold.get_by_test_id("release-hold")
    expect(button).to_have_text("Release")
    expect(button).to_have_attribute("title", "You approved it: a second person must release it.")

    button.click()  # the same person again

    expect(page.get_by_test_id("message")).to_contain_text("You approved the FRAUD hold")
    expect(page.get_by_test_id("message")).to_contain_text("a second person must release it")
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "LOCKED"
    assert only_refusals_logged(page, 409), page.errors

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, stack, "reviewer2", "Second-pass-2026")
    hold = hold_in_row(page, order, "FRAUD")
    hold.get_by_role("button", name="Release").click()
    page.get_by_test_id("confirm-yes").click()

    expect(page.locator("#rows tr")).to_have_count(0)
    released = stack.call("GET", f"/api/orders/{order['id']}")[1]
    assert released["status"] == "OPEN"
    assert released["holds"][0]["releasedBy"] == "reviewer2"
    assert [a["by"] for a in released["holds"][0]["approvals"]] == ["reviewer", "reviewer2"]
    assert only_refusals_logged(page, 409), page.errors


def test_a_reader_sees_each_hold_with_its_release_button_disabled_and_why(page, stack):
    configure_hold_types(stack, ADDRESS)
    order = seed(stack, order_body(tenantOrderId="D-1", holds=[{"type": "ADDRESS", "reason": "Check street"}]))
    open_backoffice(page, stack, 1, user="reader")

    button = hold_in_row(page, order, "ADDRESS").get_by_test_id("release-hold")

    expect(button).to_be_disabled()
    expect(button).to_have_attribute("title", "Releasing a ADDRESS hold needs membership of reviewers.")
    assert page.get_by_test_id("hold-lookup").is_hidden()  # a reader places no holds
    assert page.errors == []


def test_placing_a_hold_on_an_open_order_by_its_id_puts_it_in_the_queue_as_locked(page, stack):
    configure_hold_types(stack, ADDRESS)
    order = seed(stack, order_body(tenantOrderId="P-1"))
    assert eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])
    open_backoffice(page, stack, 0)

    page.get_by_test_id("hold-lookup-id").fill("P-1")
    page.get_by_role("button", name="Open to hold").click()
    expect(page.get_by_test_id("detail")).to_contain_text("OPEN")
    page.get_by_test_id("hold-form-type").select_option("ADDRESS")
    page.get_by_test_id("hold-form-reason").fill("Customer called: new address")
    in_three_hours = page.evaluate(  # what a datetime-local field holds: the user's local time
        "() => { const d = new Date(Date.now() + 3 * 3600e3); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
        " return d.toISOString().slice(0, 16); }"
    )
    page.get_by_test_id("hold-form-expires").fill(in_three_hours)
    page.get_by_test_id("hold-form-submit").click()

    expect(page.get_by_test_id("detail-message")).to_contain_text("is held again: it is LOCKED")
    expect(page.locator("#rows tr")).to_have_count(1)
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text("Customer called: new address")
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text("placed by reviewer")
    expect(hold_in_row(page, order, "ADDRESS")).to_contain_text(re.compile(r"expires in (2 h 5\d|3 h 0) min"))
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "LOCKED"
    jobs = stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"]
    assert [job["status"] for job in jobs] == ["CANCELED"]
    assert page.errors == []


def test_placing_a_hold_once_picking_has_started_shows_fulfilment_has_started(page, stack):
    order = seed(stack, order_body(tenantOrderId="S-1"))
    job = eventually(lambda: stack.call("GET", f"/api/pickjobs?orderRef={order['id']}")[1]["pickjobs"])[0]
    status, _ = stack.call("PATCH", f"/api/pickjobs/{job['id']}", {"version": job["version"], "status": "IN_PROGRESS"})
    assert status == 200
    open_backoffice(page, stack, 0)

    page.get_by_test_id("hold-lookup-id").fill(order["id"])
    page.get_by_role("button", name="Open to hold").click()
    page.get_by_test_id("hold-form-reason").fill("Too late?")
    page.get_by_test_id("hold-form-submit").click()

    message = page.get_by_test_id("detail-message")
    expect(message).to_contain_text("fulfilment has started")
    expect(message).to_have_class("message error")
    assert stack.call("GET", f"/api/orders/{order['id']}")[1]["status"] == "OPEN"
    assert only_refusals_logged(page, 409), page.errors


def test_the_queue_filters_by_hold_type(page, stack):
    configure_hold_types(stack, ADDRESS)
    seed(stack, order_body(tenantOrderId="A-1", holds=[{"type": "ADDRESS"}]))
    seed(stack, locked_order_body(tenantOrderId="L-1"))
    open_backoffice(page, stack, 2)

    page.get_by_test_id("hold-type-filter").select_option("ADDRESS")

    expect(page.locator("#rows tr")).to_have_count(1)
    assert row_labels(page) == ["A-1"]
    assert page.errors == []


# ---------------------------------------------------------------------------------------------- rules ---
RISKY = {
    "key": "HIGH_RISK",
    "name": "Checkout risk 70+",
    "holdType": "FRAUD",
    "reason": "Risk score from the checkout",
    "when": {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
}


def test_rules_page_saves_a_rule_and_the_dry_run_shows_it_matching_a_pasted_order(page, stack):
    import json

    configure_hold_types(stack, {**FRAUD_FOUR_EYES, "requiredApprovals": 1})
    sign_in(page, stack, "admin")
    page.get_by_test_id("show-rules").click()
    expect(page.get_by_test_id("rules-json")).to_have_value(json.dumps({"rules": [], "version": 0}, indent=2))

    page.get_by_test_id("rules-json").fill(json.dumps({"rules": [RISKY], "version": 0}))
    page.get_by_test_id("rules-save").click()

    expect(page.get_by_test_id("rules-message")).to_have_text("Saved 1 rule(s): version 1.")
    expect(page.get_by_test_id("rules-list").locator("tr[data-rule-key='HIGH_RISK']")).to_contain_text(
        "Checkout risk 70+"
    )
    assert stack.call("GET", "/api/configurations/lockrules")[1]["rules"][0]["key"] == "HIGH_RISK"

    page.get_by_test_id("dryrun-order").fill(json.dumps(order_body(customAttributes={"riskScore": 82})))
    page.get_by_test_id("dryrun").click()

    result = page.get_by_test_id("dryrun-result")
    expect(result.locator("[data-rule-key='HIGH_RISK']")).to_have_text("HIGH_RISK · Checkout risk 70+")
    expect(result.get_by_test_id("dryrun-holds")).to_contain_text("FRAUD · Fraud check: Risk score from the checkout")
    assert stack.call("GET", "/api/orders")[1]["orders"] == []  # a dry run writes nothing

    held = seed(stack, order_body(tenantOrderId="RULE-1", customAttributes={"riskScore": 75}))
    page.get_by_role("button", name="Queue").click()
    expect(hold_in_row(page, held, "FRAUD")).to_contain_text("placed by rule HIGH_RISK")
    assert page.errors == []


def test_rules_page_shows_a_broken_pattern_refused_with_its_place(page, stack):
    import json

    configure_hold_types(stack, {**FRAUD_FOUR_EYES, "requiredApprovals": 1})
    sign_in(page, stack, "admin")
    page.get_by_test_id("show-rules").click()
    broken = {**RISKY, "when": {"customAttributes": {"riskScore": [{"numeric": [">=", "seventy"]}]}}}
    expect(page.get_by_test_id("rules-json")).to_have_value(json.dumps({"rules": [], "version": 0}, indent=2))

    page.get_by_test_id("rules-json").fill(json.dumps({"rules": [broken], "version": 0}))
    page.get_by_test_id("rules-save").click()

    message = page.get_by_test_id("rules-message")
    expect(message).to_contain_text("(at rules[0].when.customAttributes.riskScore[0].numeric[1])")
    expect(message).to_have_class("message error")
    assert stack.call("GET", "/api/configurations/lockrules")[1]["rules"] == []
    assert only_refusals_logged(page, 400)


def test_the_rules_page_is_only_offered_to_those_who_may_change_the_configuration(page, stack):
    open_backoffice(page, stack, 0)

    assert page.get_by_test_id("show-rules").is_hidden()
    assert page.errors == []
