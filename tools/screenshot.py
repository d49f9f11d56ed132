"""docs/backoffice.png: the back office queue in Chromium, against a local stack seeded with orders."""

from __future__ import annotations

import shutil

from local_stack import process, template
from local_stack.stack import DEMO_USERS

TARGET = template.ROOT / "docs" / "backoffice.png"
CUSTOMERS = [
    ("Maxine", "Muller", "Fraud check pending", 52.53, 13.38),
    ("Jonas", "Becker", "Customer verification", 48.14, 11.58),
    ("Lea", "Schmidt", "Fraud: card country mismatch", 53.55, 9.99),
    ("Paul", "Wagner", "Address verification", 52.5, 13.4),
    ("Emma", "Hoffmann", "Payment pending review", 48.2, 11.6),
]


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    stack = process.start()
    try:
        for n, (first, last, reason, lat, lon) in enumerate(CUSTOMERS):
            stack.call(
                "POST",
                "/api/orders",
                {
                    "tenantOrderId": f"R-10{n + 1:02d}",
                    "orderDate": "2026-11-26T08:45:50.525Z",
                    "status": "LOCKED",
                    "statusReasons": [{"status": "LOCKED", "reason": reason}],
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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 640})
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
