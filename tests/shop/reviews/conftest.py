"""Shared fixtures for reviews and points: a product with a variant, shoppers (Alice,
Bob), orders in a chosen status, photos."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from shop.orders.models import Order, Status
from tests.engine import corpus
from tests.factories import ShopperFactory, VariantFactory
from tests.shop.orders.conftest import placed_order

PASSWORD = "a-long-shopper-pass-42"


@pytest.fixture(autouse=True)
def _shop_settings(settings):
    settings.SHOP_COUNTRY = "US"
    settings.SHIPPING_FREE_OVER = "50.00"
    settings.SHOP_CURRENCY = "USD"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def variant(db):
    return VariantFactory(stock_on_hand=20)


@pytest.fixture
def product(variant):
    return variant.product


def shopper(name: str):
    user = ShopperFactory(username=name)
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def alice(db):
    return shopper("alice")


@pytest.fixture
def bob(db):
    return shopper("bob")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def order_in(status: str, variant, *, user=None, email: str = "ada@example.com") -> Order:
    """An order of `variant` moved straight to `status` (the order rules are tested in
    shop.orders; here only the status counts)."""
    order = placed_order(variant, user=user, email=email)
    Order.objects.filter(pk=order.pk).update(status=status)
    return order


def delivered(variant, user) -> Order:
    return order_in(Status.DELIVERED, variant, user=user, email=user.email)


def jpeg(size=(400, 300), seed=3) -> bytes:
    return corpus.encode(corpus.photo(size, seed), "JPEG", quality=85)


def upload(data: bytes, name: str = "photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def review_data(**overrides) -> dict:
    data = {"stars": "5", "title": "Great case", "text": "Snug fit, good grip.", "website": ""}
    data.update(overrides)
    return data


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def image_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(data)).size
