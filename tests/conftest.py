"""Shared fixtures: media in a temporary folder, an empty cache, eager Celery, staff persona."""

import pytest

from tests.tools import tool_missing


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
