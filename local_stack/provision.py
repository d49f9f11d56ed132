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
            unknown = set(target) - {"Id", "Arn", "InputTransformer", "RetryPolicy", "DeadLetterConfig"}
            if unknown:
                raise ValueError(f"{logical_id}: the local stack does not run target settings {sorted(unknown)}")
            entry = {"Id": target["Id"], "Arn": template.resolve(target["Arn"])}
            for name in ("InputTransformer", "RetryPolicy", "DeadLetterConfig"):  # the last two: moto_patches
                if name in target:
                    entry[name] = template.resolve(target[name])
            targets.append(entry)
        if targets:
            events.put_targets(Rule=template.physical_name(logical_id), EventBusName=bus, Targets=targets)


def create_user_pools(cognito: Any) -> dict[str, str]:
    """Every AWS::Cognito::UserPool with its groups, resource servers and clients. moto chooses the
    ids; returns logical id -> id, to resolve the template's Refs (e.g. COGNITO_ISSUER) with."""
    ids: dict[str, str] = {}
    for logical_id, properties in template.resources("AWS::Cognito::UserPool").items():
        pool = cognito.create_user_pool(
            PoolName=template.physical_name(logical_id), Policies=properties.get("Policies", {})
        )["UserPool"]
        ids[logical_id] = pool["Id"]

    def pool_of(properties: dict[str, Any]) -> str:
        return ids[properties["UserPoolId"]["Ref"]]

    for properties in template.resources("AWS::Cognito::UserPoolGroup").values():
        cognito.create_group(
            UserPoolId=pool_of(properties),
            GroupName=properties["GroupName"],
            Description=properties.get("Description", ""),
        )
    for properties in template.resources("AWS::Cognito::UserPoolResourceServer").values():
        cognito.create_resource_server(
            UserPoolId=pool_of(properties),
            Identifier=properties["Identifier"],
            Name=properties["Name"],
            Scopes=properties.get("Scopes", []),
        )
    for logical_id, properties in template.resources("AWS::Cognito::UserPoolClient").items():
        options = {
            k: properties[k]
            for k in (
                "GenerateSecret",
                "ExplicitAuthFlows",
                "AllowedOAuthFlows",
                "AllowedOAuthScopes",
                "AllowedOAuthFlowsUserPoolClient",
            )
            if k in properties
        }
        client = cognito.create_user_pool_client(
            UserPoolId=pool_of(properties), ClientName=properties["ClientName"], **options
        )
        ids[logical_id] = client["UserPoolClient"]["ClientId"]
    return ids


def create_keys(kms: Any) -> dict[str, str]:
    """Every AWS::KMS::Key (symmetric, for envelope encryption). moto chooses the ids; returns logical
    id -> key id (its Ref) and logical id.Arn -> key ARN (its GetAtt)."""
    ids: dict[str, str] = {}
    for logical_id, properties in template.resources("AWS::KMS::Key").items():
        key = kms.create_key(
            Description=properties.get("Description", logical_id),
            KeySpec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            KeyUsage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
        )["KeyMetadata"]
        kms.create_alias(AliasName=f"alias/{logical_id}", TargetKeyId=key["KeyId"])  # found again by discover()
        ids[logical_id] = key["KeyId"]
        ids[f"{logical_id}.Arn"] = key["Arn"]
    return ids


def create_all(session: Any) -> dict[str, Any]:
    """Everything template.yaml declares that moto can hold. Returns the stream ARNs, queue URLs, and
    `overrides`: the values of Refs that moto chose (user pool and client ids, queue URLs, KMS key ids)."""
    streams = create_tables(session.client("dynamodb"))
    queues = create_queues(session.client("sqs"))
    create_event_buses(session.client("events"))
    cognito_ids = create_user_pools(session.client("cognito-idp"))
    keys = create_keys(session.client("kms"))
    return {
        "streams": streams,
        "queues": queues,
        "cognito": cognito_ids,
        "keys": keys,
        "overrides": {**queues, **cognito_ids, **keys},
    }


def function_environment(overrides: dict[str, str]) -> dict[str, str]:
    """The environment of every function (they share one process locally), resolved with `overrides`."""
    merged: dict[str, str] = {}
    for function in template.functions().values():
        merged.update(function.environment(overrides))
    return merged


def discover(session: Any) -> dict[str, Any]:
    """What `create_all` returned, found again in a moto that a running stack provisioned (for `make
    invoke`, from another process): stream ARNs, queue URLs and the ids moto chose, by physical name."""
    dynamodb, sqs, cognito = session.client("dynamodb"), session.client("sqs"), session.client("cognito-idp")
    streams = {}
    for logical_id, properties in template.resources("AWS::DynamoDB::Table").items():
        table = dynamodb.describe_table(TableName=template.physical_name(logical_id))["Table"]
        if properties.get("StreamSpecification"):
            streams[logical_id] = table["LatestStreamArn"]
    queues = {
        logical_id: sqs.get_queue_url(QueueName=template.physical_name(logical_id))["QueueUrl"]
        for logical_id in template.resources("AWS::SQS::Queue")
    }
    pools = {p["Name"]: p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]}
    ids: dict[str, str] = {}
    for logical_id in template.resources("AWS::Cognito::UserPool"):
        ids[logical_id] = pools[template.physical_name(logical_id)]
    for logical_id, properties in template.resources("AWS::Cognito::UserPoolClient").items():
        pool_id = ids[properties["UserPoolId"]["Ref"]]
        clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        ids[logical_id] = next(c["ClientId"] for c in clients if c["ClientName"] == properties["ClientName"])
    kms = session.client("kms")
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    keys: dict[str, str] = {}
    for logical_id in template.resources("AWS::KMS::Key"):
        key_id = aliases[f"alias/{logical_id}"]
        keys[logical_id] = key_id
        keys[f"{logical_id}.Arn"] = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    return {"streams": streams, "queues": queues, "cognito": ids, "overrides": {**queues, **ids, **keys}}
