"""docs/health.png: the back office's queue-health view in Chromium, against a local stack seeded with held
orders of several hold types and facilities. Their time in the queue is backdated in the local moto (the
status history's LOCKED entry) so that the age chart and the SLA colours show a day's spread."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import boto3

from local_stack import process, template
from local_stack.stack import DEMO_USERS
from order_service.core.clock import iso

TARGET = template.ROOT / "docs" / "health.png"
HOLD_TYPES = {
    "types": [
        {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers"], "expiresAfterMinutes": 1440},
        {"key": "PAYMENT", "name": "Payment check", "releaseGroups": ["reviewers"]},
        {"key": "ADDRESS", "name": "Address check", "releaseGroups": ["reviewers"]},
    ],
    "version": 0,
}
# (hold types, facility index, minutes held)
QUEUE = [
    (["FRAUD"], 0, 1600),
    (["FRAUD", "PAYMENT"], 0, 300),
    (["PAYMENT"], 1, 200),
    (["DEFAULT"], 1, 90),
    (["ADDRESS"], 2, 70),
    (["FRAUD"], 0, 40),
    (["PAYMENT"], 2, 20),
    (["DEFAULT"], 0, 5),
    (["FRAUD"], 1, 2),
]


def _order(n: int, facility_ref: str, types: list[str]) -> dict:
    return {
        "tenantOrderId": f"R-20{n + 1:02d}",
        "orderDate": "2026-11-26T08:45:50.525Z",
        "holds": [{"type": t, "reason": f"{t.lower()} review"} for t in types],
        "deliveryPreferences": {"collect": [{"facilityRef": facility_ref}]},
        "consumer": {"addresses": [{"street": "Hauptstr.", "postalCode": "10115", "city": "Berlin", "country": "DE"}]},
        "orderLineItems": [{"article": {"tenantArticleId": f"A-{n}", "title": "Cologne Water"}, "quantity": 1}],
    }


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    stack = process.start({"LOCAL_SCHEDULE_SECONDS": "2"})
    try:
        stack.call("PUT", "/api/configurations/holds", HOLD_TYPES)
        facilities = [f["id"] for f in stack.call("GET", "/api/facilities")[1]["facilities"]]
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=stack.moto,
            region_name=template.REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        now = datetime.now(UTC)
        for n, (types, facility, minutes) in enumerate(QUEUE):
            _, order = stack.call("POST", "/api/orders", _order(n, facilities[facility % len(facilities)], types))
            dynamodb.update_item(
                TableName=template.physical_name("OrdersTable"),
                Key={"id": {"S": order["id"]}},
                UpdateExpression="SET statusHistory[0].#at = :at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":at": {"S": iso(now - timedelta(minutes=minutes))}},
            )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{stack.api}/backoffice")
            page.locator("#username").fill("reviewer")
            page.locator("#password").fill(DEMO_USERS["reviewer"][1])
            page.get_by_role("button", name="Sign in").click()
            for _ in range(20):  # until a snapshot counts them all
                page.get_by_role("button", name="Refresh health").click()
                page.wait_for_timeout(1000)
                if page.get_by_test_id("health-held").inner_text() == str(len(QUEUE)):
                    break
            expect(page.get_by_test_id("chart-ages").locator("g.bar").last).to_have_attribute("data-count", "1")
            page.locator(".held-ages summary").click()
            page.get_by_test_id("health").screenshot(path=str(TARGET))
            browser.close()
    finally:
        process.stop(stack)
    print(f"wrote {TARGET.relative_to(template.ROOT)}")


if __name__ == "__main__":
    main()
