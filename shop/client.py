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
