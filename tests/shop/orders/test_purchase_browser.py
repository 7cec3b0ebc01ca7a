"""The whole purchase in a real Chromium, with a real Celery worker on Redis: a guest designs
a case and adds it and a stock case to the cart, checks out, pays on the development gateway
and watches the order go into production; staff download its print file and mark it
shipped, and the guest is mailed at each step."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.shop.browser import needs_browser
from tests.shop.orders.pipeline.test_workers import REDIS_URL, broker, needs_redis, worker

pytestmark = [pytest.mark.browser, needs_browser, needs_redis]
TIMEOUT_MS = 120_000  # renders run in the worker next to the browser and the live server


@pytest.fixture
def shop(transactional_db, settings):
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        PhoneModelFactory,
        StaffUserFactory,
        VariantFactory,
    )

    settings.DEBUG = True  # the development gateway
    settings.STRIPE_SECRET_KEY = ""
    settings.SHOP_COUNTRY = "US"
    settings.SHIPPING_FREE_OVER = "50.00"
    StaffUserFactory(username="alice-staff")
    phone = PhoneModelFactory(brand="Acme", name="Acme One", slug="acme-one")
    blue = ColourFactory(name="Blue", slug="blue", hex="#2f5bd3")
    black = ColourFactory(name="Black", slug="black", hex="#1f2329")
    designable = CaseProductFactory(
        name="Rugged Hybrid Armor", slug="rugged-hybrid-armor", material="hybrid", style="rugged"
    )
    VariantFactory(
        product=designable, phone_model=phone, colour=blue, sku="RUG-ONE-BLU", stock_on_hand=5
    )
    stock = CaseProductFactory(name="Slim TPU", slug="slim-tpu")
    VariantFactory(
        product=stock,
        phone_model=phone,
        colour=black,
        sku="SLIM-ONE-BLK",
        price=Decimal("19.90"),
        stock_on_hand=5,
    )
    return {"designable": designable, "stock": stock}


@pytest.fixture
def picture(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 900), (250, 204, 21))
    draw = ImageDraw.Draw(img)
    for i in range(0, 1200, 80):
        draw.rectangle((i, 0, i + 39, 900), fill=(220, 38, 38))
    draw.ellipse((400, 250, 800, 650), fill=(29, 78, 216))
    path = tmp_path / "holiday.png"
    img.save(path)
    return path


def test_a_guest_buys_a_designed_and_a_stock_case_and_staff_ship_it(
    browser, live_server, shop, picture, tmp_path
):
    from django.core import mail
    from playwright.sync_api import expect

    from shop.orders.models import Order

    with broker(REDIS_URL), worker():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)

        # Design a case in the editor and add it to the cart.
        page.goto(
            f"{live_server.url}{shop['designable'].get_absolute_url()}?model=acme-one&colour=blue"
        )
        page.get_by_role("link", name="Design your own").click()
        expect(page.locator("#editor-stage[data-ready=true]")).to_be_attached()
        page.locator("#editor-file").set_input_files(str(picture))
        expect(page.get_by_test_id("layers")).to_contain_text("Picture 1")
        expect(page.locator("#editor-preview[data-state=ready]")).to_be_visible()
        page.get_by_role("button", name="Add to cart").click()
        expect(page).to_have_url(re.compile(r"/cart/$"))

        # And a stock case from its product page.
        page.goto(f"{live_server.url}{shop['stock'].get_absolute_url()}?model=acme-one")
        page.get_by_role("button", name="Add to cart").click()
        expect(page).to_have_url(re.compile(r"/cart/$"))
        lines = page.get_by_test_id("cart-line")
        expect(lines).to_have_count(2)
        expect(lines.filter(has_text="RUG-ONE-BLU")).to_contain_text("view it")

        # Check out as a guest and pay on the development gateway.
        page.get_by_role("link", name="Check out").click()
        page.get_by_label("Email").fill("guest@example.com")
        page.get_by_label("Full name").fill("Grace Hopper")
        page.get_by_label("Address", exact=True).fill("1 Main St")
        page.get_by_label("City").fill("Springfield")
        page.get_by_label("Postal code").fill("12345")
        page.get_by_role("button", name="Place order and pay").click()
        page.get_by_role("button", name="Pay now (development)").click()

        # The order page follows the order into production (the worker moves it).
        status = page.get_by_test_id("order-status")
        expect(status).to_contain_text("In production", timeout=TIMEOUT_MS)
        order = Order.objects.get()
        assert order.email == "guest@example.com" and order.lines.count() == 2
        designed = order.lines.get(design__isnull=False)
        assert designed.sku == "RUG-ONE-BLU" and designed.design_hash
        page.screenshot(path=str(tmp_path / "order.png"), full_page=True)

        # Staff: the files are ready, the print PDF downloads, the order ships.
        staff = browser.new_page(viewport={"width": 1280, "height": 900})
        staff.set_default_timeout(TIMEOUT_MS)
        staff.goto(f"{live_server.url}/admin/")
        staff.get_by_label("Username").fill("alice-staff")
        staff.get_by_label("Password").fill("staff-pass-123")
        staff.get_by_role("button", name="Log in").click()
        staff.goto(f"{live_server.url}/admin/orders/order/?status=in_production")
        staff.get_by_role("link", name=order.number).click()
        for _ in range(60):  # the render worker may still be busy: reload until ready
            if "All production files are ready." in staff.locator("#content").inner_text():
                break
            staff.wait_for_timeout(2000)
            staff.reload()
        expect(staff.locator("#content")).to_contain_text("All production files are ready.")
        with staff.expect_download() as download:
            staff.get_by_role("link", name="Print PDF").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        staff.get_by_role("link", name="Mark shipped").first.click()
        staff.get_by_label("Tracking number").fill("1Z999AA10123456784")
        staff.get_by_role("button", name="Mark shipped").click()
        expect(staff.locator(".messagelist")).to_contain_text("is shipped")

        # The guest sees it shipped, and was mailed: confirmation, then tracking.
        page.reload()
        expect(status).to_contain_text("Shipped")
        expect(page.locator("body")).to_contain_text("1Z999AA10123456784")
        for _ in range(50):
            to_guest = [m for m in mail.outbox if m.to == ["guest@example.com"]]
            if len(to_guest) >= 2:
                break
            page.wait_for_timeout(200)
        assert len(to_guest) == 2
        confirmation, shipped = to_guest
        assert order.number in confirmation.subject
        assert confirmation.alternatives and "text/html" in confirmation.alternatives[0][1]
        assert "1Z999AA10123456784" in shipped.body
