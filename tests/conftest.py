"""Shared fixtures: moto with every table of template.yaml, and a client that calls the real handlers
with API Gateway events built from the samples in events/."""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_stack import template

# Before any handler module (and so any boto3 client) is imported.
os.environ.update(
    AWS_DEFAULT_REGION=template.REGION,
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_NAMESPACE="OrderService",
)
for _function in template.functions().values():
    for _name, _value in _function.environment().items():
        os.environ.setdefault(_name, _value)
os.environ.pop("AWS_ENDPOINT_URL", None)

EVENTS = template.ROOT / "events"


def _client_factories() -> list[Any]:
    from order_service.api import signin
    from order_service.core import dynamo
    from order_service.events import bus as event_bus
    from order_service.lockrules import service as lockrules
    from order_service.webhooks import secrets
    from order_service.webhooks import service as webhooks

    # and what a container caches from the tables: each moto world starts without it
    return [dynamo.client, event_bus.client, webhooks.sqs, signin.cognito, secrets.kms, lockrules.current_rules]


# What API Gateway's authorizer hands a route for a token of the admins group. Handlers are called
# with it unless a test says otherwise; tests/integration/api/test_auth.py covers the authorizer itself.
ADMIN = template.authorizer_context("test-admin")


CLIENT_FACTORIES = _client_factories()


def load_event(relative: str) -> dict[str, Any]:
    return json.loads((EVENTS / relative).read_text(encoding="utf-8"))


@contextlib.contextmanager
def moto_world() -> Iterator[dict[str, Any]]:
    """moto, in process, with everything template.yaml declares. Yields stream ARNs and queue URLs."""
    import boto3
    from moto import mock_aws

    from local_stack import provision
    from local_stack.moto_patches import serialise_dynamodb_requests
    from order_service.api import auth
    from order_service.core.config import settings

    serialise_dynamodb_requests()
    with mock_aws():
        for factory in CLIENT_FACTORIES:
            factory.cache_clear()
        created = provision.create_all(boto3.Session())
        saved = dict(os.environ)
        os.environ.update(provision.function_environment(created["overrides"]))
        settings.cache_clear()
        auth.forget_keys()
        try:
            yield created
        finally:
            os.environ.clear()
            os.environ.update(saved)
            settings.cache_clear()
    for factory in CLIENT_FACTORIES:
        factory.cache_clear()


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto, in process, with everything template.yaml declares. Yields stream ARNs and queue URLs."""
    with moto_world() as created:
        yield created


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class ApiClient:
    """Sends a request to the handler template.yaml routes it to, as API Gateway would."""

    def __init__(self) -> None:
        # static paths before parameterised ones, as API Gateway matches them
        self.routes = sorted(template.api_routes(), key=lambda r: r.path.count("{"))

    def route_for(self, method: str, path: str) -> template.ApiRoute:
        from local_stack.apigw import path_parameters

        for route in self.routes:
            if route.method == method and path_parameters(route.path, path) is not None:
                return route
        raise AssertionError(f"template.yaml has no route for {method} {path}")

    def event(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        authorizer: dict[str, str] | None = ADMIN,
    ) -> tuple[Any, dict]:
        from local_stack.apigw import path_parameters, rest_event

        route = self.route_for(method, path)
        sample = load_event(f"api/{route.name}.json")
        fresh = rest_event(
            method,
            route.path,
            path,
            query=query,
            headers=headers,
            body=raw if raw is not None else (json.dumps(body) if body is not None else None),
        )
        event = copy.deepcopy(sample)
        event.update(
            {
                k: fresh[k]
                for k in (
                    "path",
                    "pathParameters",
                    "queryStringParameters",
                    "multiValueQueryStringParameters",
                    "body",
                    "headers",
                    "multiValueHeaders",
                )
            }
        )
        event["requestContext"].update(requestId=fresh["requestContext"]["requestId"])
        event["requestContext"].pop("authorizer", None)
        if authorizer is not None and not route.public:
            event["requestContext"]["authorizer"] = authorizer
        assert path_parameters(route.path, path) is not None
        return route, event

    def request(self, method: str, path: str, body: Any = None, **options: Any) -> Reply:
        from local_stack.apigw import LambdaContext, response_headers

        route, event = self.event(method, path, body, **options)
        response = template.handler(route.function)(event, LambdaContext(route.function.logical_id))
        text = response.get("body") or ""
        return Reply(response["statusCode"], json.loads(text) if text else None, response_headers(response))

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Reply:
        return self.request("POST", path, body, **options)

    def patch(self, path: str, body: Any = None, **options: Any) -> Reply:
        return self.request("PATCH", path, body, **options)


@pytest.fixture
def api(aws: dict[str, Any]) -> ApiClient:
    return ApiClient()


@pytest.fixture
def queues(aws: dict[str, Any]) -> Any:
    """The template's SQS event source mappings; `queues.pump_once()` hands one batch per queue over."""
    import boto3

    from local_stack.event_sources import QueuePump

    return QueuePump(boto3.client("sqs"), aws["queues"])


@pytest.fixture
def settle(streams: Any, queues: Any) -> Any:
    """Runs streams and queues until nothing moves: API write -> stream -> bus -> webhook queues."""

    def run(rounds: int = 30) -> None:
        for _ in range(rounds):
            moved = streams.pump_once() + queues.pump_once()
            if not moved:
                return
        raise AssertionError("the pipeline did not settle")

    return run


@pytest.fixture
def streams(aws: dict[str, Any]) -> Any:
    """The template's stream event source mappings; `streams.drain()` runs every pending record through them."""
    import boto3

    from local_stack.event_sources import StreamPump

    return StreamPump(boto3.client("dynamodbstreams"), aws["streams"], boto3.client("sqs"))


FIXTURES = Path(__file__).parent / "fixtures"


class EventSink:
    """An SQS queue behind an EventBridge rule on the service's bus: what subscribers would receive."""

    def __init__(self) -> None:
        import boto3

        self.sqs = boto3.client("sqs")
        events = boto3.client("events")
        self.url = self.sqs.create_queue(QueueName="test-event-sink")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = template.physical_name("OrderEventBus")
        events.put_rule(
            Name="test-everything",
            EventBusName=bus,
            EventPattern=json.dumps({"source": [os.environ["POWERTOOLS_SERVICE_NAME"]]}),
        )
        events.put_targets(Rule="test-everything", EventBusName=bus, Targets=[{"Id": "sink", "Arn": arn}])
        self.received: list[dict[str, Any]] = []

    def envelopes(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every envelope received so far (optionally only one event name), oldest first."""
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                break
            for message in batch:
                event = json.loads(message["Body"])
                assert event["detail-type"] == event["detail"]["event"]
                self.received.append(event["detail"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [e for e in self.received if name is None or e["event"] == name]


@pytest.fixture
def event_sink(aws: dict[str, Any]) -> EventSink:
    return EventSink()
