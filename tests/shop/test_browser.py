"""A real Chromium through the storefront: filter, pick a variant, ask for a quote."""

from __future__ import annotations

import mimetypes
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.shop.browser import needs_browser

SCREENSHOT = Path("/tmp/caseforge-product.png")

pytestmark = [pytest.mark.browser, needs_browser]


def _case_photo(path: Path, colour: tuple[int, int, int]) -> None:
    """A simple product shot: a rounded case with a camera island on a soft background."""
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (640, 640), (236, 240, 245))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((200, 80, 440, 560), radius=48, fill=colour)
    draw.rounded_rectangle((226, 106, 326, 206), radius=26, fill=(30, 34, 42))
    draw.ellipse((240, 120, 276, 156), fill=(70, 78, 92))
    draw.ellipse((280, 160, 316, 196), fill=(70, 78, 92))
    img.save(path)


@pytest.fixture
def storefront(transactional_db, settings):
    """Three products with photos; the rugged one comes for two phones in two colours."""
    from shop.catalog.models import ProductPhoto
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        FeatureFactory,
        PhoneModelFactory,
        VariantFactory,
    )

    ip15 = PhoneModelFactory(brand="Apple", name="iPhone 15", slug="iphone-15")
    ip14 = PhoneModelFactory(brand="Apple", name="iPhone 14", slug="iphone-14", release_year=2022)
    px8 = PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8")
    black = ColourFactory(name="Black", slug="black", hex="#1f2329")
    blue = ColourFactory(name="Blue", slug="blue", hex="#2f5bd3")
    clear = ColourFactory(name="Clear", slug="clear", hex="#e9eef3")

    def product(name, material, style, rgb, **kwargs):
        p = CaseProductFactory(
            name=name, slug=name.lower().replace(" ", "-"), material=material, style=style, **kwargs
        )
        image = f"products/{p.slug}/front.png"
        _case_photo(Path(settings.MEDIA_ROOT) / image, rgb)
        ProductPhoto.objects.create(product=p, image=image, alt=f"{name}, front view")
        return p

    slim = product("Slim Black TPU", "tpu", "slim", (40, 44, 52))
    VariantFactory(product=slim, sku="SLIM-IP15-BLK", phone_model=ip15, colour=black)
    rugged = product(
        "Rugged Hybrid Armor",
        "hybrid",
        "rugged",
        (47, 91, 211),
        finish="soft-touch",
        description="Shock-absorbing TPU bumper bonded to a hard PC back. Raised edges "
        "protect the screen and camera.",
    )
    rugged.features.add(
        FeatureFactory(name="Drop tested 3 m", slug="drop"),
        FeatureFactory(name="MagSafe compatible", slug="magsafe"),
    )
    VariantFactory(
        product=rugged, sku="RUG-IP14-BLU", phone_model=ip14, colour=blue,
        price=Decimal("35.00"), stock_on_hand=0,
    )  # fmt: skip
    VariantFactory(
        product=rugged, sku="RUG-PX8-BLK", phone_model=px8, colour=black,
        price=Decimal("31.50"), stock_on_hand=12,
    )  # fmt: skip
    VariantFactory(
        product=rugged, sku="RUG-PX8-BLU", phone_model=px8, colour=blue,
        price=Decimal("30.00"), stock_on_hand=3,
    )  # fmt: skip
    clear_pc = product("Clear PC Shell", "pc", "clear", (210, 222, 235), finish="glossy")
    VariantFactory(
        product=clear_pc, sku="CLR-PX8-CLR", phone_model=px8, colour=clear, price=Decimal("20.00")
    )
    product("Hybrid Kickstand Pro", "hybrid", "stand", (22, 122, 90))
    return {"rugged": rugged, "clear": clear_pc}


def _serve_media(page, live_server, media_root: Path) -> None:
    """DEBUG is off under test, so Django serves no media: hand photos to the browser here."""

    def handle(route):
        name = route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        path = (media_root / name).resolve()
        if media_root.resolve() in path.parents and path.is_file():
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            route.fulfill(path=str(path), content_type=ctype)
        else:
            route.fulfill(status=404, body="not found")

    page.route(f"{live_server.url}/media/**", handle)


def test_shopper_filters_picks_a_variant_and_asks_for_a_quote(
    browser, live_server, storefront, settings, mailoutbox
):
    """A shopper can filter, open a case, pick phone and colour, and send a wholesale inquiry."""
    from playwright.sync_api import expect

    from shop.wholesale.models import Inquiry

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _serve_media(page, live_server, Path(settings.MEDIA_ROOT))
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Phone cases", level=1)).to_be_visible()
    expect(page.locator("#results .card")).to_have_count(4)

    # Filter by material with the form (htmx swaps the results and updates the address).
    page.get_by_label("Material").select_option("hybrid")
    page.get_by_role("button", name="Show cases").click()
    expect(page.locator("#results .card")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"material=hybrid"))
    expect(page.locator("#results")).not_to_contain_text("Clear PC Shell")

    # Open the product.
    page.get_by_role("link", name="Rugged Hybrid Armor").click()
    expect(page.get_by_role("heading", name="Rugged Hybrid Armor", level=1)).to_be_visible()
    specs = page.locator("table.spec-table")
    expect(specs.locator("tr", has_text="Product weight")).to_contain_text("0.0280 kg")
    expect(specs.locator("tr", has_text="Package size")).to_contain_text(
        "20.00 x 20.00 x 5.00 cm / 7.87 x 7.87 x 1.97 in"
    )
    expect(specs.locator("tr", has_text="Compatible models")).to_contain_text(
        "Apple iPhone 14, Google Pixel 8"
    )
    sku, price, stock = (page.get_by_test_id(t) for t in ("sku", "price", "stock"))
    expect(sku).to_have_text("RUG-IP14-BLU")
    expect(price).to_have_text("$35.00")
    expect(stock).to_have_text("Out of stock")

    # Pick another phone model (the colour is kept when it exists for that phone), then
    # another colour: price, stock and SKU follow each time.
    page.get_by_label("Phone model", exact=True).select_option("pixel-8")
    expect(sku).to_have_text("RUG-PX8-BLU")
    expect(price).to_have_text("$30.00")
    expect(stock).to_have_text("Only 3 left")
    page.locator("label.swatch", has_text="Black").click()
    expect(sku).to_have_text("RUG-PX8-BLK")
    expect(price).to_have_text("$31.50")
    expect(stock).to_have_text("In stock")
    expect(page).to_have_url(re.compile(r"model=pixel-8&colour=black"))

    # Wholesale inquiry: first with a bad email (inline error), then valid.
    form = page.locator("#inquiry form")
    form.get_by_label("Your name").fill("Alice Reseller")
    form.get_by_label("Company").fill("Alice's Phone Shop")
    form.get_by_label("Email").fill("not-an-email")
    form.get_by_label("Quantity").fill("40")
    form.get_by_role("button", name="Ask for a quote").click()
    email_error = page.locator("#inquiry-email_error")
    expect(email_error).to_contain_text("Enter a valid email address")
    expect(page.locator("#inquiry-company")).to_have_value("Alice's Phone Shop")
    assert Inquiry.objects.count() == 0

    page.locator("#inquiry-email").fill("alice@example.com")
    page.get_by_role("button", name="Ask for a quote").click()
    expect(page.get_by_test_id("inquiry-success")).to_contain_text(
        "we received your inquiry for 40 x Rugged Hybrid Armor"
    )
    expect(page.locator("#inquiry-email_error")).to_have_count(0)
    inquiry = Inquiry.objects.get()
    assert (inquiry.email, inquiry.quantity, inquiry.phone_model.slug) == (
        "alice@example.com",
        40,
        "pixel-8",
    )
    # Staff are told once; the inquiry became a quote, priced and sent to Alice at once
    # (tasks run eagerly here; 40 cases are within the units one buyer may hold, more
    # would wait for staff), so she has its "received" and "sent" mails.
    staff = [m for m in mailoutbox if m.subject.startswith("Wholesale inquiry:")]
    assert len(staff) == 1
    assert sorted(m.to[0] for m in mailoutbox if m not in staff) == ["alice@example.com"] * 2

    # A second product lists the first under "Recently viewed".
    page.goto(f"{live_server.url}{storefront['clear'].get_absolute_url()}")
    recent = page.locator("section", has=page.get_by_role("heading", name="Recently viewed"))
    expect(recent).to_contain_text("Rugged Hybrid Armor")
    expect(recent).not_to_contain_text("Clear PC Shell")

    # Back on the first product (now with recommendations and recently viewed) for a picture.
    page.get_by_role("link", name="Rugged Hybrid Armor").first.click()
    expect(page.get_by_role("heading", name="Rugged Hybrid Armor", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.close()


def test_catalog_and_picker_work_without_javascript(browser, live_server, storefront, settings):
    """With JavaScript off, filtering and the variant picker still work as plain forms."""
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _serve_media(page, live_server, Path(settings.MEDIA_ROOT))
    page.goto(f"{live_server.url}/")
    page.get_by_label("Material").select_option("pc")
    page.get_by_role("button", name="Show cases").click()
    expect(page).to_have_url(re.compile(r"material=pc"))
    expect(page.locator("#results .card")).to_have_count(1)

    page.goto(f"{live_server.url}{storefront['rugged'].get_absolute_url()}")
    page.get_by_label("Phone model", exact=True).select_option("pixel-8")
    page.get_by_role("button", name="Show this option").click()
    expect(page.get_by_test_id("sku")).to_have_text("RUG-PX8-BLU")  # blue is kept
    page.get_by_label("Black").check()
    page.get_by_role("button", name="Show this option").click()
    expect(page.get_by_test_id("sku")).to_have_text("RUG-PX8-BLK")
    expect(page).to_have_url(re.compile(r"model=pixel-8&colour=black"))
    context.close()


def _add_colour_photos(product, settings) -> dict[str, str]:
    """A black and a blue photo for `product`; {colour slug: image URL}."""
    from shop.catalog.models import Colour, ProductPhoto

    urls = {}
    for position, (slug, rgb) in enumerate(
        [("black", (31, 35, 41)), ("blue", (47, 91, 211))], start=1
    ):
        image = f"products/{product.slug}/{slug}.png"
        _case_photo(Path(settings.MEDIA_ROOT) / image, rgb)
        photo = ProductPhoto.objects.create(
            product=product,
            image=image,
            alt=f"{product.name} in {slug}",
            position=position,
            colour=Colour.objects.get(slug=slug),
        )
        urls[slug] = photo.image.url
    return urls


def test_gallery_switches_in_place_and_follows_the_colour(
    browser, live_server, storefront, settings
):
    """A thumbnail shows its photo as the main one without leaving the page, and picking a
    colour shows that colour's photo."""
    from playwright.sync_api import expect

    rugged = storefront["rugged"]
    photos = _add_colour_photos(rugged, settings)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _serve_media(page, live_server, Path(settings.MEDIA_ROOT))
    address = f"{live_server.url}{rugged.get_absolute_url()}?model=pixel-8&colour=black"
    page.goto(address)
    main = page.locator("img[data-gallery-main]")
    expect(main).to_have_attribute("src", photos["black"])

    page.locator("label.swatch", has_text="Blue").click()
    expect(page.get_by_test_id("sku")).to_have_text("RUG-PX8-BLU")
    expect(main).to_have_attribute("src", photos["blue"])

    address = page.url
    page.get_by_role("link", name="Rugged Hybrid Armor in black, photo 2").click()
    expect(main).to_have_attribute("src", photos["black"])
    expect(main).to_have_attribute("alt", "Rugged Hybrid Armor in black")
    assert page.url == address  # still this page, not the PNG file
    page.close()


def test_gallery_thumbnails_work_without_javascript(browser, live_server, storefront, settings):
    """Without JavaScript a thumbnail reloads the product page showing that photo."""
    from playwright.sync_api import expect

    rugged = storefront["rugged"]
    photos = _add_colour_photos(rugged, settings)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _serve_media(page, live_server, Path(settings.MEDIA_ROOT))
    page.goto(f"{live_server.url}{rugged.get_absolute_url()}?model=pixel-8&colour=blue")
    page.get_by_role("link", name="Rugged Hybrid Armor in black, photo 2").click()
    expect(page.locator("img[data-gallery-main]")).to_have_attribute("src", photos["black"])
    expect(page).to_have_url(re.compile(rf"{rugged.get_absolute_url()}\?.*photo=\d+"))
    expect(page.get_by_test_id("sku")).to_have_text("RUG-PX8-BLU")  # the selection is kept
    context.close()


def test_phone_sees_the_first_product_without_scrolling(browser, live_server, storefront):
    """At phone width the filter panel starts folded, so the first product card is in view;
    one tap on its summary opens it."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    first = page.locator("#results .card").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 80 < 844, f"first card starts at {box['y']} px"
    material = page.get_by_label("Material")
    expect(material).to_be_hidden()
    page.get_by_text("Filter and sort").click()
    expect(material).to_be_visible()
    page.close()


def test_filters_are_open_on_a_wide_screen(browser, live_server, storefront):
    """On a wide screen the filter panel is open from the start."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    expect(page.get_by_label("Material")).to_be_visible()
    page.close()
