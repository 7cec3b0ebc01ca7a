"""Rate limits for public forms and the API, on the Django cache (django-ratelimit).

One call, `rate_limit_hit(scope=..., key=...)`, counts a hit against a named limit and raises
`RateLimited` once the limit is passed; any view or service can call it with whatever key
fits (a client address from `client_address`, an email address, an API client id). The
counting itself is `configurator.ratelimit.count_hit`, shared with the configurator's API
(the lower layer, so both can use it). The counters live in the default cache and are
created and bumped with `cache.add` and `cache.incr`, which are atomic on Redis and
Memcached, so the limits hold across processes.
Should the cache be unreachable, the limit fails closed: a 429, never a 500.

Limits are named rates such as "5/h" (count per period: s, m, h, d, optionally "5/10m"),
read at call time from `settings.RATE_LIMITS` over `DEFAULT_RATE_LIMITS`; a limit set to
None is switched off.

`RateLimited` is django-ratelimit's `Ratelimited`, so its decorator and middleware work with
it too; `rate_limited_response` (and `rate_limited_view`, for `RATELIMIT_VIEW`) answer
429 with a Retry-After header: an HTML page, or `{"error": "..."}` for API and JSON requests.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.exceptions import Ratelimited

from configurator import ratelimit as core
from configurator.ratelimit import RateLimited as RateLimited  # the shop's name for it
from shop.client import client_network

DEFAULT_RATE_LIMITS: dict[str, str | None] = {
    # Wholesale inquiries: each one stores a row and mails staff.
    "inquiry-address": "5/h",
    "inquiry-email": "3/h",
    # Accepting or declining a quote on its public page, per client address: an accepted
    # quote makes an order.
    "quote-decide": "20/h",
    # Cart changes (add, quantity, remove) per client address: each writes rows.
    "cart-change": "120/h",
    # Placing an order per client address: each holds stock and starts a payment.
    "checkout": "30/h",
    # A guest's order lookup per client address: guessing numbers and emails is slow.
    "order-lookup": "10/h",
    # "Try again" on the payment-cancelled page: each may open a provider's payment page.
    "payment-start": "30/h",
    # Coming back from the payment page asks the provider whether the order is paid.
    "payment-confirm": "60/h",
    # Reviews (shop/reviews), per client address and per account: each writes rows, a
    # submission may decode three photos.
    "review-submit": "10/h",
    "review-vote": "60/h",
    "review-report": "20/h",
    # Questions on product pages, per client address and per asker (account or email).
    "question-ask": "10/h",
    # Customers' answers, per client address and per account: each waits for moderation.
    "answer-post": "20/h",
    # Reports of questions and answers per client address: each sends an item to moderation.
    "qa-report": "30/h",
    # Wrong, revoked or malformed API keys per client address (shop/wholesale/api): past
    # it, every key from the address is refused with 429 until the period ends.
    "api-auth-failure-address": "30/10m",
}


def rate_for(scope: str) -> str | None:
    """The rate of a named shop limit, read now: `settings.RATE_LIMITS` over the defaults."""
    return core.rate_for(scope, DEFAULT_RATE_LIMITS)


# What `client_address` says of every client whose address cannot be read.
UNKNOWN_ADDRESS = "unknown"


def client_address(request: HttpRequest) -> str:
    """The client's address as a rate-limit key (`shop.client.client_network`: proxy-aware,
    IPv6 counted per /64); every client without a readable address shares one counter,
    `UNKNOWN_ADDRESS` (which must never hold one buyer's or one guesser's lock for all)."""
    address = client_network(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN_ADDRESS
    return address


def rate_limit_hit(*, scope: str, key: str, request: HttpRequest | None = None) -> None:
    """Count one hit of `key` (e.g. a client address or an email address) against the named
    limit, and raise `RateLimited` when it is passed or cannot be counted (cache down)."""
    # Normalised, so that "A@x.com" and "a@x.com" are one key.
    core.count_hit(
        scope=scope, key=key.strip().lower(), defaults=DEFAULT_RATE_LIMITS, request=request
    )


def wants_json(request: HttpRequest) -> bool:
    """Whether the client expects JSON: an API address or an Accept header asking for it."""
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def retry_after_text(seconds: int) -> str:
    minutes = -(-seconds // 60)
    if minutes <= 1:
        return "in a minute"
    if minutes < 90:
        return f"in {minutes} minutes"
    return f"in {-(-minutes // 60)} hours"


def rate_limited_response(
    request: HttpRequest, exc: Ratelimited, *, template: str = "429.html", context=None
) -> HttpResponse:
    """429 Too Many Requests with Retry-After: JSON for API clients, else an HTML page (or
    `template` with `context`, e.g. a form fragment that says when to try again)."""
    retry_after = getattr(exc, "retry_after", 60)
    message = (
        "Too many requests from you in a short time. "
        f"Please try again {retry_after_text(retry_after)}."
    )
    if wants_json(request):
        response = JsonResponse({"error": message}, status=429)
    else:
        page_context = {"rate_limit_message": message, **(context or {})}
        response = render(request, template, page_context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The view django-ratelimit's middleware calls (settings.RATELIMIT_VIEW)."""
    return rate_limited_response(request, exception)
