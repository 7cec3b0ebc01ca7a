"""A real Chromium: the product page's main image is the engine's render of the chosen phone
model and colour, and follows the picker in place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def rugged(transactional_db):
    """A product without staff photos, for two phones and two colours."""
    from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory

    ip14 = PhoneModelFactory(brand="Apple", name="iPhone 14", slug="iphone-14", release_year=2022)
    px8 = PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8")
    blue = ColourFactory(name="Blue", slug="blue", hex="#2f5bd3")
    black = ColourFactory(name="Black", slug="black", hex="#1f2329")
    product = CaseProductFactory(
        name="Rugged Hybrid Armor", slug="rugged", material="hybrid", style="rugged"
    )
    for sku, phone, colour in (("R-14-BLU", ip14, blue), ("R-P8-BLU", px8, blue),
                               ("R-P8-BLK", px8, black)):  # fmt: skip
        VariantFactory(product=product, sku=sku, phone_model=phone, colour=colour,
                       price=Decimal("30.00"), stock_on_hand=5)  # fmt: skip
    return product


def render_src(product, phone: str, colour: str) -> str:
    from configurator import cases
    from shop.catalog.models import Colour

    template = cases.template_get(product=product.slug, device=phone)
    hex_colour = Colour.objects.get(slug=colour).hex
    return cases.template_render_url(template=template, colour=hex_colour)


def test_the_main_image_is_the_render_of_the_chosen_variant(browser, live_server, rugged):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{rugged.get_absolute_url()}")
    main = page.locator("img[data-gallery-main]")
    expect(main).to_have_attribute("src", render_src(rugged, "iphone-14", "blue"))
    expect(main).to_have_js_property("naturalWidth", 640)  # served by the app, without DEBUG

    page.get_by_label("Phone model", exact=True).select_option("pixel-8")
    expect(page.get_by_test_id("sku")).to_have_text("R-P8-BLU")
    expect(main).to_have_attribute("src", render_src(rugged, "pixel-8", "blue"))
    alt = "Rugged Hybrid Armor in Blue for Google Pixel 8 (rendered image)"
    expect(main).to_have_attribute("alt", alt)

    page.locator("label.swatch", has_text="Black").click()
    expect(page.get_by_test_id("sku")).to_have_text("R-P8-BLK")
    expect(main).to_have_attribute("src", render_src(rugged, "pixel-8", "black"))
    expect(main).to_have_js_property("naturalWidth", 640)
    page.close()
