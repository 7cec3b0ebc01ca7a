"""A real Chromium through the staff admin: log in, spot low stock, import stock by CSV."""

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def stocked(transactional_db):
    from tests.factories import StaffUserFactory, VariantFactory

    StaffUserFactory(username="alice-staff")
    low = VariantFactory(sku="CF-LOW-1", stock_on_hand=2, product__name="Thin Clear Case")
    VariantFactory(sku="CF-OK-1", stock_on_hand=40, product__name="Rugged Armor Case")
    return low


def test_staff_restock_a_low_variant_with_a_csv_import(browser, live_server, stocked, tmp_path):
    """Staff see the low-stock flag, preview a CSV import, confirm it, and the flag is gone."""
    from playwright.sync_api import expect

    from shop.catalog.models import Variant

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Case products")).to_be_visible()

    page.get_by_role("link", name="Case products").click()
    low_row = page.locator("tr", has_text="Thin Clear Case")
    expect(low_row).to_contain_text("Low stock")
    expect(page.locator("tr", has_text="Rugged Armor Case")).not_to_contain_text("Low stock")

    csv = tmp_path / "restock.csv"
    csv.write_text("sku,stock_on_hand\nCF-LOW-1,25\n")
    page.goto(f"{live_server.url}/admin/catalog/variant/import/")
    page.locator("input[type=file]").set_input_files(str(csv))
    expect(page.locator("#content")).to_contain_text("Format: csv")  # the only import format
    page.get_by_role("button", name="Submit").click()

    # The preview lists the change; nothing is saved before the confirmation.
    expect(page.get_by_role("button", name="Confirm import")).to_be_visible()
    expect(page.locator("table.import-preview")).to_contain_text("CF-LOW-1")
    assert Variant.objects.get(sku="CF-LOW-1").stock_on_hand == 2

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("Import finished")
    assert Variant.objects.get(sku="CF-LOW-1").stock_on_hand == 25

    page.goto(f"{live_server.url}/admin/catalog/caseproduct/")
    expect(page.locator("tr", has_text="Thin Clear Case")).not_to_contain_text("Low stock")


def test_product_change_page_fits_a_1280_px_screen(browser, live_server, transactional_db):
    """The product change page, with its variant and photo inlines, needs no sideways
    scrolling on a 1280 px wide screen."""
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        PhoneModelFactory,
        ProductPhotoFactory,
        StaffUserFactory,
        VariantFactory,
    )

    StaffUserFactory(username="alice-staff")
    product = CaseProductFactory(name="Rugged Hybrid Armor with MagSafe Ring and Kickstand")
    phone = PhoneModelFactory(brand="Samsung", name="Galaxy S24 Ultra Enterprise Edition")
    for n, colour in enumerate(["Midnight Blue Metallic", "Sunset Orange Translucent"]):
        VariantFactory(
            product=product,
            phone_model=phone,
            colour=ColourFactory(name=colour),
            sku=f"CF-RUGGED-HYBRID-ARMOR-S24U-ENT-{n:03d}",
        )
    ProductPhotoFactory(product=product, alt="Rugged Hybrid Armor from the back, in blue")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("alice-staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/catalog/caseproduct/{product.pk}/change/")
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px window"
    page.close()
