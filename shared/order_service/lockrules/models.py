"""The auto-lock rules API's models (pydantic): the rules configuration, the dry run and its answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from order_service.lockrules.rules import KEY_PATTERN, MAX_RULES
from order_service.orders.models import OrderForCreation


class LockRule(BaseModel):
    """A rule: when the order being created matches `when`, it is created LOCKED with a hold of type
    `holdType` and reason `reason`, placed by this rule (`placedByRule`: its key)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    key: str = Field(pattern=KEY_PATTERN, strict=True)
    name: str = Field(min_length=1, max_length=100, strict=True)
    holdType: str = Field(pattern=KEY_PATTERN, strict=True)
    reason: str = Field(min_length=1, max_length=500, strict=True)
    when: dict[str, Any] = Field(
        description="An EventBridge event pattern over the order as created plus `$facts` "
        '(`consumerOrderCount`, `lineCount`, `totalQuantity`), e.g. {"customAttributes": {"riskScore": '
        '[{"numeric": [">=", 70]}]}} (docs/lockrules.md).'
    )


class LockRulesConfigurationForUpdate(BaseModel):
    """PUT replaces every rule. `version`: the current version (0 while the rules were never saved)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    rules: list[LockRule] = Field(max_length=MAX_RULES)
    version: int = Field(ge=0, strict=True)


class LockRulesConfiguration(BaseModel):
    model_config = ConfigDict(defer_build=True)
    rules: list[LockRule]
    version: int
    created: str | None = None
    lastModified: str | None = None


class LockRulesTest(BaseModel):
    """The dry run: which rules would hold this order, were it created now. Writes nothing."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: Literal["TEST"]
    order: OrderForCreation


class RuleRef(BaseModel):
    key: str
    name: str


class PlacedHold(BaseModel):
    type: str
    reason: str
    placedByRule: str


class LockRulesTestResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    matches: list[RuleRef]
    holds: list[PlacedHold]
