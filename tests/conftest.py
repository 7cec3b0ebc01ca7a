"""Shared fixtures: media in a temporary folder, an empty cache, eager Celery, staff persona."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Every test writes uploaded and generated files under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Every test starts with an empty default cache (storefront pages are cached in it).

    Always a process-local one: with REDIS_URL set, clearing the configured cache would
    flush a developer's Redis database.
    """
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    }
    cache.clear()
    yield
    cache.clear()


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
