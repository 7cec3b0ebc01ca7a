"""Fixtures for the payment tests: an order waiting for payment."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shop.cart.models import Cart, CartLine
from shop.orders import services as orders
from shop.orders.models import Order
from tests.factories import VariantFactory
from tests.shop.orders.conftest import ADDRESS
from tests.shop.payments.stripe_standin import StripeStandIn, sign


def place(*lines, method: str = "standard") -> Order:
    """An order for `(variant, quantity)` lines, placed as a guest (its stock held)."""
    cart = Cart.objects.create()
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return orders.order_place(cart=cart, email="ada@example.com", address=ADDRESS, method=method)


@pytest.fixture
def variant(db):
    return VariantFactory(price=Decimal("19.90"), stock_on_hand=10)


@pytest.fixture
def order(variant) -> Order:
    """Two cases at 19.90 and 4.90 standard shipping: 44.70 USD, pending payment."""
    return place((variant, 2))


WEBHOOK_SECRET = "whsec_test_standin"
WEBHOOK_URL = "/payments/stripe/webhook/"


@pytest.fixture
def stripe_server(settings):
    """The Stripe stand-in, running, with the shop configured to use it."""
    server = StripeStandIn().start()
    settings.STRIPE_SECRET_KEY = server.secret_key
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    yield server
    server.stop()


def deliver(client, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp=None, body=None):
    """POST `event` to the webhook as Stripe does: JSON, signed with `secret`."""
    payload = body if body is not None else json.dumps(event).encode()
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret, timestamp=timestamp),
    )
