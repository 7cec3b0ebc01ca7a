"""Shared fixtures for the shopper's order pages: a case in stock, shoppers with and without
accounts, a cart filled the way the shop fills it, and a checkout form's fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client

from shop.cart.models import Cart, CartLine
from shop.orders import services
from shop.orders.models import Order
from tests.factories import VariantFactory

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Main St",
    "line2": "",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "phone": "+1 555 0100",
}


@pytest.fixture(autouse=True)
def _shop_settings(settings):
    settings.SHOP_COUNTRY = "US"
    settings.SHIPPING_FREE_OVER = "50.00"
    settings.SHOP_CURRENCY = "USD"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def case(db):
    """A $19.90 case, 10 in stock."""
    return VariantFactory(sku="SLIM-IP15-BLK", price=Decimal("19.90"), stock_on_hand=10)


def shopper(email: str = "alice@example.com", *, verified: bool = True):
    """An account (its email address confirmed, as allauth requires to sign in)."""
    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password="a-long-shopper-pass-42"
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def add_to_cart(client: Client, sku: str, quantity: int = 1) -> None:
    response = client.post("/cart/add/", {"sku": sku, "quantity": quantity})
    assert response.status_code == 302


def checkout_data(**overrides) -> dict:
    data = {"email": "ada@example.com", **ADDRESS, "method": "standard"}
    data.update(overrides)
    data.setdefault("priced_for", data["country"])
    return data


def placed_order(variant, *, quantity: int = 1, user=None, email: str = "ada@example.com"):
    """An order placed directly through the rules (for the order pages' tests)."""
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return services.order_place(
        cart=cart, email=email, address=ADDRESS, method="standard", user=user
    )


def orders() -> list[Order]:
    return list(Order.objects.order_by("pk"))
