"""The sign-in API's models (pydantic), apart from its handler so that `/api/auth/me` loads no pydantic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class Tokens(BaseModel):
    model_config = ConfigDict(defer_build=True)
    accessToken: str
    expiresIn: int
    tokenType: str


class Me(BaseModel):
    model_config = ConfigDict(defer_build=True)
    actor: str
    permissions: list[str]
    groups: list[str]  # Cognito groups (a machine client: its client id): who may release a hold type
