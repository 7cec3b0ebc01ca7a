"""The order page (status, timeline, lines, totals, address, tracking), its status JSON for
polling, who may see them, and a guest's lookup by email and order number."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shop.orders import services
from shop.orders.models import Order
from tests.configurator.conftest import photo_png, post_json, spec_with, upload
from tests.factories import PhoneModelFactory, VariantFactory
from tests.shop.orders.conftest import (
    add_to_cart,
    checkout_data,
    placed_order,
    shopper,
    signed_in,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def status_url(order) -> str:
    return f"{order.get_absolute_url()}status.json"


def pay(order):
    services.payment_received(
        order_id=order.pk,
        provider="dev",
        reference=f"p-{order.pk}",
        amount=order.total,
        currency=order.currency,
    )


def test_the_order_page_shows_status_lines_totals_and_address(client, case):
    order = placed_order(case, quantity=2)
    page = client.get(order.get_absolute_url())
    assert page.status_code == 200
    body = text(page)
    assert f"Order {order.number}" in body
    assert "Status: <span data-order-status-label>Pending payment</span>" in body
    assert re.search(r'data-testid="order-line">.*?SLIM-IP15-BLK.*?\$19\.90.*?\$39\.80', body)
    assert 'data-testid="total"><strong>$44.70' in body
    assert "Ada Lovelace" in body and "Springfield" in body and "United States" in body
    assert page["Cache-Control"].startswith("max-age=0")


def test_while_waiting_it_follows_its_status_with_a_static_script(client, case):
    """The page names its status address for /static/js/order-status.js, has a plain
    Refresh link, and no inline script (the CSP forbids it)."""
    order = placed_order(case)
    body = text(client.get(order.get_absolute_url()))
    assert f'data-order-status-url="{status_url(order)}"' in body
    assert 'src="/static/js/order-status.js"' in body
    assert ">Refresh</a>" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)


def test_the_timeline_and_the_tracking_number_follow_the_order(client, case):
    order = placed_order(case)
    pay(order)
    services.order_start_production(order_id=order.pk)
    services.order_ship(order_id=order.pk, tracking_number="1Z999AA10123456784")
    body = text(client.get(order.get_absolute_url()))
    steps = re.findall(r"</time> · ([^<]+)</li>", body)
    assert steps == ["Order placed", "Paid", "In production", "Ready to ship", "Shipped"]
    assert 'data-testid="tracking">1Z999AA10123456784' in body
    assert "data-order-status-url" not in body  # shipped: nothing left to follow


def test_the_status_json_says_status_label_and_payment_state(client, case):
    order = placed_order(case)
    first = client.get(status_url(order)).json()
    assert first == {
        "number": order.number,
        "status": "pending_payment",
        "label": "Pending payment",
        "payment_state": "unpaid",
        "payment_label": "Unpaid",
        "following": True,
    }
    pay(order)
    second = client.get(status_url(order))
    assert second.json()["status"] == "paid" and second.json()["payment_state"] == "paid"
    assert "no-store" in second["Cache-Control"]


@pytest.mark.parametrize("suffix", ["", "status.json"])
def test_a_wrong_key_or_number_is_a_404(client, case, suffix):
    order = placed_order(case)
    wrong = order.access_key[:-1] + ("A" if order.access_key[-1] != "A" else "B")
    assert client.get(f"/orders/{order.number}/{wrong}/{suffix}").status_code == 404
    assert client.get(f"/orders/CF-NOSUCH1/{order.access_key}/{suffix}").status_code == 404
    assert client.get(f"/orders/{order.number}/{order.access_key}/{suffix}").status_code == 200


@pytest.mark.parametrize("suffix", ["", "status.json"])
def test_an_accounts_order_is_its_own(case, suffix):
    """Alice sees her order; Bob, even holding its link, gets a 404; a signed-out visitor is
    asked to sign in (the status JSON just says 404)."""
    alice = shopper()
    order = placed_order(case, user=alice, email="alice@example.com")
    url = f"{order.get_absolute_url()}{suffix}"
    assert signed_in(alice).get(url).status_code == 200
    assert signed_in(shopper("bob@example.com")).get(url).status_code == 404
    anonymous = Client().get(url)
    if suffix:
        assert anonymous.status_code == 404
    else:
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_payment_return_pages_of_an_accounts_order_are_its_own(case):
    """The key alone (say, from a guest lookup by email and number) neither opens nor
    cancels an account's order on the payment pages."""
    alice = shopper()
    order = placed_order(case, user=alice, email="alice@example.com")
    for who in (Client(), signed_in(shopper("bob@example.com"))):
        cancel = f"/payments/cancel/{order.number}/{order.access_key}/"
        assert who.get(cancel).status_code == 404
        assert who.post(cancel, {"action": "cancel"}).status_code == 404
        success = f"/payments/success/{order.number}/{order.access_key}/"
        assert who.get(success).status_code == 404
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert signed_in(alice).get(cancel).status_code == 200


def test_a_guest_order_is_seen_by_whoever_holds_its_link(case):
    order = placed_order(case)
    assert signed_in(shopper()).get(order.get_absolute_url()).status_code == 200


def test_a_cancelled_order_is_neither_followed_nor_payable(client, case):
    order = placed_order(case)
    services.order_cancel_unpaid(order_id=order.pk, reason="test")
    body = text(client.get(order.get_absolute_url()))
    assert "Status: <span data-order-status-label>Cancelled" in body
    assert "data-order-status-url" not in body and 'data-testid="pay"' not in body


# --- lookup --------------------------------------------------------------------------------

NOT_FOUND = "We could not find an order with that number and email address."


def test_a_guest_finds_their_order_by_email_and_number(client, case):
    """Case and surrounding spaces do not matter."""
    order = placed_order(case, email="Ada@Example.com")
    response = client.post(
        "/orders/lookup/", {"email": " ada@example.COM ", "number": f" {order.number.lower()} "}
    )
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()


@pytest.mark.parametrize(
    "entered",
    [
        {"email": "ada@example.com", "number": "CF-NOSUCH1"},
        {"email": "eve@example.com", "number": None},
    ],
    ids=["unknown-number", "wrong-email"],
)
def test_a_miss_says_the_same_whatever_was_wrong(client, case, entered):
    order = placed_order(case)
    data = {**entered, "number": entered["number"] or order.number}
    response = client.post("/orders/lookup/", data)
    assert response.status_code == 200
    assert NOT_FOUND in text(response)
    assert order.access_key not in text(response)


def test_the_lookup_is_rate_limited(client, case, settings):
    settings.RATE_LIMITS = {"order-lookup": "3/h"}
    order = placed_order(case)
    for _ in range(3):
        client.post("/orders/lookup/", {"email": "eve@example.com", "number": order.number})
    response = client.post("/orders/lookup/", {"email": "ada@example.com", "number": order.number})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_lookup_form_refuses_junk(client):
    response = client.post("/orders/lookup/", {"email": "x" * 5000, "number": "A\nB"})
    assert response.status_code == 200 and 'data-testid="form-errors"' in text(response)


def test_a_designed_line_shows_its_design_preview(client, settings):
    """A case with the shopper's own design: the order page shows the design's preview."""
    settings.DEBUG = True  # the development gateway
    phone = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    variant = VariantFactory(sku="RDG-IP12-BLK", phone_model=phone, stock_on_hand=5)
    artwork = upload(client, photo_png()).json()["id"]
    made_for = {"product": variant.product.slug, "colour": variant.colour.slug}  # the editor's way
    design = post_json(
        client,
        "/design/api/designs/",
        {"device": "iphone-12", "spec": spec_with(artwork), **made_for},
    ).json()["token"]
    client.post("/cart/add/", {"sku": variant.sku, "quantity": 1, "design": design})
    add_to_cart(client, variant.sku)  # and the same case without a design
    client.post("/checkout/", checkout_data())
    order = Order.objects.get()
    body = text(client.get(order.get_absolute_url()))
    preview = f"/design/api/designs/{design}/preview.webp"
    assert body.count(f'src="{preview}"') == 1
    image = client.get(preview)
    image.close()  # a file response: its file is open until closed
    assert image.status_code == 200 and image["Content-Type"] == "image/webp"
