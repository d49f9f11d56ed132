"""Creates, in moto (in-process or server), every resource template.yaml declares, from the template itself."""

from __future__ import annotations

import json
from typing import Any

from local_stack import template


def create_tables(dynamodb: Any) -> dict[str, str]:
    """Every AWS::DynamoDB::Table with its keys, indexes, stream and TTL. Returns logical id -> stream ARN."""
    streams: dict[str, str] = {}
    for logical_id, properties in template.resources("AWS::DynamoDB::Table").items():
        request: dict[str, Any] = {
            "TableName": template.physical_name(logical_id),
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if properties.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        if properties.get("StreamSpecification"):
            request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
        description = dynamodb.create_table(**request)["TableDescription"]
        if description.get("LatestStreamArn"):
            streams[logical_id] = description["LatestStreamArn"]
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=request["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    return streams


def create_queues(sqs: Any) -> dict[str, str]:
    """Every AWS::SQS::Queue (dead-letter queues first, so redrive policies can point at them).
    Returns logical id -> queue URL."""
    queues = template.resources("AWS::SQS::Queue")
    ordered = sorted(queues, key=lambda logical_id: "RedrivePolicy" in queues[logical_id])
    urls: dict[str, str] = {}
    for logical_id in ordered:
        properties = queues[logical_id]
        attributes: dict[str, str] = {}
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds"):
            if name in properties:
                attributes[name] = str(properties[name])
        if "RedrivePolicy" in properties:
            policy = template.resolve(properties["RedrivePolicy"])
            attributes["RedrivePolicy"] = json.dumps(policy)
        response = sqs.create_queue(QueueName=template.physical_name(logical_id), Attributes=attributes)
        urls[logical_id] = response["QueueUrl"]
    return urls


def create_event_buses(events: Any) -> None:
    """Every AWS::Events::EventBus (named by logical id locally), and every AWS::Events::Rule on them."""
    for logical_id in template.resources("AWS::Events::EventBus"):
        events.create_event_bus(Name=template.physical_name(logical_id))
    for logical_id, properties in template.resources("AWS::Events::Rule").items():
        bus = template.resolve(properties.get("EventBusName", "default"))
        events.put_rule(
            Name=template.physical_name(logical_id),
            EventBusName=bus,
            EventPattern=json.dumps(template.resolve(properties["EventPattern"])),
            State=properties.get("State", "ENABLED"),
        )
        targets = []
        for target in properties.get("Targets", []):
            entry = {"Id": target["Id"], "Arn": template.resolve(target["Arn"])}
            if "InputTransformer" in target:
                entry["InputTransformer"] = template.resolve(target["InputTransformer"])
            targets.append(entry)
        if targets:
            events.put_targets(Rule=template.physical_name(logical_id), EventBusName=bus, Targets=targets)


def create_all(session: Any) -> dict[str, Any]:
    """Everything template.yaml declares that moto can hold. Returns the stream ARNs and queue URLs."""
    streams = create_tables(session.client("dynamodb"))
    queues = create_queues(session.client("sqs"))
    create_event_buses(session.client("events"))
    return {"streams": streams, "queues": queues}
