"""Orders for the pipeline and order-admin tests: a paid order with a designed case and stock
cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.catalog.models import Variant
from shop.orders import services
from shop.orders.models import Order
from tests.configurator.designs import saved_design
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory
from tests.shop.orders.conftest import ADDRESS


@pytest.fixture
def cases(db):
    """The classic case for the iPhone 12 (the test designs' device): black and blue."""
    product = CaseProductFactory(name="Classic case", slug="classic-case")
    phone = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    return {
        "black": VariantFactory(
            sku="CLS-IP12-BLK",
            product=product,
            phone_model=phone,
            colour=ColourFactory(name="Black", slug="black"),
            price=Decimal("20.00"),
            stock_on_hand=10,
        ),
        "blue": VariantFactory(
            sku="CLS-IP12-BLU",
            product=product,
            phone_model=phone,
            colour=ColourFactory(name="Blue", slug="blue"),
            price=Decimal("18.00"),
            stock_on_hand=10,
        ),
    }


def place_designed_order(cases: dict[str, Variant], *, email: str = "ada@example.com") -> Order:
    """An order pending payment: one case with the shopper's design, two stock cases."""
    cart = Cart.objects.create()
    design = saved_design()
    cart_add(cart=cart, sku=cases["black"].sku, design_token=design.token, quantity=1)
    cart_add(cart=cart, sku=cases["blue"].sku, quantity=2)
    return services.order_place(cart=cart, email=email, address=ADDRESS, method="standard")


def pay(order: Order, reference: str = "pay-1") -> str:
    return services.payment_received(
        order_id=order.pk,
        provider="dev",
        reference=reference,
        amount=order.total,
        currency=order.currency,
    )
