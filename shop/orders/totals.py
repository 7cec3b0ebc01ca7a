"""An order's money before it is placed: its shipping options and prices (the settings'
rates through `shipping`) and its totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from shop.catalog.pricing import shop_currency
from shop.money import cents

from . import shipping as shipping_rules
from .errors import OrderError


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    currency: str
    region: str
    method: str


def shipping_settings() -> dict:
    return {
        "rates": getattr(settings, "SHIPPING_RATES", shipping_rules.DEFAULT_RATES),
        "free_over": (
            Decimal(str(settings.SHIPPING_FREE_OVER))
            if getattr(settings, "SHIPPING_FREE_OVER", None) not in (None, "")
            else None
        ),
    }


def shipping_region(country: str) -> str:
    return shipping_rules.shipping_region(country, home=getattr(settings, "SHOP_COUNTRY", "US"))


def shipping_options(*, country: str, subtotal: Decimal, wholesale: bool = False):
    return shipping_rules.shipping_options(
        region=shipping_region(country),
        subtotal=subtotal,
        wholesale=wholesale,
        **shipping_settings(),
    )


def order_totals(*, subtotal: Decimal, country: str, method: str, wholesale: bool) -> Totals:
    region = shipping_region(country)
    try:
        option = shipping_rules.shipping_price(
            region=region,
            method=method,
            subtotal=subtotal,
            wholesale=wholesale,
            **shipping_settings(),
        )
    except shipping_rules.ShippingError as exc:
        raise OrderError(str(exc)) from None
    subtotal = cents(subtotal)
    return Totals(
        subtotal=subtotal,
        shipping=option.price,
        total=subtotal + option.price,
        currency=shop_currency(),
        region=region,
        method=method,
    )
