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
    ],
)
def test_refused(url, addresses, reason):
    with pytest.raises(RefusedCallbackUrl, match=reason):
        check(url, allow_local=False, resolve=resolver(*addresses))


def test_public_https_is_allowed_and_pinned_to_the_checked_address():
    target = check("https://hooks.example.com:8443/in?x=1", resolve=resolver("93.184.216.34"))

    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.216.34",
    )


def test_local_development_allows_http_127_0_0_1_only():
    assert check("http://127.0.0.1:3001/hooks", allow_local=True).address == "127.0.0.1"
    with pytest.raises(RefusedCallbackUrl):
        check("http://10.0.0.1/hooks", allow_local=True, resolve=resolver("10.0.0.1"))


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
