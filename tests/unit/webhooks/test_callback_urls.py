"""Where webhooks may call: public https only (the local-development exception aside)."""

from __future__ import annotations

import socket

import pytest

from order_service.webhooks.callback_urls import RefusedCallbackUrl, check


def resolver(*addresses: str):
    def resolve(host, port, type=None):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    ("url", "addresses", "reason"),
    [
        ("http://hooks.example.com/x", ("93.184.216.34",), "https"),
        ("https://127.0.0.1/x", ("127.0.0.1",), "non-public"),
        ("https://10.0.0.1/x", ("10.0.0.1",), "non-public"),
        ("https://192.168.1.10/x", ("192.168.1.10",), "non-public"),
        ("https://169.254.169.254/latest/meta-data", ("169.254.169.254",), "non-public"),
        ("https://[::1]/x", ("::1",), "non-public"),
        ("https://internal.example.com/x", ("10.1.2.3",), "non-public"),
        ("https://mixed.example.com/x", ("93.184.216.34", "172.16.0.5"), "non-public"),
        ("https://user:pw@hooks.example.com/x", ("93.184.216.34",), "credentials"),
        ("https:///nohost", (), "no host"),
        ("http://127.0.0.1:8080/x", ("127.0.0.1",), "https"),  # without the development setting
        # IPv4 embedded in IPv6: where the packets really go
        ("https://[64:ff9b::7f00:1]/x", ("64:ff9b::7f00:1",), "embeds the IPv4 address 127.0.0.1"),  # NAT64
        ("https://[64:ff9b::a9fe:a9fe]/x", ("64:ff9b::a9fe:a9fe",), "169.254.169.254"),  # NAT64 metadata
        ("https://[64:ff9b:1::a00:1]/x", ("64:ff9b:1::a00:1",), "local-use NAT64"),
        ("https://[2002:7f00:1::]/x", ("2002:7f00:1::",), "embeds the IPv4 address 127.0.0.1"),  # 6to4
        ("https://[2002:a00:1::]/x", ("2002:a00:1::",), "10.0.0.1"),  # 6to4 of a private address
        ("https://[::127.0.0.1]/x", ("::127.0.0.1",), "IPv4-compatible"),
        ("https://[::8.8.8.8]/x", ("::8.8.8.8",), "IPv4-compatible"),  # deprecated: never a real target
        ("https://[::ffff:127.0.0.1]/x", ("::ffff:127.0.0.1",), "embeds the IPv4 address 127.0.0.1"),  # mapped
        ("https://[::ffff:a9fe:a9fe]/x", ("::ffff:a9fe:a9fe",), "169.254.169.254"),
        ("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x", ("2001:0:4136:e378:8000:63bf:3fff:fdd2",), "non-public"),
        # every other non-global range
        ("https://[::]/x", ("::",), "non-public"),
        ("https://0.0.0.0/x", ("0.0.0.0",), "non-public"),
        ("https://100.64.0.1/x", ("100.64.0.1",), "non-public"),  # shared address space (carrier NAT)
        ("https://192.0.0.8/x", ("192.0.0.8",), "non-public"),
        ("https://192.0.2.1/x", ("192.0.2.1",), "non-public"),  # documentation
        ("https://198.18.0.1/x", ("198.18.0.1",), "non-public"),  # benchmarking
        ("https://240.0.0.1/x", ("240.0.0.1",), "non-public"),  # reserved
        ("https://255.255.255.255/x", ("255.255.255.255",), "non-public"),
        ("https://224.0.0.1/x", ("224.0.0.1",), "non-public"),  # multicast
        ("https://[fe80::1]/x", ("fe80::1",), "non-public"),
        ("https://[fec0::1]/x", ("fec0::1",), "non-public"),  # site-local (deprecated, still not global)
        ("https://[fd00::1]/x", ("fd00::1",), "non-public"),
        ("https://[ff02::1]/x", ("ff02::1",), "non-public"),
        ("https://[100::1]/x", ("100::1",), "non-public"),  # discard-only
        ("https://[2001:db8::1]/x", ("2001:db8::1",), "non-public"),  # documentation
    ],
)
def test_refused(url, addresses, reason):
    with pytest.raises(RefusedCallbackUrl, match=reason):
        check(url, resolve=resolver(*addresses))


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8"],
)
def test_public_addresses_are_allowed_embedded_or_not(address):
    assert check("https://hooks.example.com/x", resolve=resolver(address)).address == address


def test_public_https_is_allowed_and_pinned_to_the_checked_address():
    target = check("https://hooks.example.com:8443/in?x=1", resolve=resolver("93.184.216.34"))

    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.216.34",
    )


def test_local_development_allows_http_127_0_0_1_on_the_inbox_port_only():
    inbox = frozenset({3001})

    assert check("http://127.0.0.1:3001/hooks", local_ports=inbox).address == "127.0.0.1"
    for elsewhere in ("http://127.0.0.1:9001/runtime", "http://127.0.0.1/hooks", "http://localhost:3001/hooks"):
        with pytest.raises(RefusedCallbackUrl, match="https"):
            check(elsewhere, local_ports=inbox, resolve=resolver("127.0.0.1"))
    with pytest.raises(RefusedCallbackUrl, match="non-public"):
        check("https://127.0.0.1:3001/hooks", local_ports=inbox, resolve=resolver("127.0.0.1"))
    with pytest.raises(RefusedCallbackUrl):
        check("http://10.0.0.1/hooks", local_ports=inbox, resolve=resolver("10.0.0.1"))


def test_unresolvable_host_is_refused():
    def fail(*_args, **_kwargs):
        raise socket.gaierror("no such host")

    with pytest.raises(RefusedCallbackUrl, match="cannot be resolved"):
        check("https://nowhere.invalid/x", resolve=fail)


def test_an_unresolvable_host_passes_when_a_subscription_is_created():
    def fail(*_args, **_kwargs):
        raise socket.gaierror("no such host")

    target = check("https://not-yet.example.com/x", resolve=fail, accept_unresolved=True)

    assert (target.host, target.address) == ("not-yet.example.com", "")


def test_a_host_resolving_to_a_private_address_is_refused_even_when_unresolved_ones_pass():
    with pytest.raises(RefusedCallbackUrl, match="non-public"):
        check("https://intranet.example.com/x", resolve=resolver("10.0.0.7"), accept_unresolved=True)
