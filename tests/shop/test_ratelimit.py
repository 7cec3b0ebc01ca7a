"""The shared rate limiter: client addresses, limits from settings, atomic counting."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory, override_settings

from shop.ratelimit import RateLimited, client_address, rate_limit_hit
from tests.tools import tool_missing

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")


def _request(remote: str = "198.51.100.7", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_address_ignores_x_forwarded_for_without_a_proxy(settings):
    """Without BEHIND_PROXY a forged X-Forwarded-For changes nothing."""
    settings.BEHIND_PROXY = False
    assert client_address(_request(forwarded="1.2.3.4")) == "198.51.100.7"


def test_client_address_behind_a_proxy_is_the_right_most_forwarded_entry(settings):
    """Behind our proxy the address it appended counts, not what the client put before it."""
    settings.BEHIND_PROXY = True
    request = _request(remote="10.0.0.2", forwarded="1.2.3.4, 203.0.113.50")
    assert client_address(request) == "203.0.113.50"
    assert client_address(_request(remote="10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("not an address", "unknown"),
    ],
)
def test_client_address_groups_an_ipv6_network_and_survives_junk(remote, expected):
    """A client's whole IPv6 /64 is one address; an unreadable one is 'unknown'."""
    assert client_address(_request(remote=remote)) == expected


def test_a_passed_limit_says_when_to_retry(settings):
    """Once a key passes its limit, RateLimited carries the seconds until the window ends."""
    settings.RATE_LIMITS = {"inquiry-email": "2/m"}
    for _ in range(2):
        rate_limit_hit(scope="inquiry-email", key="bob@example.com")
    with pytest.raises(RateLimited) as exc:
        rate_limit_hit(scope="inquiry-email", key="bob@example.com")
    assert 0 < exc.value.retry_after <= 60
    rate_limit_hit(scope="inquiry-email", key="carol@example.com")  # other keys are unaffected


def test_a_limit_set_to_none_is_off(settings):
    """RATE_LIMITS can switch a limit off."""
    settings.RATE_LIMITS = {"inquiry-email": None}
    for _ in range(20):
        rate_limit_hit(scope="inquiry-email", key="bob@example.com")


def test_an_unknown_limit_name_is_a_programming_error():
    """A typo in a limit name fails loudly rather than limiting nothing."""
    with pytest.raises(KeyError):
        rate_limit_hit(scope="inquiry-adress", key="x")


def test_limits_hold_under_concurrent_hits_on_redis(settings):
    """On Redis, 40 hits at once from 8 threads let exactly the limit through."""
    if not REDIS_URL:
        tool_missing("set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/8 to run against Redis")
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.RATE_LIMITS = {"inquiry-address": "10/h"}
    key = f"race-{os.getpid()}-{id(settings)}"

    def hit(_):
        try:
            rate_limit_hit(scope="inquiry-address", key=key)
        except RateLimited:
            return False
        finally:
            caches["default"].close()
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(hit, range(40)))
    assert allowed == 10


@pytest.mark.parametrize(
    ("path", "accept", "content_type"),
    [("/products/x/", "text/html", "text/html"), ("/api/things/", "*/*", "application/json")],
)
def test_a_rate_limited_raised_anywhere_becomes_a_429(db, path, accept, content_type):
    """The middleware answers any RateLimited with 429 and Retry-After (JSON for the API)."""
    from django_ratelimit.middleware import RatelimitMiddleware

    request = RequestFactory().post(path, HTTP_ACCEPT=accept)
    response = RatelimitMiddleware(lambda r: None).process_exception(
        request, RateLimited("inquiry-address", 125)
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "125"
    assert response["Content-Type"].startswith(content_type)
    assert b"try again in 3 minutes" in response.content


def test_an_unreachable_cache_fails_closed_with_a_rate_limit():
    """With the cache (Redis) down, a limited form answers 'try again later', not a 500."""
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=down), pytest.raises(RateLimited) as raised:
        rate_limit_hit(scope="inquiry-address", key="198.51.100.7")
    assert raised.value.retry_after == 60
