"""schemathesis against the OpenAPI document the local stack serves: requests generated from it, on
every operation, get no 5xx and answers that match the document.

(schemathesis' own pytest plugin, `from_fixture`, fails on pytest 9.2: each operation's strategy is
driven with hypothesis here instead.)"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from local_stack.process import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(scope="module")
def served(stack: RunningStack) -> Any:
    with urllib.request.urlopen(f"{stack.api}/openapi.json", timeout=10) as answer:
        return schemathesis.openapi.from_dict(json.load(answer))


def test_generated_requests_get_no_5xx_and_answers_that_match_the_document(stack: RunningStack, served: Any) -> None:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    tried: list[str] = []
    statuses: list[int] = []
    for result in served.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same examples every run: CI is repeatable
        )
        @given(operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(base_url=stack.api, headers=headers, timeout=15)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        call()

    assert len(tried) >= 25  # every route of the document was exercised
    assert len(statuses) >= len(tried)
    assert max(statuses) < 500
