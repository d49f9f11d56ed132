"""Where a webhook may call: https only, and only to globally reachable addresses - never loopback,
link-local (the metadata address 169.254.169.254 included), private, shared (100.64/10), multicast,
reserved, documentation or benchmarking ranges, nor an IPv6 address that embeds such an IPv4 address
(IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo; IPv4-compatible ::a.b.c.d
and local-use NAT64 64:ff9b:1::/48 are refused outright). Checked when a subscription is created and
again, after a fresh DNS resolution, before every delivery (DNS can change).
A host that does not resolve yet is accepted when a subscription is created (`accept_unresolved`):
its receiver may not be deployed yet; every delivery resolves it, checks it and pins the address.

The one exception is local development: LOCAL_WEBHOOK_PORTS (template parameter LocalWebhookPorts,
refused by the template's rules unless Stage is local) allows http://127.0.0.1 on those ports only:
the local stack's inbox.
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


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291); :: and ::1 are in it too
# IANA special-purpose ranges not globally reachable that older Pythons count as global (3.12.1 does
# for these); the few globally reachable addresses inside them are not webhook receivers either
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "2001::/23", "5f00::/16", "3fff::/20", "2001:db8::/32")
)
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def _globally_reachable(ip: _IP) -> bool:
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    listed = any(ip.version == network.version and ip in network for network in _NOT_GLOBAL)
    return ip.is_global and not (special or site_local or listed or ip.is_unspecified)


def non_public(address: str) -> str | None:
    """Why a webhook may not connect to `address`, or None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL_USE:
            return f"{address} is a local-use NAT64 address"
        if ip in _IPV4_COMPATIBLE:
            return f"{address} is unspecified, loopback or an IPv4-compatible IPv6 address"
        embedded = [a for a in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())) if a is not None]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in embedded:
            if not _globally_reachable(inner):
                return f"{address} embeds the IPv4 address {inner}, which is not public"
        if ip.ipv4_mapped or ip in _NAT64:
            return None  # the connection goes to the embedded (public) IPv4 address
    return None if _globally_reachable(ip) else f"{address} is not a public address"


def check(
    url: str,
    local_ports: frozenset[int] = frozenset(),
    resolve: Resolver | None = None,
    accept_unresolved: bool = False,
) -> Target:
    """The target to connect to, or RefusedCallbackUrl saying why not. `local_ports`: the ports on which
    http://127.0.0.1 is allowed (local development only; empty everywhere else). With
    `accept_unresolved`, a host that does not resolve passes (address ""); one that resolves is checked
    as always."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedCallbackUrl("not a valid URL") from None
    host = parts.hostname or ""
    local = parts.scheme == "http" and host == "127.0.0.1" and port in local_ports
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
            why = non_public(address)
            if why:
                raise RefusedCallbackUrl(
                    f"the callback URL resolves to a non-public address ({why}); "
                    "loopback, link-local, private and metadata addresses are not allowed"
                )
    return Target(parts.scheme, host, port, path, addresses[0])
