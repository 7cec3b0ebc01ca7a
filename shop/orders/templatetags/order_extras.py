"""Template filters for order pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from shop.catalog.pricing import Money

register = template.Library()


@register.filter
def money(amount: Decimal, currency: str) -> str:
    """An order's stored amount in its own currency, as prices are shown: `$44.70`."""
    return str(Money(amount, currency))
