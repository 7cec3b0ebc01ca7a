"""On PostgreSQL, buyers racing for the last units: no path sells more than is in stock."""

from __future__ import annotations

import itertools
import threading
from decimal import Decimal

import pytest
from django.db import connection

from shop.cart.models import Cart, CartLine
from shop.orders import services
from shop.orders.models import Order, Stock
from tests.factories import VariantFactory
from tests.locks import race
from tests.shop.orders.conftest import ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 20
UNITS = 5


def checkouts_at_once(carts: list[Cart], *, email: str) -> list[str]:
    """Each cart checked out by its own thread, all at the same moment: "placed" or the
    refusal's reason, one per cart."""
    next_cart = itertools.count()
    pick = threading.Lock()

    def buy():
        with pick:
            cart = carts[next(next_cart)]
        try:
            services.order_place(cart=cart, email=email, address=ADDRESS, method="standard")
        except services.OrderError as exc:
            return str(exc)
        return "placed"

    return race(buy, runners=len(carts))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_twenty_buyers_for_the_last_five_units_make_exactly_five_orders():
    """20 threads, each with its own cart holding 1 unit, place their orders at the same
    moment: exactly 5 succeed, the other 15 are refused with a reason, stock ends at 0."""
    variant = VariantFactory(price=Decimal("19.90"), stock_on_hand=UNITS)
    carts = []
    for _ in range(BUYERS):
        cart = Cart.objects.create()
        CartLine.objects.create(cart=cart, variant=variant, quantity=1)
        carts.append(cart)
    results = checkouts_at_once(carts, email="racer@example.com")
    assert results.count("placed") == UNITS
    refusals = [r for r in results if r != "placed"]
    assert len(refusals) == BUYERS - UNITS
    assert all("sold out" in r.lower() or "left" in r.lower() for r in refusals), refusals
    variant.refresh_from_db()
    assert variant.stock_on_hand == 0
    assert Order.objects.filter(stock=Stock.HELD).count() == UNITS
    assert CartLine.objects.count() == BUYERS - UNITS  # the refused keep their carts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_one_buyer_racing_checkouts_never_holds_more_than_the_cap(settings):
    """10 checkouts of 5 units each by one email, at the same moment, with a cap of 12:
    exactly 2 are placed (10 units held), the others refused by the cap."""
    settings.STOCK_HOLD_MAX_UNITS_PER_BUYER = 12
    variant = VariantFactory(price=Decimal("19.90"), stock_on_hand=100)
    carts = []
    for _ in range(10):
        cart = Cart.objects.create()
        CartLine.objects.create(cart=cart, variant=variant, quantity=5)
        carts.append(cart)
    results = checkouts_at_once(carts, email="hoarder@example.com")
    assert results.count("placed") == 2, results
    assert all("at most 12" in r for r in results if r != "placed"), results
    assert services.buyer_units_held(email="hoarder@example.com") == 10
