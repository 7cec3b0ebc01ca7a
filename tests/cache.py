"""The cache the tests run against: process-local, or Redis for the storefront cache tests.

Tests marked `redis_cache` run twice: against LocMemCache and against Django's RedisCache
at CASEFORGE_TEST_REDIS_URL (skipped without it, a failure where tools are required). Every
test process writes under its own key prefix and deletes only those keys, never the whole
database, which may hold a Celery test broker's queues; under pytest-xdist each worker also
has a Redis database of its own (tests/workers.py).
"""

from __future__ import annotations

import os

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

REDIS_URL = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")
REDIS_MISSING = "set CASEFORGE_TEST_REDIS_URL=redis://127.0.0.1:6379/8 to run against Redis"
KEY_PREFIX = f"caseforge-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": KEY_PREFIX,
}


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def cache_keys() -> list[str]:
    """Every key in the test's cache, as stored (`<prefix>:<version>:<key>`)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        with _redis() as client:
            return [key.decode() for key in client.scan_iter(match=f"{KEY_PREFIX}:*")]
    return list(cache._cache)


def cache_empty() -> None:
    """Empty the test's cache; on Redis only this process's keys."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        with _redis() as client:
            keys = list(client.scan_iter(match=f"{KEY_PREFIX}:*"))
            if keys:
                client.delete(*keys)
    else:
        cache.clear()
