"""Callbacks go only to globally reachable unicast addresses: the whole class of special
addresses is refused, in every IPv4 and IPv6 spelling, at registration and at delivery.

The oracle below is written from the IANA IPv4 and IPv6 Special-Purpose Address Registries
(and RFC 6052, 3056, 4380 for the embedded forms), independently of `ipaddress`, whose
answers differ between Python versions (3.11 calls fec0::/10 and multicast "global")."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.wholesale.callback_addresses import (
    CallbackUrlRefused,
    address_refusal,
    callback_url_check,
)

V4_SPECIAL = [
    "0.0.0.0/8",  # this network
    "10.0.0.0/8",
    "100.64.0.0/10",  # CGNAT
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # TEST-NET-1
    "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
    "192.168.0.0/16",
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # TEST-NET-2
    "203.0.113.0/24",  # TEST-NET-3
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and the broadcast address
]
V6_SPECIAL_IN_2000_3 = [
    "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 included
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4
    "3fff::/20",  # documentation (RFC 9637)
]
V6_SPECIAL_OUTSIDE = [  # for the generators: all of it is outside 2000::/3 anyway
    "::1/128",
    "::/128",
    "::/96",  # IPv4-compatible
    "64:ff9b:1::/48",  # local-use NAT64
    "100::/64",  # discard
    "5f00::/16",  # SRv6
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # site-local (deprecated)
    "ff00::/8",  # multicast
]


@pytest.fixture(autouse=True)
def _no_loopback(settings):
    settings.WHOLESALE_CALLBACKS_ALLOW_LOOPBACK = False


MAPPED = ipaddress.ip_network("::ffff:0:0/96")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def _nets(names):
    return [ipaddress.ip_network(n) for n in names]


def oracle_refuses(ip) -> bool:
    if ip.version == 4:
        return any(ip in net for net in _nets(V4_SPECIAL))
    if ip in MAPPED or ip in NAT64:
        return oracle_refuses(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip not in GLOBAL_UNICAST:
        return True
    return any(ip in net for net in _nets(V6_SPECIAL_IN_2000_3))


def in_network(name: str):
    net = ipaddress.ip_network(name)
    return st.integers(0, net.num_addresses - 1).map(lambda i: net[i])


special_v4 = st.sampled_from(V4_SPECIAL).flatmap(in_network)
special_v6 = st.sampled_from(V6_SPECIAL_IN_2000_3 + V6_SPECIAL_OUTSIDE).flatmap(in_network)


def embeddings(v4: ipaddress.IPv4Address):
    """The IPv6 spellings that carry `v4`: mapped, NAT64, 6to4, Teredo (client, obfuscated)."""
    n = int(v4)
    return st.sampled_from(
        [
            ipaddress.IPv6Address(int(MAPPED[0]) | n),
            ipaddress.IPv6Address(int(NAT64[0]) | n),
            ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1),
            ipaddress.IPv6Address((0x20010000 << 96) | (n << 64) | (n ^ 0xFFFFFFFF)),
        ]
    )


@given(special_v4)
def test_every_special_ipv4_address_is_refused(ip):
    assert address_refusal(ip) is not None


@given(special_v4.flatmap(embeddings))
def test_every_ipv6_spelling_of_a_special_ipv4_address_is_refused(ip):
    assert address_refusal(ip) is not None


@given(special_v6)
def test_every_special_ipv6_address_is_refused(ip):
    assert address_refusal(ip) is not None


@given(st.ip_addresses())
def test_any_address_is_refused_exactly_when_it_is_not_global(ip):
    """Both ways, over the whole address space: special addresses are refused, every other
    (globally reachable unicast) address is accepted."""
    assert (address_refusal(ip) is not None) == oracle_refuses(ip), ip


@pytest.mark.parametrize(
    "host",
    [
        "[fec0::1]",  # site-local
        "[fc00::1]",
        "[fdff:ffff::1]",  # unique-local
        "[fe80::1]",
        "[::1]",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.1",
        "100.127.255.254",  # CGNAT
        "192.0.0.1",
        "192.0.0.9",
        "192.0.0.255",
        "198.18.0.1",
        "198.19.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "[ff02::1]",
        "[ff0e::1]",  # multicast
        "240.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "0.1.2.3",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[2002:a00:1::1]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "[2001:db8::1]",
        "[3fff::1]",  # documentation
        "[::7f00:1]",  # IPv4-compatible
        "[64:ff9b:1::a00:1]",
        "[100::1]",
        "[5f00::1]",
    ],
)
def test_callback_urls_on_special_addresses_are_refused(host):
    with pytest.raises(CallbackUrlRefused):
        callback_url_check(f"https://{host}/hooks")


@pytest.mark.parametrize(
    "host",
    ["93.184.215.14", "8.8.8.8", "[2606:4700::1111]", "[::ffff:8.8.8.8]", "[64:ff9b::808:808]"],
)
def test_callback_urls_on_public_addresses_are_accepted(host):
    assert callback_url_check(f"https://{host}/hooks").startswith("https://")
