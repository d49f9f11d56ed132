"""template.yaml is the single source of truth: it lints clean, and its parts are all accounted for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from local_stack import template

EVENTS = template.ROOT / "events" / "api"


def test_cfn_lint_is_clean():
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), str(template.TEMPLATE)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_route_has_a_sample_event():
    for route in template.api_routes():
        sample = EVENTS / f"{route.name}.json"
        assert sample.exists(), f"events/api/{route.name}.json is missing: run `make events`"
        assert sample.read_text().count(f'"resource": "{route.path}"') == 1


def test_every_function_handler_exists_and_imports():
    for function in template.functions().values():
        assert function.source.exists(), function.source
        assert callable(template.handler(function))


def test_orders_table_streams_both_images_and_has_the_list_indexes():
    orders = template.resources("AWS::DynamoDB::Table")["OrdersTable"]

    assert orders["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert orders["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert {i["IndexName"] for i in orders["GlobalSecondaryIndexes"]} >= {"by-status-facility", "not-routable"}


def test_layer_requirements_match_the_pinned_runtime_dependencies():
    import tomllib

    project = tomllib.loads((template.ROOT / "pyproject.toml").read_text())["project"]
    layer = (template.ROOT / "shared" / "requirements.txt").read_text().split()
    runtime = [d for d in project["dependencies"] if not d.startswith("boto3")]

    assert sorted(d for d in layer if "==" in d) == sorted(runtime)


def _declared_indexes(table: str) -> dict[str, tuple[str, str | None]]:
    properties = template.resources("AWS::DynamoDB::Table")[table]
    declared = {}
    for index in properties.get("GlobalSecondaryIndexes") or []:
        keys = {key["KeyType"]: key["AttributeName"] for key in index["KeySchema"]}
        declared[index["IndexName"]] = (keys["HASH"], keys.get("RANGE"))
    return declared


def test_every_index_a_store_queries_is_declared_in_the_template_with_the_same_keys():
    from order_service.facilities import store as facilities
    from order_service.orders import store as orders
    from order_service.pickjobs import store as pickjobs
    from order_service.webhooks import store as subscriptions

    for table, store in (
        ("OrdersTable", orders),
        ("PickJobsTable", pickjobs),
        ("FacilitiesTable", facilities),
        ("SubscriptionsTable", subscriptions),
    ):
        declared = _declared_indexes(table)
        used = {index.name: (index.partition_key, index.sort_key) for index in store.INDEXES}
        assert used == {name: declared[name] for name in used}, table
        assert set(used) == set(declared), f"{table}: an index is declared but no store uses it"


def test_every_group_and_permission_is_declared_once_and_every_route_names_a_declared_permission():
    groups = {r["GroupName"] for r in template.resources("AWS::Cognito::UserPoolGroup").values()}
    (server,) = template.resources("AWS::Cognito::UserPoolResourceServer").values()
    scopes = {scope["ScopeName"] for scope in server["Scopes"]}
    permissions = template.group_permissions()

    assert set(permissions) == groups
    assert set(permissions["admins"]) == scopes
    assert all(set(granted) <= scopes for granted in permissions.values())
    for function in template.functions().values():
        api = getattr(template.import_module(function), "api", None)
        for operation in getattr(api, "operations", []):
            assert operation.permission is None or operation.permission in scopes, (operation.path, operation.method)


def rules_refusing(parameters: dict[str, str]) -> list[str]:
    """The template's Rules as CloudFormation evaluates them before a deployment: the descriptions of
    the assertions that fail for these parameter values (defaults for the others)."""
    defaults = {name: str(p.get("Default", "")) for name, p in (template.load().get("Parameters") or {}).items()}
    values = {**defaults, **parameters}

    def evaluate(expression):
        if isinstance(expression, dict):
            [(function, argument)] = expression.items()
            if function == "Ref":
                return values[argument]
            if function == "Fn::Equals":
                left, right = (evaluate(a) for a in argument)
                return str(left) == str(right)
            if function == "Fn::Not":
                return not evaluate(argument[0])
            raise AssertionError(f"rule function not evaluated by this test: {function}")
        return expression

    refused = []
    for rule in (template.load().get("Rules") or {}).values():
        if evaluate(rule.get("RuleCondition", True)):
            refused += [a["AssertDescription"] for a in rule["Assertions"] if not evaluate(a["Assert"])]
    return refused


def test_the_local_webhook_exception_is_refused_by_the_template_outside_the_local_stage():
    assert rules_refusing({}) == []  # a deployment with the defaults
    assert rules_refusing({"Stage": "local", "LocalWebhookPorts": "3001"}) == []  # the local stack
    [refusal] = rules_refusing({"LocalWebhookPorts": "3001"})  # a real deployment that sets it
    assert "local stack only" in refusal
