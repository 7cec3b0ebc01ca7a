"""Helpers for the quote tests: a catalog to quote, the mails and callbacks recorded (their
implementations are other work's; here only that they are asked for, and when)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.wholesale import callbacks, mails
from shop.wholesale.services import LineIn
from tests.factories import (
    CaseProductFactory,
    ColourFactory,
    PhoneModelFactory,
    ProductTermsFactory,
    VariantFactory,
)

# The fixtures, for `from .quoting import *` in the test modules.
__all__ = ["catalog", "sent", "wholesale_settings"]

ADDRESS = {
    "name": "Robin Buyer",
    "line1": "1 Trade Way",
    "line2": "",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "phone": "+1 555 0100",
}


class Sent:
    """What the quote work asked the mail and callback interfaces to send."""

    def __init__(self):
        self.mails: list[tuple[int, str]] = []
        self.callbacks: list[tuple[int, str, dict]] = []

    def mail_kinds(self, quote) -> list[str]:
        return [kind for pk, kind in self.mails if pk == quote.pk]

    def events(self, client) -> list[str]:
        return [event for pk, event, _ in self.callbacks if pk == client.pk]


@pytest.fixture
def sent(monkeypatch) -> Sent:
    record = Sent()

    def mail(*, quote_id: int, kind: str) -> bool:
        record.mails.append((quote_id, kind))
        return True

    def emit(*, client, event_type: str, data: dict):
        record.callbacks.append((client.pk, event_type, data))

    monkeypatch.setattr(mails, "quote_mail_send", mail)
    monkeypatch.setattr(callbacks, "callback_emit", emit)
    return record


@pytest.fixture
def wholesale_settings(settings):
    settings.SHOP_COUNTRY = "US"
    settings.SHOP_CURRENCY = "USD"
    settings.WHOLESALE_DESIGN_SURCHARGE = "2.50"
    settings.WHOLESALE_SHIPPING_RATES = {
        "domestic": {"base": "15.00", "per_kg": "1.20"},
        "europe": {"base": "35.00", "per_kg": "4.50"},
        "world": {"base": "55.00", "per_kg": "7.80"},
    }
    settings.WHOLESALE_VOLUMETRIC_DIVISOR = 5000
    settings.WHOLESALE_LEAD_TIME = {"base_days": 3, "daily_capacity": 500, "designed_factor": 2}
    settings.WHOLESALE_REVIEW = {
        "quantity_over": 1000,
        "custom_design": True,
        "discount_over": "0.40",
    }
    settings.WHOLESALE_QUOTE_VALID_DAYS = 14
    settings.WHOLESALE_EXPIRY_WARNING_HOURS = 48
    settings.WHOLESALE_NET_DAYS = 30
    settings.WHOLESALE_PAYMENT_HOLD_DAYS = 7
    return settings


@pytest.fixture
def catalog(db, wholesale_settings):
    """Two cases for the iPhone 12 (the test designs' device): the classic one at 20.00
    (from 10, in steps of 5), 500 of each colour in stock, and a slim one at 10.00."""
    phone = PhoneModelFactory(brand="Apple", name="iPhone 12", slug="iphone-12")
    classic = CaseProductFactory(
        name="Classic case",
        slug="classic-case",
        package_weight_g=Decimal("100"),
        package_length_mm=Decimal("100"),
        package_width_mm=Decimal("100"),
        package_height_mm=Decimal("20"),
    )
    ProductTermsFactory(product=classic, min_quantity=10, increment=5)
    slim = CaseProductFactory(name="Slim case", slug="slim-case")
    ProductTermsFactory(product=slim, min_quantity=1, increment=1)
    return {
        "black": VariantFactory(
            sku="CLS-IP12-BLK",
            product=classic,
            phone_model=phone,
            colour=ColourFactory(name="Black", slug="black"),
            price=Decimal("20.00"),
            stock_on_hand=500,
        ),
        "blue": VariantFactory(
            sku="CLS-IP12-BLU",
            product=classic,
            phone_model=phone,
            colour=ColourFactory(name="Blue", slug="blue"),
            price=Decimal("20.00"),
            stock_on_hand=500,
        ),
        "slim": VariantFactory(
            sku="SLM-IP12-BLK",
            product=slim,
            phone_model=phone,
            colour=ColourFactory(name="Black", slug="black"),
            price=Decimal("10.00"),
            stock_on_hand=500,
        ),
    }


def lines(*items) -> list[LineIn]:
    """LineIn from (sku, quantity) or (sku, quantity, design token)."""
    return [LineIn(*item) for item in items]
