"""A browser test whose page breaks the Content-Security-Policy: it must FAIL.

Not collected with the suite (the name does not start with test_): test_csp.py runs it in
its own pytest process and checks that it fails, which proves that a violation on any page
fails a browser test without the test asking for it.
"""

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.mark.urls("tests.shop.csp_urls")
def test_a_page_with_an_inline_script(browser, live_server):
    """Opens a page with an inline script and asserts nothing about the policy."""
    page = browser.new_page()
    page.goto(f"{live_server.url}/csp-test/inline-script/")
    assert page.title() == "inline"  # the policy blocked the script
