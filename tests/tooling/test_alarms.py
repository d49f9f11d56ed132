"""The alarms, their topic and the dashboard in template.yaml: read from the template, never restated.

Every queue that holds what the service gave up on has an alarm; every stream consumer has an iterator
age alarm; every alarm notifies the topic; the dashboard is valid JSON naming only what exists."""

from __future__ import annotations

import json
import re
from typing import Any

from local_stack import template

OPERATIONS = template.ROOT / "docs" / "operations.md"
# Where a resource names the queue that receives what it could not handle.
DEAD_LETTER_KEYS = {"deadLetterTargetArn", "DeadLetterConfig", "DeadLetterQueue", "OnFailure"}


def _resources(kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template.load()["Resources"].items() if r["Type"] == kind}


def _alarms() -> dict[str, dict[str, Any]]:
    return template.resources("AWS::CloudWatch::Alarm")


def _queues_named_in(value: Any) -> set[str]:
    """Logical ids of the SQS queues a subtree points at (Ref or Fn::GetAtt)."""
    queues = set(template.resources("AWS::SQS::Queue"))
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            logical_id = target[0] if isinstance(target, list) else target.split(".", 1)[0]
            return {logical_id} & queues
        if set(value) == {"Ref"}:
            return {value["Ref"]} & queues
        for item in value.values():
            found |= _queues_named_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= _queues_named_in(item)
    return found


def _dead_letter_queues() -> set[str]:
    """Every queue that is a redrive target, a rule target's dead-letter queue or an event source's or
    function's on-failure destination, anywhere in the template."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in DEAD_LETTER_KEYS:
                    found.update(_queues_named_in(item))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(template.load()["Resources"])
    return found


def _watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(namespace, metric, dimensions, statistic) of every metric an alarm reads, single or metric math."""
    if "MetricName" in alarm:
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        return [(alarm["Namespace"], alarm["MetricName"], dimensions, alarm.get("Statistic"))]
    watched = []
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            watched.append((metric["Namespace"], metric["MetricName"], dimensions, query["MetricStat"]["Stat"]))
    return watched


def _global_environment() -> dict[str, Any]:
    return dict(template.load()["Globals"]["Function"]["Environment"]["Variables"])


def _documented_metrics() -> dict[str, set[str]]:
    """docs/operations.md's table of the metrics alarms and dashboard read: metric -> dimension names."""
    documented = {}
    for line in OPERATIONS.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| `(\w+)` \| ((?:`\w+`(?:, )?)+) \|", line)
        if row:
            documented[row.group(1)] = set(re.findall(r"`(\w+)`", row.group(2)))
    return documented


def test_there_is_an_alarm_on_every_dead_letter_queue_and_the_stream_failures_queue():
    dead_letter_queues = _dead_letter_queues()
    assert "StreamFailuresQueue" in dead_letter_queues and len(dead_letter_queues) > 1

    for queue in dead_letter_queues:
        alarms = [
            (name, alarm)
            for name, alarm in _alarms().items()
            if (
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}},
                "Maximum",
            )
            in _watched(alarm)
        ]
        assert alarms, f"no alarm on the dead-letter queue {queue}"
        for name, alarm in alarms:  # one message is enough
            assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0), name


def test_every_stream_consumer_has_an_iterator_age_alarm():
    consumers = [f.logical_id for f in template.functions().values() if f.events("DynamoDB") or f.events("Kinesis")]
    assert consumers

    for function in consumers:
        watching = [
            name
            for name, alarm in _alarms().items()
            if ("AWS/Lambda", "IteratorAge", {"FunctionName": {"Ref": function}}, "Maximum") in _watched(alarm)
        ]
        assert watching, f"no IteratorAge alarm for {function}"
        for name in watching:
            assert _alarms()[name]["Threshold"] == {"Ref": "StreamIteratorAgeAlarmSeconds"}, name
    assert template.load()["Parameters"]["StreamIteratorAgeAlarmSeconds"]["Default"] == 60


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok_and_decides_on_missing_data():
    assert _alarms()
    for name, alarm in _alarms().items():
        assert alarm.get("AlarmActions") == [{"Ref": "AlarmTopic"}], name
        assert alarm.get("OKActions") == [{"Ref": "AlarmTopic"}], name
        assert alarm.get("TreatMissingData") in {"breaching", "notBreaching", "ignore", "missing"}, name
        assert "docs/operations.md#" in alarm["AlarmDescription"], f"{name}: its runbook"


def test_every_alarms_runbook_anchor_is_a_heading_of_the_operations_notes():
    text = OPERATIONS.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.M)
    }
    for name, alarm in _alarms().items():
        anchor = re.search(r"docs/operations\.md#([\w-]+)", alarm["AlarmDescription"])
        assert anchor and anchor.group(1) in anchors, name


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use_and_the_email_is_optional():
    topic = template.resources("AWS::SNS::Topic")["AlarmTopic"]
    key = template.resources("AWS::KMS::Key")[topic["KmsMasterKeyId"]["Ref"]]
    assert key["EnableKeyRotation"] is True
    grants = [s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])

    subscriptions = _resources("AWS::SNS::Subscription")
    assert [s["Properties"]["Endpoint"] for s in subscriptions.values()] == [{"Ref": "AlarmEmail"}]
    condition = next(iter(subscriptions.values()))["Condition"]
    assert template.load()["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert template.load()["Parameters"]["AlarmEmail"]["Default"] == ""


def test_the_held_order_age_alarm_reads_what_the_functions_publish_and_pages_when_it_stops():
    environment = _global_environment()
    alarm = _alarms()["HeldOrderAgeAlarm"]

    assert _watched(alarm) == [
        (
            environment["POWERTOOLS_METRICS_NAMESPACE"],
            "OldestHeldOrderAgeMinutes",
            {"service": environment["POWERTOOLS_SERVICE_NAME"]},
            "Maximum",
        )
    ]
    assert alarm["Threshold"] == {"Ref": "HeldOrderAgeAlarmMinutes"}
    assert alarm["TreatMissingData"] == "breaching"  # the publisher writes every minute, 0 when nothing is held


def test_every_custom_metric_an_alarm_reads_is_the_functions_namespace_and_service_and_is_documented():
    environment = _global_environment()
    documented = _documented_metrics()

    for name, alarm in _alarms().items():
        for namespace, metric, dimensions, _ in _watched(alarm):
            if namespace.startswith("AWS/"):
                continue
            assert namespace == environment["POWERTOOLS_METRICS_NAMESPACE"], name
            assert dimensions["service"] == environment["POWERTOOLS_SERVICE_NAME"], name
            assert documented.get(metric) == set(dimensions), f"{name}: {metric} in docs/operations.md"


def test_the_api_alarm_watches_the_templates_api_and_stage():
    api = template.resources("AWS::Serverless::Api")["OrderApi"]
    for namespace, _, dimensions, _ in _watched(_alarms()["ApiFaultRateAlarm"]):
        assert namespace == "AWS/ApiGateway"
        assert dimensions == {"ApiName": api["Name"], "Stage": api["StageName"]}


# ---------------------------------------------------------------- dashboard ---
def _dashboard_body() -> Any:
    (properties,) = template.resources("AWS::CloudWatch::Dashboard").values()
    return properties["DashboardBody"]


def _dashboard() -> dict[str, Any]:
    """The body as CloudFormation hands it to CloudWatch (Fn::Sub resolved as the local stack would)."""
    loaded: dict[str, Any] = json.loads(template.resolve(_dashboard_body()))
    return loaded


def _dashboard_metrics(body: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric row and every SEARCH of the dashboard."""
    found = []
    for widget in body["widgets"]:
        for row in (widget.get("properties") or {}).get("metrics", []):
            names = [item for item in row if isinstance(item, str)]
            if names:
                namespace, metric, *pairs = names
                found.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2], strict=True))))
            for item in row:
                if isinstance(item, dict) and "expression" in item:
                    for schema, metric in re.findall(
                        r"SEARCH\('\{([^}]*)\}[^']*MetricName=\"(\w+)\"", item["expression"]
                    ):
                        namespace, *dimensions = [part.strip() for part in schema.split(",")]
                        found.append((namespace, metric, dict.fromkeys(dimensions, "")))
    return found


def test_the_dashboard_is_valid_json_and_substitutes_only_what_the_template_declares():
    declared = set(template.load()["Resources"]) | set(template.load()["Parameters"])

    for name in re.findall(r"\$\{([^}]+)\}", _dashboard_body()["Fn::Sub"]):
        assert name.startswith("AWS::") or name.split(".", 1)[0] in declared, name
    assert _dashboard()["widgets"]


def test_the_dashboard_names_only_functions_queues_the_api_and_documented_metrics_of_the_template():
    body = _dashboard()
    environment = {k: template.resolve(v) for k, v in _global_environment().items()}
    resolved = {
        "FunctionName": {template.physical_name(f) for f in template.functions()},
        "QueueName": {template.physical_name(q) for q in template.resources("AWS::SQS::Queue")},
        "ApiName": {template.resolve(a["Name"]) for a in template.resources("AWS::Serverless::Api").values()},
        "Stage": {a["StageName"] for a in template.resources("AWS::Serverless::Api").values()},
    }
    documented = _documented_metrics()

    metrics = _dashboard_metrics(body)
    assert metrics
    for namespace, metric, dimensions in metrics:
        if namespace.startswith("AWS/"):
            for name, value in dimensions.items():
                assert value in resolved[name], (metric, name, value)
        else:
            assert namespace == environment["POWERTOOLS_METRICS_NAMESPACE"], metric
            assert documented.get(metric) == set(dimensions), f"{metric} {sorted(dimensions)} in docs/operations.md"
            if dimensions.get("service"):
                assert dimensions["service"] == environment["POWERTOOLS_SERVICE_NAME"], metric


def test_the_dashboard_shows_the_queue_health_metrics_and_every_alarm():
    body = _dashboard()
    shown = {metric for _, metric, _ in _dashboard_metrics(body)}
    assert {
        "HeldOrders",
        "OldestHeldOrderAgeMinutes",
        "HoldsPlaced",
        "HoldsReleased",
        "HoldsExpired",
        "IteratorAge",
    } <= shown

    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(template.arn(name) for name in _alarms())
