"""Every property template.yaml sets is honoured, approximated or ignored on purpose by the local stack -
listed in local_stack/fidelity.py and shown in docs/local_stack.md - or the stack refuses to start."""

from __future__ import annotations

import copy

from local_stack import fidelity, template


def test_every_property_of_the_template_is_one_the_local_stack_has_decided_on():
    assert fidelity.unknown_properties() == []


def test_a_property_nobody_decided_on_stops_the_stack_with_its_name():
    document = copy.deepcopy(template.load())
    document["Resources"]["OrdersApiFunction"]["Properties"]["ProvisionedConcurrencyConfig"] = {
        "ProvisionedConcurrentExecutions": 2
    }
    document["Resources"]["WebhookSenderFunction"]["Properties"]["Events"]["Deliveries"]["Properties"][
        "MetricsConfig"
    ] = {"Metrics": ["EventCount"]}

    assert fidelity.unknown_properties(document) == [
        "OrdersApiFunction.ProvisionedConcurrencyConfig (AWS::Serverless::Function)",
        "WebhookSenderFunction.Deliveries.MetricsConfig (Event SQS)",
    ]


def test_the_docs_table_is_the_one_the_stack_checks_against():
    docs = (template.ROOT / "docs" / "local_stack.md").read_text(encoding="utf-8")

    assert fidelity.markdown_table() in docs, "regenerate with: python -m local_stack.fidelity"
