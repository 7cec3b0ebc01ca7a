"""Template filters for order pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from shop.catalog.pricing import Money
from shop.orders.countries import COUNTRY_NAMES

register = template.Library()


@register.filter
def money(amount: Decimal, currency: str) -> str:
    """An order's stored amount in its own currency, as prices are shown: `$44.70`."""
    return str(Money(amount, currency))


@register.filter
def country_name(code: str) -> str:
    """The English name of an ISO 3166 country code (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code, code)
