"""Fixtures for the payment tests: an order waiting for payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.cart.models import Cart, CartLine
from shop.orders import services as orders
from shop.orders.models import Order
from tests.factories import VariantFactory

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


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
