"""Writes shared/order_service/api/openapi.json from the routes of every API function in template.yaml.

python -m tools.openapi          # write
python -m tools.openapi --check  # exit 1 when the committed copy is stale
"""

from __future__ import annotations

import json
import sys

from local_stack import template
from tools.generated import write_or_check

DOCUMENT = template.ROOT / "shared" / "order_service" / "api" / "openapi.json"
TITLE = "Order service with locked orders"
VERSION = "1.0.0"


def generate() -> str:
    from order_service.api.openapi import build

    operations = []
    seen = set()
    for route in template.api_routes():
        if route.function.logical_id in seen:
            continue
        seen.add(route.function.logical_id)
        operations.extend(template.import_module(route.function).api.operations)
    return json.dumps(build(operations, TITLE, VERSION), indent=2, sort_keys=False) + "\n"


def main() -> int:
    return write_or_check(DOCUMENT, generate(), "openapi", sys.argv[1:], template.ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
