"""The one rate-limit counter, for the configurator's API and (through `shop.ratelimit`, which
adds client addresses and the 429 pages) every public form of the shop. It lives here, in the
lower layer, so that both can use it without the configurator importing the shop.

A hit is counted with django-ratelimit's `get_usage` on the default cache (`cache.add` and
`cache.incr`: atomic on Redis, so limits hold across processes). Should the cache be
unreachable, the limit fails closed: `RateLimited`, never a 500 and never an unlimited form.
Limits are named rates such as "5/h", read at call time from `settings.RATE_LIMITS` over the
caller's defaults; None switches one off.

The configurator's API counts each request twice: per visitor (the session's visitor id or
the account) and per client address (`<scope>-address`). A visitor without cookies is a new
visitor on every request, so the address limit is what holds a cookieless flood. Which
address a request comes from is the deployment's to say (a proxy in front changes it): the
setting CONFIGURATOR_CLIENT_ADDRESS names a function of the request by dotted path (read at
call time; the shop sets its proxy-aware one), by default REMOTE_ADDR.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
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
    # Per client address: many visitors may share one (an office, a mobile carrier's NAT),
    # so these are several visitors' worth.
    "configurator-upload-address": "300/h",
    "configurator-preview-address": "6000/h",
    "configurator-design-address": "600/h",
    "configurator-render-address": "600/h",
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


def remote_addr(request: HttpRequest) -> str:
    """The default client address: the peer's, REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR", "")


@functools.cache
def _address_function(path: str) -> Callable[[HttpRequest], str]:
    return import_string(path)


def client_address(request: HttpRequest) -> str:
    """The request's client address as a rate-limit key: the function named by the setting
    CONFIGURATOR_CLIENT_ADDRESS (read now), else REMOTE_ADDR. Requests whose address cannot
    be told share one key."""
    path = getattr(settings, "CONFIGURATOR_CLIENT_ADDRESS", None)
    address = (_address_function(path) if path else remote_addr)(request)
    return address or "unknown"


def limit_request(*, scope: str, request: HttpRequest, visitor_key: str | None) -> None:
    """Count one request against a configurator limit: per visitor (when the request has
    one) and per client address (`<scope>-address`, when such a limit is named); raise
    `RateLimited` when either is passed."""
    if visitor_key is not None:
        limit_hit(scope=scope, key=visitor_key)
    address_scope = f"{scope}-address"
    if address_scope in {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}:
        limit_hit(scope=address_scope, key=f"address:{client_address(request)}")
