"""The request models are generated from the vendored platform schemas, and the vendored file is the
contract's extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import platform_models

CONTRACT_EXTRACT = platform_models.ROOT.parent / "shared" / "platform" / "fulfillmenttools-orders.openapi.json"


def test_the_generated_models_are_what_the_vendored_schemas_generate():
    assert platform_models.TARGET.read_text(encoding="utf-8") == platform_models.generate(), (
        "shared/order_service/orders/platform_models.py drifted from platform/: run `make platform-models`"
    )


def test_the_vendored_schemas_are_the_contracts_extract():
    if not CONTRACT_EXTRACT.exists():
        pytest.skip(f"the contract's extract is not beside this checkout ({CONTRACT_EXTRACT})")
    assert Path(platform_models.SOURCE).read_bytes() == CONTRACT_EXTRACT.read_bytes()
