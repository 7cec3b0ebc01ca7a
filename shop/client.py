"""Who sent a request: the client address, as far as this deployment can trust it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or what the reverse proxy in front says.

    Only with BEHIND_PROXY (read at call time) is X-Forwarded-For used, and then only its
    last entry: the one our proxy appended. Earlier entries come from the client and can be
    forged. A malformed value falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote


# A client owns a whole IPv6 /64, so it is counted as one address.
IPV6_PREFIX = 64


def client_network(request: HttpRequest) -> str:
    """The client as one key for throttling (login lockouts, rate limits): `client_ip`,
    with an IPv6 address reduced to its /64 network (any host holds a whole /64, so per-address
    counting would give it 2^64 fresh starts) and IPv4-mapped IPv6 as plain IPv4. An address
    that cannot be read is returned as it is."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address)
    return str(ip)
