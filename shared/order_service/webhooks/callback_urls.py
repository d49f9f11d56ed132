"""Where a webhook may call: https only, and never loopback, link-local (the metadata address
169.254.169.254 included), private, multicast or reserved addresses - checked when a subscription
is created and again, after a fresh DNS resolution, before every delivery (DNS can change).
A host that does not resolve yet is accepted when a subscription is created (`accept_unresolved`):
its receiver may not be deployed yet; every delivery resolves it, checks it and pins the address.

The one exception is local development: with ALLOW_LOCAL_WEBHOOKS=true, http://127.0.0.1 is allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Resolver = Callable[..., list[Any]]


class RefusedCallbackUrl(ValueError):
    pass


class UnresolvableHost(RefusedCallbackUrl):
    """The host has no address (yet)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to (no second resolution); "" only if accept_unresolved


def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnresolvableHost(f"the host '{host}' cannot be resolved") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(
    url: str, allow_local: bool = False, resolve: Resolver | None = None, accept_unresolved: bool = False
) -> Target:
    """The target to connect to, or RefusedCallbackUrl saying why not. With `accept_unresolved`, a host
    that does not resolve passes (address ""); one that resolves is checked as always."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedCallbackUrl("not a valid URL") from None
    host = parts.hostname or ""
    local = allow_local and parts.scheme == "http" and host == "127.0.0.1"
    if parts.scheme != "https" and not local:
        raise RefusedCallbackUrl("the callback URL must use https")
    if not host:
        raise RefusedCallbackUrl("the callback URL has no host")
    if parts.username or parts.password:
        raise RefusedCallbackUrl("the callback URL must not carry credentials; use headers")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        addresses = _addresses(host, port, resolve or socket.getaddrinfo)
        if not addresses:
            raise UnresolvableHost(f"the host '{host}' cannot be resolved")
    except UnresolvableHost:
        if accept_unresolved:
            return Target(parts.scheme, host, port, path, "")
        raise
    if not local:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise RefusedCallbackUrl(
                    f"the callback URL resolves to a non-public address ({address}); "
                    "loopback, link-local, private and metadata addresses are not allowed"
                )
    return Target(parts.scheme, host, port, path, addresses[0])
