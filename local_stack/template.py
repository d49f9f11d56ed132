"""template.yaml read with cfn-lint's parser: the single source of truth for tests, tools and the local stack."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
# Where the local stack says it runs: the region of the environment (the Makefile exports
# AWS_DEFAULT_REGION), and moto's account (MOTO_ACCOUNT_ID, else moto's default one).
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1"
ACCOUNT = os.environ.get("MOTO_ACCOUNT_ID") or "123456789012"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    template, problems = decode(str(TEMPLATE))
    if problems or template is None:
        raise ValueError(f"template.yaml does not parse: {problems}")
    return dict(template)


def resources(kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties of every resource of one type (e.g. AWS::DynamoDB::Table)."""
    return {
        logical_id: dict(resource.get("Properties") or {})
        for logical_id, resource in load()["Resources"].items()
        if resource["Type"] == kind
    }


def physical_name(logical_id: str) -> str:
    """Locally every resource is named after its logical id (CloudFormation would generate names)."""
    return logical_id


def arn(logical_id: str) -> str:
    kind = load()["Resources"][logical_id]["Type"]
    if kind == "AWS::DynamoDB::Table":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{logical_id}"
    if kind == "AWS::SQS::Queue":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{logical_id}"
    if kind == "AWS::Events::EventBus":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{logical_id}"
    if kind == "AWS::Cognito::UserPool":
        return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{logical_id}"
    if kind == "AWS::CloudWatch::Alarm":  # not created locally (no CloudWatch); named in the dashboard's body
        return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{logical_id}"
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


def _attribute(logical_id: str, attribute: str, overrides: dict[str, str]) -> str:
    if f"{logical_id}.{attribute}" in overrides:
        return overrides[f"{logical_id}.{attribute}"]
    if attribute == "Arn":
        return arn(logical_id)
    if attribute == "QueueName":
        return physical_name(logical_id)
    if attribute == "StreamArn":
        return overrides.get(f"{logical_id}.StreamArn", f"{arn(logical_id)}/stream/local")
    raise KeyError(f"cannot resolve {logical_id}.{attribute} locally")


def _ref(name: str, overrides: dict[str, str]) -> str:
    if name in overrides:
        return overrides[name]
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": "local", "AWS::Partition": "aws"}
    if name in pseudo:
        return pseudo[name]
    parameters = load().get("Parameters") or {}
    if name in parameters:
        return str(parameters[name].get("Default", ""))
    if load()["Resources"][name]["Type"] == "AWS::SQS::Queue":
        return f"http://sqs.{REGION}.localhost/{ACCOUNT}/{name}"
    return physical_name(name)


def resolve(value: Any, overrides: dict[str, str] | None = None) -> Any:
    """Evaluates Ref, Fn::GetAtt, Fn::Join and Fn::Sub the way they resolve in the local stack."""
    overrides = overrides or {}
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return _ref(value["Ref"], overrides)
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            logical_id, attribute = target if isinstance(target, list) else target.split(".", 1)
            return _attribute(logical_id, attribute, overrides)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(resolve(part, overrides)) for part in parts)
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"]
            import re

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if "." in name and not name.startswith("AWS::"):
                    logical_id, attribute = name.split(".", 1)
                    return _attribute(logical_id, attribute, overrides)
                return _ref(name, overrides)

            return re.sub(r"\$\{([^}]+)\}", substitute, text)
        return {key: resolve(item, overrides) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, overrides) for item in value]
    return value


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path
    module: str
    attribute: str
    properties: dict[str, Any] = field(repr=False)

    @property
    def source(self) -> Path:
        return self.code_uri / f"{self.module}.py"

    def events(self, kind: str) -> dict[str, dict[str, Any]]:
        """The function's events of one type (Api, DynamoDB, SQS, Schedule...): name -> Properties."""
        return {
            name: dict(event.get("Properties") or {})
            for name, event in (self.properties.get("Events") or {}).items()
            if event["Type"] == kind
        }

    def setting(self, name: str, default: Any = None) -> Any:
        """A function property as SAM deploys it: the function's own, else Globals.Function's, else `default`."""
        if name in self.properties:
            return self.properties[name]
        return ((load().get("Globals") or {}).get("Function") or {}).get(name, default)

    @property
    def timeout_seconds(self) -> float:
        return float(self.setting("Timeout", 3))  # Lambda's default

    @property
    def memory_mb(self) -> int:
        return int(self.setting("MemorySize", 128))

    @property
    def reserved_concurrency(self) -> int | None:
        value = self.setting("ReservedConcurrentExecutions")
        return None if value is None else int(value)

    def environment(self, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """Globals' variables merged with the function's own, resolved for the local stack."""
        merged = dict(((load().get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables", {}))
        merged.update((self.properties.get("Environment") or {}).get("Variables", {}))
        return {key: str(resolve(value, overrides)) for key, value in merged.items()}


def functions() -> dict[str, Function]:
    found = {}
    for logical_id, properties in resources("AWS::Serverless::Function").items():
        module, attribute = properties["Handler"].rsplit(".", 1)
        found[logical_id] = Function(logical_id, ROOT / properties["CodeUri"], module, attribute, properties)
    return found


@dataclass(frozen=True)
class ApiRoute:
    name: str
    method: str
    path: str
    function: Function
    public: bool = False  # `Auth: {Authorizer: NONE}`: no token needed


def api_routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            name,
            event["Method"].upper(),
            event["Path"],
            function,
            ((event.get("Auth") or {}).get("Authorizer")) == "NONE",
        )
        for function in functions().values()
        for name, event in function.events("Api").items()
    ]


def import_module(function: Function) -> ModuleType:
    """The function's handler module, imported from its CodeUri as Lambda would (once per process)."""
    name = f"lambda_{function.module}"
    with _importing:  # concurrent first invocations: one imports, the others wait for the whole module
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, function.source)
        assert spec and spec.loader, function.source
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module


_importing = threading.RLock()


def handler(function: Function) -> Any:
    return getattr(import_module(function), function.attribute)


def gateway_response(kind: str) -> str:
    """The body template.yaml gives one of API Gateway's own answers (GatewayResponses), e.g. DEFAULT_5XX."""
    for properties in resources("AWS::Serverless::Api").values():
        templates = ((properties.get("GatewayResponses") or {}).get(kind) or {}).get("ResponseTemplates") or {}
        if "application/json" in templates:
            return str(templates["application/json"])
    return '{"message": "Internal server error"}'  # API Gateway's own default


def authorizer_cache_seconds() -> int:
    """How long API Gateway keeps an authorizer's policy per token (Identity.ReauthorizeEvery, SAM's default 300)."""
    for properties in resources("AWS::Serverless::Api").values():
        auth = properties.get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        if default:
            return int((auth["Authorizers"][default].get("Identity") or {}).get("ReauthorizeEvery", 300))
    return 0


def authorizer() -> Function | None:
    """The API's default Lambda authorizer function (template: OrderApi.Auth.DefaultAuthorizer)."""
    for properties in resources("AWS::Serverless::Api").values():
        auth = properties.get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        if default:
            logical_id = auth["Authorizers"][default]["FunctionArn"]["Fn::GetAtt"][0]
            return functions()[logical_id]
    return None


def group_permissions() -> dict[str, list[str]]:
    """What each user group may do: the authorizer's GROUP_PERMISSIONS, the one place it is declared."""
    declared: dict[str, list[str]] = json.loads(functions()["AuthorizerFunction"].environment()["GROUP_PERMISSIONS"])
    return declared


def authorizer_context(actor: str, group: str = "admins") -> dict[str, str]:
    """What API Gateway's TOKEN authorizer hands a route for a user of `group`."""
    return {
        "principalId": actor,
        "actor": actor,
        "permissions": ",".join(sorted(group_permissions()[group])),
        "groups": group,
    }
