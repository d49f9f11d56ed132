"""What the local stack does with each property template.yaml may set: honoured, approximated (how), or
ignored (why). The stack refuses to start on a property that is not listed here, so a new setting in
the template is never silently ignored; docs/local_stack.md shows this table (a test keeps them equal).

`python -m local_stack.fidelity` prints the table in Markdown.
"""

from __future__ import annotations

from typing import Any

from local_stack import template

HONOURED, APPROXIMATED, IGNORED = "honoured", "approximated", "ignored"

NO_IAM = "moto does not enforce IAM: every function may call everything locally"
ENCRYPTION = "encryption at rest has no observable effect on one machine"
NO_CLOUDWATCH = "no CloudWatch locally: no metrics are evaluated, no alarm fires or notifies (docs/operations.md)"

# kind -> property -> (status, how or why). A kind is a resource type, "Globals.Function", or an event
# source type of a function ("Event Api", "Event DynamoDB", ...).
PROPERTIES: dict[str, dict[str, tuple[str, str]]] = {
    "AWS::Serverless::Function": {
        "CodeUri": (HONOURED, "the handler module is imported from it"),
        "Handler": (HONOURED, "module.function, called with a Lambda-shaped event and context"),
        "Environment": (HONOURED, "Globals' variables merged with the function's, Refs resolved against moto"),
        "Timeout": (
            APPROXIMATED,
            "the invocation is interrupted at its next Python instruction after it and fails (API: 502; "
            "pollers: a failed batch); a thread cannot be killed: one blocked in a socket read stops when it returns",
        ),
        "MemorySize": (APPROXIMATED, "reported in the context; memory is not limited"),
        "ReservedConcurrentExecutions": (
            APPROXIMATED,
            "that many invocations at once (default 10), each on its caller's thread; more wait for a free "
            "instance instead of being throttled",
        ),
        "Events": (HONOURED, "see the event rows"),
        "Description": (IGNORED, "documentation"),
        "Policies": (IGNORED, NO_IAM),
        "Runtime": (APPROXIMATED, "the interpreter of `make run` (Python 3.12 or newer)"),
        "Architectures": (IGNORED, "no effect on Python code"),
        "Tracing": (IGNORED, "X-Ray is off locally (POWERTOOLS_TRACE_DISABLED)"),
        "Layers": (APPROXIMATED, "the layer's package is on PYTHONPATH (shared/)"),
    },
    "Event Api": {
        "Path": (HONOURED, "the same route, static paths before parameterised ones"),
        "Method": (HONOURED, "405 for a known path with another method"),
        "Auth": (HONOURED, "Authorizer: NONE makes a route public; others go through the TOKEN authorizer"),
        "RestApiId": (HONOURED, "the one API, on LOCAL_API_PORT"),
    },
    "Event DynamoDB": {
        "Stream": (HONOURED, "the table's stream in moto"),
        "StartingPosition": (HONOURED, "TRIM_HORIZON only; another value is refused"),
        "BatchSize": (HONOURED, "at most that many records per invocation"),
        "MaximumBatchingWindowInSeconds": (
            HONOURED,
            "records wait for a full batch or the window (LOCAL_BATCHING_WINDOWS=0: at once)",
        ),
        "MaximumRetryAttempts": (HONOURED, "then the on-failure destination"),
        "MaximumRecordAgeInSeconds": (HONOURED, "older records skip the function: on-failure destination"),
        "BisectBatchOnFunctionError": (HONOURED, "a failing batch is split in two and each half retried"),
        "FunctionResponseTypes": (HONOURED, "ReportBatchItemFailures: retried from the first failed record"),
        "DestinationConfig": (HONOURED, "OnFailure SQS queue gets Lambda's batch-info message"),
        "FilterCriteria": (
            HONOURED,
            "the service's own pattern engine (`order_service.core.patterns`, EventBridge's language); "
            "a pattern Lambda would refuse (or `wildcard`, `cidr`) is refused when the mappings are read",
        ),
        "Enabled": (HONOURED, "false: not polled"),
    },
    "Event SQS": {
        "Queue": (HONOURED, "long polling (20 s), as Lambda's pollers"),
        "BatchSize": (APPROXIMATED, "at most 10 messages per invocation (one ReceiveMessage)"),
        "MaximumBatchingWindowInSeconds": (HONOURED, "0 only: a batch goes at once; another value is refused"),
        "FunctionResponseTypes": (HONOURED, "ReportBatchItemFailures: only failed messages stay on the queue"),
        "FilterCriteria": (HONOURED, "as for streams; a message that does not match is deleted"),
        "ScalingConfig": (HONOURED, "MaximumConcurrency: that many batches in flight, and function instances"),
        "Enabled": (HONOURED, "false: not polled"),
    },
    "Event Schedule": {
        "Schedule": (
            APPROXIMATED,
            "rate() at its rate from the start of `make run` (LOCAL_SCHEDULE_SECONDS overrides); cron() refused",
        ),
        "Description": (IGNORED, "documentation"),
        "Enabled": (HONOURED, "false: never runs"),
    },
    "AWS::Serverless::Api": {
        "StageName": (HONOURED, "in the events' requestContext; the local URL has no stage prefix"),
        "Auth": (
            HONOURED,
            "the default TOKEN authorizer function, 401/403 as API Gateway answers; its policy cached per "
            "token for Identity.ReauthorizeEvery seconds",
        ),
        "GatewayResponses": (
            APPROXIMATED,
            "DEFAULT_5XX for a failed or timed-out function; 401/403/404 bodies as the template's",
        ),
        "MethodSettings": (IGNORED, "metrics and throttling (100 req/s) are not enforced locally"),
        "AccessLogSetting": (IGNORED, "access logs go to CloudWatch Logs on AWS; there is none locally"),
        "Name": (IGNORED, "one local API on LOCAL_API_PORT; on AWS the name is its metrics' ApiName dimension"),
    },
    "AWS::Logs::LogGroup": {
        "RetentionInDays": (IGNORED, "no CloudWatch Logs locally (the API's access log group)"),
    },
    "AWS::KMS::Key": {
        "Description": (
            HONOURED,
            "created in moto's KMS; webhook secrets are sealed with WebhookSecretsKey as on AWS (AlarmTopicKey: "
            "created, unused: no CloudWatch locally)",
        ),
        "EnableKeyRotation": (IGNORED, "moto does not rotate keys"),
        "KeyPolicy": (IGNORED, NO_IAM),
    },
    "AWS::Serverless::LayerVersion": {
        "ContentUri": (APPROXIMATED, "on PYTHONPATH instead of /opt/python"),
        "CompatibleRuntimes": (IGNORED, "one interpreter"),
        "CompatibleArchitectures": (IGNORED, "no effect on Python code"),
        "RetentionPolicy": (IGNORED, "no layer versions locally"),
        "Description": (IGNORED, "documentation"),
    },
    "AWS::DynamoDB::Table": {
        "KeySchema": (HONOURED, "created in moto as declared"),
        "AttributeDefinitions": (HONOURED, "created in moto as declared"),
        "GlobalSecondaryIndexes": (HONOURED, "created in moto as declared"),
        "BillingMode": (APPROXIMATED, "passed to moto; no capacity is enforced"),
        "StreamSpecification": (HONOURED, "the stream and its view type"),
        "TimeToLiveSpecification": (APPROXIMATED, "set in moto, which does not expire items"),
        "PointInTimeRecoverySpecification": (IGNORED, "no backups locally"),
        "SSESpecification": (IGNORED, ENCRYPTION),
    },
    "AWS::SQS::Queue": {
        "VisibilityTimeout": (HONOURED, "moto's queue attribute"),
        "MessageRetentionPeriod": (HONOURED, "moto's queue attribute"),
        "DelaySeconds": (HONOURED, "moto's queue attribute"),
        "ReceiveMessageWaitTimeSeconds": (HONOURED, "moto's queue attribute"),
        "RedrivePolicy": (HONOURED, "moto moves a message to the DLQ after maxReceiveCount receives"),
        "SqsManagedSseEnabled": (IGNORED, ENCRYPTION),
    },
    "AWS::SNS::Topic": {
        "DisplayName": (IGNORED, NO_CLOUDWATCH + "; the alarms' topic is not created"),
        "KmsMasterKeyId": (IGNORED, NO_CLOUDWATCH + "; the alarms' topic is not created"),
    },
    "AWS::SNS::TopicPolicy": {
        "Topics": (IGNORED, NO_CLOUDWATCH),
        "PolicyDocument": (IGNORED, NO_CLOUDWATCH),
    },
    "AWS::SNS::Subscription": {
        "TopicArn": (IGNORED, NO_CLOUDWATCH + "; no alarm e-mail"),
        "Protocol": (IGNORED, NO_CLOUDWATCH + "; no alarm e-mail"),
        "Endpoint": (IGNORED, NO_CLOUDWATCH + "; no alarm e-mail"),
    },
    "AWS::CloudWatch::Alarm": {
        name: (IGNORED, NO_CLOUDWATCH)
        for name in (
            "AlarmName",
            "AlarmDescription",
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "Metrics",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
            "OKActions",
        )
    },
    "AWS::CloudWatch::Dashboard": {
        "DashboardName": (IGNORED, NO_CLOUDWATCH + "; tests check its body (tests/tooling/test_alarms.py)"),
        "DashboardBody": (IGNORED, NO_CLOUDWATCH + "; tests check its body (tests/tooling/test_alarms.py)"),
    },
    "AWS::SQS::QueuePolicy": {
        "Queues": (IGNORED, NO_IAM),
        "PolicyDocument": (IGNORED, NO_IAM),
    },
    "AWS::Events::EventBus": {
        "Name": (APPROXIMATED, "the bus is named after its logical id, as every local resource"),
    },
    "AWS::Events::Rule": {
        "EventBusName": (HONOURED, "the rule is on that bus"),
        "EventPattern": (HONOURED, "moto matches it"),
        "Targets": (
            APPROXIMATED,
            "SQS targets; RetryPolicy: retried at once up to MaximumRetryAttempts (not over hours), except a "
            "missing queue; DeadLetterConfig: the event then goes to the DLQ with EventBridge's error "
            "attributes; other target settings are refused",
        ),
        "Description": (IGNORED, "documentation"),
        "State": (HONOURED, "passed to moto"),
    },
    "AWS::Cognito::UserPool": {
        "UserPoolName": (APPROXIMATED, "the pool is named after its logical id"),
        "Policies": (HONOURED, "password policy, in moto"),
        "AdminCreateUserConfig": (IGNORED, "the demo users are created by the stack"),
        "UserPoolAddOns": (IGNORED, "advanced security is not in moto"),
    },
    "AWS::Cognito::UserPoolGroup": {
        "GroupName": (HONOURED, "created in moto"),
        "Description": (HONOURED, "created in moto"),
        "UserPoolId": (HONOURED, "created in moto"),
    },
    "AWS::Cognito::UserPoolResourceServer": {
        "Identifier": (HONOURED, "created in moto"),
        "Name": (HONOURED, "created in moto"),
        "Scopes": (HONOURED, "created in moto"),
        "UserPoolId": (HONOURED, "created in moto"),
    },
    "AWS::Cognito::UserPoolClient": {
        "ClientName": (HONOURED, "created in moto"),
        "UserPoolId": (HONOURED, "created in moto"),
        "GenerateSecret": (HONOURED, "created in moto"),
        "ExplicitAuthFlows": (HONOURED, "created in moto"),
        "AllowedOAuthFlows": (HONOURED, "created in moto"),
        "AllowedOAuthScopes": (HONOURED, "created in moto"),
        "AllowedOAuthFlowsUserPoolClient": (HONOURED, "created in moto"),
        "AccessTokenValidity": (IGNORED, "moto's tokens last one hour"),
        "IdTokenValidity": (IGNORED, "moto's tokens last one hour"),
        "TokenValidityUnits": (IGNORED, "moto's tokens last one hour"),
        "PreventUserExistenceErrors": (IGNORED, "moto's own sign-in errors"),
    },
}
PROPERTIES["Globals.Function"] = {
    name: PROPERTIES["AWS::Serverless::Function"][name]
    for name in ("Runtime", "Architectures", "MemorySize", "Timeout", "Tracing", "Layers", "Environment")
}
PROPERTIES["Globals.Api"] = {
    "TracingEnabled": (IGNORED, "X-Ray is off locally"),
    "OpenApiVersion": (IGNORED, "the OpenAPI document is generated from the code"),
}


def unknown_properties(document: dict[str, Any] | None = None) -> list[str]:
    """`kind.property` for every property of the template that PROPERTIES does not list."""
    document = document or template.load()
    found: list[str] = []

    def check(kind: str, where: str, properties: dict[str, Any]) -> None:
        known = PROPERTIES.get(kind)
        if known is None:
            found.append(f"{where}: resource type {kind}")
            return
        found.extend(f"{where}.{name} ({kind})" for name in properties if name not in known)

    for section, properties in (document.get("Globals") or {}).items():
        check(f"Globals.{section}", f"Globals.{section}", properties or {})
    for logical_id, resource in document["Resources"].items():
        check(resource["Type"], logical_id, resource.get("Properties") or {})
        if resource["Type"] == "AWS::Serverless::Function":
            for name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
                check(f"Event {event['Type']}", f"{logical_id}.{name}", event.get("Properties") or {})
    return found


def refuse_unknown() -> None:
    """Stops the local stack before it starts when the template says something it would not do."""
    unknown = unknown_properties()
    if unknown:
        raise ValueError(
            "template.yaml sets what the local stack does not run (add it to local_stack/fidelity.py "
            "and docs/local_stack.md, or implement it): " + "; ".join(unknown)
        )


def markdown_table() -> str:
    rows = ["| resource or event | property | locally | how, or why not |", "|---|---|---|---|"]
    for kind, properties in PROPERTIES.items():
        for name, (status, how) in properties.items():
            rows.append(f"| {kind} | `{name}` | {status} | {how} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
