"""Shared fixtures: media in a temporary folder, an empty cache, eager Celery, staff persona.

Under pytest-xdist (`pytest -n 2`) every worker has a database and a Redis database of its
own: pytest-django gives each worker's test database a `_gw<N>` suffix, and
`pytest_configure` below moves CASEFORGE_TEST_REDIS_URL of worker N to the Redis database
numbered the given one plus N.
"""

import os

import pytest

from tests.tools import tool_missing
from tests.workers import worker_redis_url, workers_fit


def pytest_configure(config):
    """An xdist worker's tests, and every process they start, use the worker's own Redis
    database (tests/workers.py): queues purged and keys written never reach another worker.
    The controller refuses, up front, more workers than there are databases left."""
    url = os.environ.get("CASEFORGE_TEST_REDIS_URL", "")
    if not url:
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        os.environ["CASEFORGE_TEST_REDIS_URL"] = worker_redis_url(url, worker)
    else:
        workers_fit(url, getattr(config.option, "numprocesses", None) or 0)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Every test writes uploaded and generated files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def pytest_generate_tests(metafunc):
    """Tests marked `redis_cache` run against each cache backend (tests/cache.py)."""
    if metafunc.definition.get_closest_marker("redis_cache"):
        metafunc.parametrize("cache_backend", ["locmem", "redis"], indirect=True)


@pytest.fixture
def cache_backend(request):
    return getattr(request, "param", "locmem")


@pytest.fixture(autouse=True)
def _empty_cache(settings, cache_backend):
    """Every test starts with an empty default cache (storefront pages are cached in it).

    A process-local one unless the test runs against Redis: the cache configured by
    REDIS_URL is never used, so a developer's Redis database is never flushed.
    """
    from tests.cache import LOCMEM, REDIS, REDIS_MISSING, REDIS_URL, cache_empty

    if cache_backend == "redis" and not REDIS_URL:
        tool_missing(REDIS_MISSING)
    settings.CACHES = {"default": REDIS if cache_backend == "redis" else LOCMEM}
    cache_empty()
    yield
    cache_empty()


@pytest.fixture
def staff_user(db):
    from tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test fails when any page it opened violated the Content-Security-Policy."""
    result = yield
    browser = item.funcargs.get("browser")
    if browser is not None and hasattr(browser, "assert_no_csp_violations"):
        browser.assert_no_csp_violations()
    return result
