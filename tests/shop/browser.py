"""A real Chromium for browser tests, driven by Playwright, that fails on any CSP violation.

Needs /usr/bin/chromium (Debian package chromium). Tests are skipped when it is missing,
except where tools are required (tests/tools.py), where a missing browser fails them.

Every page opened through the `browser` fixture reports Content-Security-Policy violations
(the `securitypolicyviolation` event, and Chromium's own console errors about the policy);
a browser test during which any page broke the policy fails (tests/conftest.py checks after
the test body).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools import needs, tool_missing

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

CSP_MARK = "Content Security Policy"
# Runs in every frame before the page's own scripts.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `Content Security Policy violation: ${event.effectiveDirective} blocked ` +
    `${event.blockedURI || "inline"} in ${event.documentURI} ` +
    `(${event.sourceFile || "page"}:${event.lineNumber})`
  );
});
"""


class CspCheckedBrowser:
    """A Playwright browser whose pages record every Content-Security-Policy violation."""

    def __init__(self, browser):
        self._browser = browser
        self._contexts = []
        self.csp_violations: list[str] = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self._on_console)
        self._contexts.append(context)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def _on_console(self, message) -> None:
        if message.type == "error" and CSP_MARK in message.text:
            self.csp_violations.append(
                f"{message.text} [{message.page.url if message.page else ''}]"
            )

    def assert_no_csp_violations(self) -> None:
        """Fail if any page broke the policy; pending reports are collected first."""
        for context in self._contexts:
            for page in context.pages:
                if not page.is_closed():
                    # Violation events are queued tasks: let them run and reach us.
                    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
        if self.csp_violations:
            found, self.csp_violations = self.csp_violations, []
            pytest.fail("Content-Security-Policy violated:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        tool_missing(f"{CHROMIUM} is not installed (Debian package chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in
    # a thread with a running loop unless told it is fine (it is: nothing here is async).
    # Only for this test: monkeypatch restores the environment afterwards.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield CspCheckedBrowser(chromium)
        finally:
            chromium.close()
            # Inside sync_playwright() this thread runs in another contextvars context, so
            # Django opened separate connections here: close them, or PostgreSQL refuses to
            # drop the test database at the end of the run.
            connections.close_all()
