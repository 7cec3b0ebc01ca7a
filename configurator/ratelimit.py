"""Rate limits for the configurator's API, counted like the shop's (django-ratelimit's
`get_usage` on the default cache, failing closed) without importing the shop.

Limits are named rates read at call time from `settings.RATE_LIMITS` over `DEFAULT_LIMITS`;
None switches one off.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

DEFAULT_LIMITS: dict[str, str | None] = {
    # Each upload is decoded and stored: the costliest thing a visitor can ask for.
    "configurator-upload": "60/h",
    "configurator-preview": "1200/h",
    "configurator-design": "120/h",
    "configurator-render": "120/h",
}


class Limited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry in {retry_after} s")
        self.retry_after = retry_after


def limit_hit(*, scope: str, key: str) -> None:
    """Count one hit of `key` against the named limit; raise `Limited` when it is passed."""
    rate = {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}[scope]
    if rate is None:
        return
    value = hashlib.sha256(key.encode()).hexdigest()
    usage = get_usage(
        HttpRequest(), group=scope, key=lambda _g, _r: value, rate=rate, increment=True
    )
    if usage is not None and usage["should_limit"]:
        raise Limited(max(usage["time_left"], 0) or 60)
