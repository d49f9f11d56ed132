"""Bearer tokens: verification (PyJWT against the user pool's JWKS) and the contract's permissions.

Only access tokens of this pool's app clients are accepted: signature (RS256, key by `kid`), issuer,
expiry, `token_use == "access"` (an ID token is refused) and `client_id`. Permissions come from the
user's groups (people) or the token's scopes `order-service/<PERMISSION>` (machine clients).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

from order_service.core.config import settings

SCOPE_PREFIX = "order-service/"
JWKS_TTL_SECONDS = 3600


class Unauthorized(Exception):
    """No valid credentials (401). The reason is logged, never shown to the caller."""


@dataclass(frozen=True)
class Principal:
    actor: str  # user name, or the machine client's id
    permissions: frozenset[str]
    groups: frozenset[str] = frozenset()  # Cognito groups; a machine client: its own client id

    def context(self) -> dict[str, str]:
        """What the authorizer hands API Gateway (string values only)."""
        return {
            "actor": self.actor,
            "permissions": ",".join(sorted(self.permissions)),
            "groups": ",".join(sorted(self.groups)),
        }


def known_permissions() -> frozenset[str]:
    return frozenset().union(*settings().group_permissions.values())


def permissions_of(claims: dict[str, Any]) -> frozenset[str]:
    granted: set[str] = set()
    for group in claims.get("cognito:groups") or []:
        granted.update(settings().group_permissions.get(group, ()))
    for scope in str(claims.get("scope") or "").split():
        if scope.startswith(SCOPE_PREFIX) and scope[len(SCOPE_PREFIX) :] in known_permissions():
            granted.add(scope[len(SCOPE_PREFIX) :])
    return frozenset(granted)


class _Keys:
    """The pool's signing keys by kid, fetched from its JWKS and cached (refetched for an unknown kid,
    at most once a minute, so that a key rotation is picked up and a flood of bad kids is not)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched: float | None = None

    def get(self, kid: str) -> Any:
        with self._lock:
            age = None if self._fetched is None else time.monotonic() - self._fetched
            if age is None or age > JWKS_TTL_SECONDS or (kid not in self._keys and age > 60):
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in fetch_jwks(settings().jwks_url)["keys"]}
                self._fetched = time.monotonic()
            if kid not in self._keys:
                raise Unauthorized(f"unknown signing key {kid!r}")
            return self._keys[kid]


def fetch_jwks(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return dict(json.loads(response.read()))


_keys = _Keys()


def forget_keys() -> None:
    """Drops the cached keys (a new pool, in tests and the local stack)."""
    global _keys
    _keys = _Keys()


def verify(token: str) -> Principal:
    """The principal of a valid access token, or Unauthorized."""
    try:
        header = jwt.get_unverified_header(token)
        key = _keys.get(str(header.get("kid")))
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=settings().cognito_issuer,
            leeway=30,
            options={"require": ["exp", "iss", "token_use"], "verify_aud": False},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid token: {error}") from None
    if claims.get("token_use") != "access":
        raise Unauthorized("an access token is required (this is an ID token)")
    if claims.get("client_id") not in settings().cognito_client_ids:
        raise Unauthorized("the token was issued to another client")
    actor = str(claims.get("username") or claims.get("client_id"))
    groups = frozenset(str(g) for g in claims.get("cognito:groups") or []) or frozenset({str(claims["client_id"])})
    return Principal(actor, permissions_of(claims), groups)


def bearer(header_value: str | None) -> str:
    if not header_value or not header_value.startswith("Bearer ") or not header_value[7:].strip():
        raise Unauthorized("no bearer token")
    return header_value[7:].strip()
