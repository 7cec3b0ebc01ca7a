"""A real Chromium through the quote workflow's people: staff override a line price on a
quote in review and send it from the admin; the web visitor opens the mailed link, sees
the new price, accepts with an address and lands on the order page."""

from __future__ import annotations

import re

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def quote(transactional_db):
    from tests.factories import StaffUserFactory
    from tests.shop.wholesale.staff_quotes import make_quote

    StaffUserFactory(username="alice-staff")
    return make_quote(quantity=200, unit_price="21.50", shipping="47.00")


def test_staff_override_and_send_then_visitor_accepts(
    browser, live_server, quote, mailoutbox, settings
):
    from playwright.sync_api import expect

    settings.SHOP_BASE_URL = live_server.url
    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    staff.goto(f"{live_server.url}/admin/")
    staff.get_by_label("Username").fill("alice-staff")
    staff.get_by_label("Password").fill("staff-pass-123")
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"{live_server.url}/admin/wholesale/quote/?due=attention")
    staff.goto(f"{live_server.url}/admin/wholesale/quote/")
    staff.get_by_role("link", name=quote.number).click()
    expect(staff.locator(".field-reasons_display")).to_contain_text("large quantity")
    staff.locator('input[name="lines-0-unit_price_override"]').fill("19.90")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text("totals recomputed")
    expect(staff.locator(".field-total")).to_contain_text("4027.00")
    staff.locator('input[data-action="send"]').click()
    expect(staff.locator(".messagelist")).to_contain_text(f"Quote {quote.number} sent")
    expect(staff.locator(".field-status")).to_contain_text("Sent")

    (sent,) = [m for m in mailoutbox if m.subject == f"Your caseforge quote {quote.number}"]
    link = re.search(r"http\S+/wholesale/quotes/\S+/", sent.body).group(0)
    assert link.startswith(live_server.url)

    visitor = browser.new_page(viewport={"width": 390, "height": 844})
    visitor.goto(link)
    line = visitor.get_by_test_id("quote-line")
    expect(line.get_by_test_id("unit-price")).to_have_text("$19.90")
    expect(visitor.get_by_test_id("total")).to_contain_text("$4027.00")
    form = visitor.locator("form.quote__accept")
    form.get_by_label("Full name").fill("Alice Reseller")
    form.get_by_label("Address", exact=True).fill("Hauptstrasse 5")
    form.get_by_label("City").fill("Berlin")
    form.get_by_label("Postal code").fill("10115")
    expect(form.get_by_label("Country")).to_have_value("DE")
    visitor.get_by_test_id("quote-accept").click()
    expect(visitor).to_have_url(re.compile(r"/orders/CF-[A-Z0-9]+/"))
    expect(visitor.locator("h1")).to_contain_text("Order CF-")
    expect(visitor.get_by_test_id("total")).to_contain_text("4027.00")
    expect(visitor.get_by_test_id("address")).to_contain_text("Berlin")
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
