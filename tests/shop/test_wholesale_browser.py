"""A real Chromium on the wholesale inquiry: its layout once sent, at desktop and phone
widths, with and without JavaScript, and the staff's inquiry list at 1280 px."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def product(transactional_db):
    from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

    rugged = CaseProductFactory(name="Rugged Hybrid Armor", slug="rugged-hybrid-armor")
    VariantFactory(
        product=rugged,
        sku="RUG-PX8-BLU",
        phone_model=PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8"),
        colour=ColourFactory(name="Blue", slug="blue"),
        price=Decimal("30.00"),
    )
    return rugged


def _send_inquiry(page) -> None:
    form = page.locator("#inquiry form")
    form.get_by_label("Your name").fill("Alice Reseller")
    form.get_by_label("Company").fill("Alice's Phone Shop")
    form.get_by_label("Email").fill("alice@example.com")
    form.get_by_label("Quantity").fill("120")
    form.get_by_role("button", name="Ask for a quote").click()


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _assert_thanks_sits_above_the_form(page, viewport: dict) -> None:
    """The thank-you note and the form share one column, the note on top; on a wide screen
    that column is the right one, beside the intro, and nothing overflows the page."""
    from playwright.sync_api import expect

    thanks = page.get_by_test_id("inquiry-success")
    expect(thanks).to_contain_text("we received your inquiry for 120 x Rugged Hybrid Armor")
    note, form = _box(page, "[data-testid=inquiry-success]"), _box(page, "#inquiry form")
    intro = _box(page, ".inquiry__intro")
    assert abs(note["x"] - form["x"]) < 2 and abs(note["width"] - form["width"]) < 2
    assert note["y"] + note["height"] <= form["y"]
    if viewport["width"] >= 1000:
        assert form["x"] >= intro["x"] + intro["width"]  # right of the intro
        assert form["width"] > intro["width"]  # the wider column
    else:
        assert form["y"] >= intro["y"] + intro["height"]  # stacked under the intro
        assert form["width"] >= intro["width"] - 2
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_thank_you_note_sits_above_the_form_in_its_column(
    browser, live_server, product, viewport, javascript
):
    """After sending, the thank-you takes the form's column, not the whole width."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    _send_inquiry(page)
    _assert_thanks_sits_above_the_form(page, viewport)
    if javascript:  # the htmx swap moved focus to the note for screen reader users
        assert page.evaluate("document.activeElement.dataset.testid") == "inquiry-success"
    context.close()


def test_inquiry_list_shows_quantity_and_handled_at_1280_px(browser, live_server, product):
    """At 1280 px the staff's inquiry list fits: Quantity and Handled are on screen."""
    from playwright.sync_api import expect

    from tests.factories import InquiryFactory, StaffUserFactory

    StaffUserFactory(username="alice-staff")
    InquiryFactory(
        product=product,
        company="Alice's Phone Shop International Trading Ltd",
        name="Alice Reseller-Longname",
        email="alice.reseller.longname@example-phone-shop.com",
        quantity=12500,
    )
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/wholesale/inquiry/")
    expect(page.locator("#result_list")).to_contain_text("12500")
    for column in ("Quantity", "Handled"):
        header = page.locator("#result_list thead th", has_text=column)
        expect(header).to_be_in_viewport(ratio=1)
        box = header.bounding_box()
        assert box["x"] + box["width"] <= DESKTOP["width"], column
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    changelist = page.locator("#changelist .results")
    assert changelist.evaluate("el => el.scrollWidth <= el.clientWidth")
    page.close()
