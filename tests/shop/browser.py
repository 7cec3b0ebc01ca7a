"""A real Chromium for browser tests, driven by Playwright.

Needs /usr/bin/chromium (Debian package chromium). Tests are skipped when it is missing,
except where tools are required (tests/tools.py), where a missing browser fails them.
"""

import os
from pathlib import Path

import pytest

from tests.tools import needs, tool_missing

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is fine (it is: nothing here is async).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

needs_browser = needs(CHROMIUM.exists(), f"{CHROMIUM} is not installed (Debian package chromium)")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        tool_missing(f"{CHROMIUM} is not installed (Debian package chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Inside sync_playwright() this thread runs in another contextvars context, so
            # Django opened separate connections here: close them, or PostgreSQL refuses to
            # drop the test database at the end of the run.
            connections.close_all()
