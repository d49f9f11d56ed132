"""Creates, in moto (in-process or server), every resource template.yaml declares, from the template itself."""

from __future__ import annotations

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
