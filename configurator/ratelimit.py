"""The one rate-limit counter, for the configurator's API and (through `shop.ratelimit`, which
adds client addresses and the 429 pages) every public form of the shop. It lives here, in the
lower layer, so that both can use it without the configurator importing the shop.

A hit is counted with django-ratelimit's `get_usage` on the default cache (`cache.add` and
`cache.incr`: atomic on Redis, so limits hold across processes). Should the cache be
unreachable, the limit fails closed: `RateLimited`, never a 500 and never an unlimited form.
Limits are named rates such as "5/h", read at call time from `settings.RATE_LIMITS` over the
caller's defaults; None switches one off.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEFAULT_LIMITS: dict[str, str | None] = {
    # Each upload is decoded and stored: the costliest thing a visitor can ask for.
    "configurator-upload": "60/h",
    "configurator-preview": "1200/h",
    "configurator-design": "120/h",
    "configurator-render": "120/h",
}


class RateLimited(Ratelimited):
    """A rate limit was passed; `retry_after` says in how many seconds to try again.

    A subclass of django-ratelimit's exception, so its middleware answers one raised anywhere.
    """

    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"Rate limit '{scope}' passed; retry in {retry_after} s.")
        self.scope = scope
        self.retry_after = retry_after


def rate_for(scope: str, defaults: Mapping[str, str | None]) -> str | None:
    """The rate of a named limit, read now: `settings.RATE_LIMITS` over `defaults`."""
    limits = {**defaults, **getattr(settings, "RATE_LIMITS", {})}
    if scope not in limits:
        raise KeyError(f"No rate limit named {scope!r}: add it to the defaults.")
    return limits[scope]


def count_hit(
    *,
    scope: str,
    key: str,
    defaults: Mapping[str, str | None],
    request: HttpRequest | None = None,
) -> None:
    """Count one hit of `key` against the named limit; raise `RateLimited` when it is passed
    (or when the cache cannot count it)."""
    rate = rate_for(scope, defaults)
    if rate is None:
        return
    value = hashlib.sha256(key.encode()).hexdigest()
    try:
        usage = get_usage(
            request or HttpRequest(),
            group=scope,
            key=lambda _group, _request: value,
            rate=rate,
            increment=True,
        )
    except (OSError, RedisError):
        # django-ratelimit copes only with a cache that answers.
        logger.warning("Rate limit '%s' could not be counted: the cache is unreachable", scope)
        raise RateLimited(scope, 60) from None
    if usage is not None and usage["should_limit"]:
        # time_left is -1 when the cache failed: ask for a minute's patience then.
        raise RateLimited(scope, max(usage["time_left"], 0) or 60)


def limit_hit(*, scope: str, key: str) -> None:
    """Count one hit of a configurator limit (`DEFAULT_LIMITS`)."""
    count_hit(scope=scope, key=key, defaults=DEFAULT_LIMITS)
