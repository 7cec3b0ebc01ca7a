"""A real Chromium through the checkout: the country's prices follow the select, the order
is placed and paid on the development gateway, and an order page waiting for payment
updates itself when the payment arrives (static scripts only: the CSP is checked)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def stock_case(transactional_db, settings):
    from tests.factories import CaseProductFactory, VariantFactory

    settings.DEBUG = True  # the development gateway
    settings.STRIPE_SECRET_KEY = ""
    settings.SHOP_COUNTRY = "US"
    settings.SHIPPING_FREE_OVER = "50.00"
    product = CaseProductFactory(name="Slim Black TPU", slug="slim-black-tpu")
    return VariantFactory(product=product, sku="SLIM-BLK", price=Decimal("19.90"), stock_on_hand=4)


def _fill_address(page) -> None:
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Address", exact=True).fill("Unter den Linden 1")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Postal code").fill("10117")


def test_a_guest_checks_out_abroad_and_pays(browser, live_server, stock_case):
    from shop.orders.models import Order, PaymentState

    page = browser.new_page()
    variant = stock_case
    page.goto(
        f"{live_server.url}{variant.product.get_absolute_url()}"
        f"?model={variant.phone_model.slug}&colour={variant.colour.slug}"
    )
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    assert page.get_by_test_id("total").inner_text() == "$24.80"

    _fill_address(page)
    page.get_by_label("Country").select_option("DE")  # the script asks for Germany's prices
    page.get_by_text("Shipping to Germany").wait_for()
    assert page.get_by_label("Full name").input_value() == "Ada Lovelace"  # nothing lost
    assert page.get_by_test_id("total").inner_text() == "$29.80"  # standard, $9.90
    page.get_by_label("Express: $24.90").check()
    page.get_by_test_id("total").filter(has_text="$44.80").wait_for()

    page.get_by_role("button", name="Place order and pay").click()
    page.get_by_role("button", name="Pay now (development)").click()
    page.get_by_test_id("order-status").filter(has_text="Paid").wait_for()
    order = Order.objects.get()
    assert (order.ship_country, order.shipping_method, order.total) == (
        "DE",
        "express",
        Decimal("44.80"),
    )
    assert order.payment_state == PaymentState.PAID


def test_the_order_page_updates_itself_when_the_payment_arrives(browser, live_server, stock_case):
    from shop.cart.models import Cart, CartLine
    from shop.orders import services

    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=stock_case, quantity=1)
    address = {
        "name": "Ada",
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    }
    order = services.order_place(
        cart=cart, email="ada@example.com", address=address, method="standard"
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    assert "Pending payment" in page.get_by_test_id("order-status").inner_text()
    services.payment_received(
        order_id=order.pk, provider="dev", reference="p1", amount=order.total, currency="USD"
    )
    # Without a broker the pipeline runs at once: paid, then in production.
    page.get_by_test_id("order-status").filter(
        has_text=re.compile("Status: (Paid|In production)")
    ).wait_for(timeout=15000)
