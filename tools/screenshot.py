"""docs/backoffice.png: the back office queue in Chromium, against a local stack seeded with orders: typed
holds (one four-eyes hold half approved, one with an expiry, one placed by an auto-lock rule) and the
platform's plain LOCKED."""

from __future__ import annotations

import shutil

from local_stack import process, template
from local_stack.stack import DEMO_USERS

TARGET = template.ROOT / "docs" / "backoffice.png"
CUSTOMERS = [  # first name, last name, hold type (None: the platform's LOCKED), reason, lat, lon
    ("Maxine", "Muller", "FRAUD", "Card country mismatch", 52.53, 13.38),
    ("Jonas", "Becker", None, "Customer verification", 48.14, 11.58),
    ("Lea", "Schmidt", "ADDRESS", "Street not found", 53.55, 9.99),
    ("Paul", "Wagner", "RULE", "", 52.5, 13.4),
    ("Emma", "Hoffmann", None, "Payment pending review", 48.2, 11.6),
]
HOLD_TYPES = [
    {"key": "FRAUD", "name": "Fraud check", "releaseGroups": ["reviewers", "admins"], "requiredApprovals": 2},
    {
        "key": "ADDRESS",
        "name": "Address check",
        "releaseGroups": ["reviewers"],
        "requiredApprovals": 1,
        "expiresAfterMinutes": 1440,
        "onExpiry": "CANCEL",
    },
]
RULE = {
    "key": "HIGH_RISK",
    "name": "Checkout risk 70+",
    "holdType": "FRAUD",
    "reason": "Risk score from the checkout",
    "when": {"customAttributes": {"riskScore": [{"numeric": [">=", 70]}]}},
}


def hold_fields(hold_type: str | None, reason: str) -> dict:
    if hold_type is None:
        return {"status": "LOCKED", "statusReasons": [{"status": "LOCKED", "reason": reason}]}
    if hold_type == "RULE":
        return {"customAttributes": {"riskScore": 85}}
    return {"holds": [{"type": hold_type, "reason": reason}]}


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    stack = process.start()
    try:
        stack.call("PUT", "/api/configurations/holds", {"types": HOLD_TYPES, "version": 0})
        stack.call("PUT", "/api/configurations/lockrules", {"rules": [RULE], "version": 0})
        created = []
        for n, (first, last, hold_type, reason, lat, lon) in enumerate(CUSTOMERS):
            _, order = stack.call(
                "POST",
                "/api/orders",
                {
                    "tenantOrderId": f"R-10{n + 1:02d}",
                    "orderDate": "2026-11-26T08:45:50.525Z",
                    **hold_fields(hold_type, reason),
                    "consumer": {
                        "addresses": [
                            {
                                "firstName": first,
                                "lastName": last,
                                "street": "Hauptstr.",
                                "houseNumber": str(n + 1),
                                "postalCode": "10115",
                                "city": "Berlin",
                                "country": "DE",
                                "coordinates": {"lat": lat, "lon": lon},
                            }
                        ]
                    },
                    "orderLineItems": [
                        {"article": {"tenantArticleId": f"A-{n}", "title": "Cologne Water"}, "quantity": n + 1}
                    ],
                },
            )
            created.append(order)
        fraud = created[0]  # the first of two approvals (four eyes), by someone else than the reviewer
        approve = {"name": "RELEASE_HOLD", "version": fraud["version"], "holdId": fraud["holds"][0]["id"]}
        stack.call("POST", f"/api/orders/{fraud['id']}/actions", approve)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.goto(f"{stack.api}/backoffice")
            page.locator("#username").fill("reviewer")
            page.locator("#password").fill(DEMO_USERS["reviewer"][1])
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator("#rows tr")).to_have_count(len(CUSTOMERS))
            page.locator("#rows tr").first.click()
            page.get_by_test_id("unlock").wait_for()
            page.screenshot(path=str(TARGET))
            browser.close()
    finally:
        process.stop(stack)
    print(f"wrote {TARGET.relative_to(template.ROOT)}")


if __name__ == "__main__":
    main()
