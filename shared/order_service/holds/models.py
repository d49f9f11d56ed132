"""The hold types' configuration API models (pydantic): GET / PUT /api/configurations/holds."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from order_service.holds.rules import DEFAULT, TYPE_KEY_PATTERN

Minutes = Annotated[int, Field(ge=1, le=525_600, strict=True)]  # at most a year
GroupName = Annotated[str, Field(min_length=1, max_length=128)]


class HoldTypeModel(BaseModel):
    """One hold type. `releaseGroups`: the Cognito groups (or machine clients' ids) whose members may
    release its holds. DEFAULT is built in (released by whoever has ORDER_UNLOCK, no expiry); a PUT may
    list it (as GET shows it) but not change it.
    `requiredApprovals: 2`: four eyes - two different people. `expiresAfterMinutes` gives each hold an
    `expiresAt`; `onExpiry` says what then happens (RELEASE by default); ORDER_HOLD_EXPIRING is
    published `warnBeforeMinutes` before."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    key: str = Field(pattern=TYPE_KEY_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    releaseGroups: list[GroupName] = Field(default_factory=list, max_length=20)
    requiredApprovals: Literal[1, 2] = 1
    expiresAfterMinutes: Minutes | None = None
    onExpiry: Literal["RELEASE", "CANCEL"] | None = None
    warnBeforeMinutes: Minutes | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.key == DEFAULT and (
            self.releaseGroups or self.requiredApprovals != 1 or self.expiresAfterMinutes or self.onExpiry
        ):
            raise ValueError(
                "DEFAULT is built in (released by whoever has ORDER_UNLOCK, no expiry): "
                "configure a type of your own instead"
            )
        if self.key != DEFAULT and not self.releaseGroups:
            raise ValueError("releaseGroups: at least one group may release holds of this type")
        if self.warnBeforeMinutes and self.expiresAfterMinutes and self.warnBeforeMinutes >= self.expiresAfterMinutes:
            raise ValueError("warnBeforeMinutes must be less than expiresAfterMinutes")
        return self


class HoldTypesForUpdate(BaseModel):
    """PUT replaces the configured types. `version`: the current version (0 while never saved)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    types: list[HoldTypeModel] = Field(max_length=50)
    version: int = Field(ge=0, strict=True)

    @field_validator("types")
    @classmethod
    def _unique(cls, types: list[HoldTypeModel]) -> list[HoldTypeModel]:
        keys = [t.key for t in types]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"each type key once: {', '.join(duplicates)} repeated")
        return types


class HoldTypesConfiguration(BaseModel):
    model_config = ConfigDict(defer_build=True)
    types: list[HoldTypeModel]
    version: int
    created: str | None = None
    lastModified: str | None = None
