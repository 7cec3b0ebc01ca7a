"""Checkout: a guest or an account fills in email, address and shipping; the order is placed
with server-computed totals, its stock held and the cart emptied; bad input places nothing
and says why."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from shop.cart.models import CartLine
from shop.orders.models import Address, Order, PaymentState, Status, Stock
from tests.shop.orders.conftest import (
    ADDRESS,
    add_to_cart,
    checkout_data,
    orders,
    shopper,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dev_gateway(settings):
    """Payments go through the development gateway (development mode, no Stripe)."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def shown(response, testid: str) -> str:
    """The text of the element marked `testid` (tags dropped)."""
    inner = re.search(rf'data-testid="{testid}">(.*?)</(?:dd|td|div)>', text(response)).group(1)
    return re.sub(r"<[^>]+>", "", inner).strip()


def test_an_empty_cart_goes_back_to_the_cart(client):
    """With nothing in the cart the checkout sends the shopper back to it."""
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_the_cart_links_to_the_checkout(client, case):
    add_to_cart(client, case.sku)
    assert 'href="/checkout/"' in client.get("/cart/").content.decode()


def test_a_cart_line_that_cannot_be_bought_keeps_the_shopper_in_the_cart(client, case):
    """Sold out since it was added: no "Check out" button, and the checkout sends the
    shopper back to the cart."""
    add_to_cart(client, case.sku, 2)
    case.stock_on_hand = 1
    case.save()
    assert 'href="/checkout/"' not in client.get("/cart/").content.decode()
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_a_guest_checks_out_and_is_sent_to_pay(client, case):
    """Two cases at $19.90 with standard US shipping: $44.70; the stock is held, the cart
    emptied, and the shopper lands on the payment page."""
    add_to_cart(client, case.sku, 2)
    page = client.get("/checkout/")
    assert page.status_code == 200
    assert (shown(page, "subtotal"), shown(page, "shipping"), shown(page, "total")) == (
        "$39.80",
        "$4.90",
        "$44.70",
    )
    assert "Standard: $4.90" in text(page) and "Express: $12.90" in text(page)

    response = client.post("/checkout/", checkout_data())
    [order] = orders()
    assert response.status_code == 302
    assert response["Location"].startswith("/payments/dev/")
    assert (order.subtotal, order.shipping, order.total) == (
        Decimal("39.80"),
        Decimal("4.90"),
        Decimal("44.70"),
    )
    assert order.user is None and order.email == "ada@example.com"
    assert order.shipping_address() == ADDRESS
    assert (order.status, order.stock) == (Status.PENDING_PAYMENT, Stock.HELD)
    case.refresh_from_db()
    assert case.stock_on_hand == 8
    assert not CartLine.objects.exists()


def test_paying_with_the_development_gateway_ends_on_the_paid_order(client, case):
    """Guest checkout, "Pay now" on the development gateway, back on the order page: paid."""
    add_to_cart(client, case.sku)
    gateway = client.post("/checkout/", checkout_data())["Location"]
    token = re.search(r"[?&]r=([^&]+)", gateway).group(1)
    back = client.post(gateway.split("?")[0], {"action": "pay", "r": token}, follow=True)
    order = Order.objects.get()
    assert back.redirect_chain[-1][0] == order.get_absolute_url()
    assert order.payment_state == PaymentState.PAID
    assert order.status in (Status.PAID, Status.IN_PRODUCTION)
    assert f"Status: {order.get_status_display()}" in shown(back, "order-status")


@pytest.mark.parametrize(
    ("country", "standard", "express"),
    [("US", "$4.90", "$12.90"), ("DE", "$9.90", "$24.90"), ("JP", "$14.90", "$34.90")],
    ids=["domestic", "europe", "world"],
)
def test_shipping_is_priced_by_region(client, case, country, standard, express):
    """Updating the country shows that region's rates; the order is charged the same."""
    add_to_cart(client, case.sku)
    page = client.post("/checkout/", {**checkout_data(country=country), "update": "1"})
    assert page.status_code == 200 and not Order.objects.exists()
    assert f"Standard: {standard}" in text(page) and f"Express: {express}" in text(page)
    client.post("/checkout/", checkout_data(country=country, method="express"))
    assert f"${Order.objects.get().shipping}" == express


def test_standard_shipping_is_free_from_the_threshold_and_express_is_always_charged(client, case):
    """Three cases ($59.70) pass the $50 threshold: standard is free, express is not."""
    add_to_cart(client, case.sku, 3)
    page = client.get("/checkout/")
    assert "Standard: Free" in text(page) and "Express: $12.90" in text(page)
    assert shown(page, "shipping") == "Free" and shown(page, "total") == "$59.70"
    client.post("/checkout/", checkout_data())
    client2 = Client()
    add_to_cart(client2, case.sku, 3)
    client2.post("/checkout/", checkout_data(method="express"))
    free, express = orders()
    assert (free.shipping, free.total) == (Decimal("0.00"), Decimal("59.70"))
    assert (express.shipping, express.total) == (Decimal("12.90"), Decimal("72.60"))


def test_the_threshold_follows_the_setting(client, case, settings):
    settings.SHIPPING_FREE_OVER = ""
    add_to_cart(client, case.sku, 3)
    assert "Standard: $4.90" in text(client.get("/checkout/"))


def test_an_account_starts_from_its_default_address_and_can_save_a_new_one(case):
    """The form is prefilled with the account's email and default address; a new address
    is saved to the book when asked, and the order belongs to the account."""
    alice = shopper()
    Address.objects.create(user=alice, is_default=True, **{**ADDRESS, "city": "Shelbyville"})
    client = signed_in(alice)
    add_to_cart(client, case.sku)
    page = text(client.get("/checkout/"))
    assert 'value="alice@example.com"' in page and 'value="Shelbyville"' in page

    data = checkout_data(email="alice@example.com", city="Capital City", save_address="on")
    assert client.post("/checkout/", data).status_code == 302
    order = Order.objects.get()
    assert order.user == alice and order.ship_city == "Capital City"
    assert sorted(Address.objects.filter(user=alice).values_list("city", flat=True)) == [
        "Capital City",
        "Shelbyville",
    ]


def test_an_account_picks_another_address_from_its_book(case):
    alice = shopper()
    Address.objects.create(user=alice, is_default=True, **ADDRESS)
    other = Address.objects.create(user=alice, **{**ADDRESS, "city": "Ogdenville"})
    client = signed_in(alice)
    add_to_cart(client, case.sku)
    page = text(client.get(f"/checkout/?address={other.pk}"))
    assert 'value="Ogdenville"' in page


def test_an_account_cannot_pick_someone_elses_address(case):
    bob = shopper("bob@example.com")
    bobs = Address.objects.create(user=bob, **{**ADDRESS, "city": "Bobtown"})
    client = signed_in(shopper())
    add_to_cart(client, case.sku)
    assert "Bobtown" not in text(client.get(f"/checkout/?address={bobs.pk}"))


def test_a_refusal_by_the_order_rules_shows_the_form_again_and_keeps_the_cart(client, case):
    """The last units sold while the shopper typed: the reason is shown, the entries and
    the cart stay, nothing is placed."""
    add_to_cart(client, case.sku, 2)
    client.get("/checkout/")
    case.stock_on_hand = 1
    case.save()
    response = client.post("/checkout/", checkout_data(name="Grace Hopper"))
    assert response.status_code == 200
    assert "Only 1 left" in text(response)
    assert 'value="Grace Hopper"' in text(response)
    assert not Order.objects.exists()
    assert CartLine.objects.get().quantity == 2
    case.refresh_from_db()
    assert case.stock_on_hand == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"line1": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"name": "A" * 10_000}, "at most 100 characters"),
        ({"city": "Spring\nfield"}, "single line"),
        ({"name": "Ada\x00Lovelace"}, "Null characters are not allowed."),
        ({"line2": "Flat 2\x1b[31m"}, "single line"),
        ({"phone": "call me maybe"}, "phone number"),
        ({"country": "XX", "priced_for": "XX"}, "Choose a country from the list."),
        ({"method": "teleport"}, "Choose one of the shipping methods shown."),
        ({"method": ""}, "Choose a shipping method."),
    ],
    ids=[
        "no-name",
        "no-address",
        "bad-email",
        "10kb-name",
        "newline",
        "nul",
        "escape",
        "phone",
        "unknown-country",
        "forged-method",
        "no-method",
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_places_nothing(
    client, case, change, message
):
    add_to_cart(client, case.sku)
    response = client.post("/checkout/", checkout_data(**change))
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in text(response) and message in text(response)
    assert not Order.objects.exists()
    case.refresh_from_db()
    assert case.stock_on_hand == 10 and CartLine.objects.exists()


def test_a_country_changed_without_seeing_its_prices_is_shown_them_first(client, case):
    """The shown prices were for the US; the shopper chose Germany and submitted: the page
    shows Germany's prices and asks again; the second submission places the order."""
    add_to_cart(client, case.sku)
    response = client.post("/checkout/", checkout_data(country="DE", priced_for="US"))
    assert response.status_code == 200 and not Order.objects.exists()
    assert "now shown for Germany" in text(response) and "Standard: $9.90" in text(response)
    assert 'name="priced_for" value="DE"' in text(response)
    client.post("/checkout/", checkout_data(country="DE"))
    assert Order.objects.get().shipping == Decimal("9.90")


def test_a_region_without_rates_says_so(client, case, settings):
    settings.SHIPPING_RATES = {"domestic": {"standard": "4.90"}}
    add_to_cart(client, case.sku)
    page = client.post("/checkout/", {**checkout_data(country="JP"), "update": "1"})
    assert "We do not ship to Japan" in text(page)
    client.post("/checkout/", checkout_data(country="JP"))
    assert not Order.objects.exists()


def test_checkout_is_rate_limited_per_address(client, case, settings):
    settings.RATE_LIMITS = {"checkout": "2/h"}
    add_to_cart(client, case.sku)
    for _ in range(2):
        assert client.post("/checkout/", checkout_data(name="")).status_code == 200
    assert client.post("/checkout/", checkout_data()).status_code == 429
    assert not Order.objects.exists()


def test_without_a_payment_gateway_nothing_is_placed(client, case, settings):
    """Outside development mode without Stripe no payment page can open: the checkout says
    so and holds no stock."""
    settings.DEBUG = False
    add_to_cart(client, case.sku)
    response = client.post("/checkout/", checkout_data())
    assert response.status_code == 200 and "Payment is not available" in text(response)
    assert not Order.objects.exists() and CartLine.objects.exists()


def test_an_order_waiting_for_payment_can_be_paid_from_its_page(client, case):
    """Back on the order page without having paid: "Pay now" opens a payment page."""
    add_to_cart(client, case.sku)
    client.post("/checkout/", checkout_data())
    order = Order.objects.get()
    page = client.get(order.get_absolute_url())
    assert 'data-testid="pay"' in text(page)
    response = client.post(f"{order.get_absolute_url()}pay/")
    assert response.status_code == 302 and response["Location"].startswith("/payments/dev/")


def test_the_form_sent_twice_places_one_order_and_opens_the_same_payment_page(client, case):
    """A double click or a reload after placing: still one order, the same payment page."""
    add_to_cart(client, case.sku)
    first = client.post("/checkout/", checkout_data())
    second = client.post("/checkout/", checkout_data())
    assert len(orders()) == 1
    assert second.status_code == 302
    assert second["Location"].split("?")[0] == first["Location"].split("?")[0]
