"""Pricing strategies: the one place that turns variants into prices.

Views and templates never read `Variant.price`; they ask a strategy, so wholesale pricing
(tiers by quantity, for API clients) can slot in beside retail without touching them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Min, Q, QuerySet

from .models import CaseProduct, Variant


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(self.currency)
        return f"{symbol}{self.amount:.2f}" if symbol else f"{self.amount:.2f} {self.currency}"


class RetailStrategy:
    """Shop prices for shoppers: the variant's list price, one unit at a time."""

    def unit_price(self, variant: Variant, quantity: int = 1) -> Money:
        return Money(variant.price, variant.currency)

    def annotate_from_price(self, products: QuerySet[CaseProduct]) -> QuerySet[CaseProduct]:
        """Annotate `from_price` (the lowest active variant price) on each product."""
        return products.annotate(
            from_price=Min("variants__price", filter=Q(variants__is_active=True))
        )

    def filter_price_range(
        self,
        products: QuerySet[CaseProduct],
        low: Decimal | None,
        high: Decimal | None,
    ) -> QuerySet[CaseProduct]:
        """Products with at least one active variant priced within [low, high]."""
        if low is None and high is None:
            return products
        q = Q(is_active=True)
        if low is not None:
            q &= Q(price__gte=low)
        if high is not None:
            q &= Q(price__lte=high)
        return products.filter(pk__in=Variant.objects.filter(q).values("product_id"))

    def from_price(self, product: CaseProduct) -> Money | None:
        """The lowest price, using the `from_price` annotation when present."""
        amount = getattr(product, "from_price", None)
        if amount is None:
            return None
        return Money(amount, settings.SHOP_CURRENCY)


class WholesaleStrategy(RetailStrategy):
    """Unit price from the variant's quantity tiers (the highest tier reached wins)."""

    def unit_price(self, variant: Variant, quantity: int = 1) -> Money:
        price = variant.price
        for tier in sorted(variant.price_tiers.all(), key=lambda t: t.min_quantity):
            if quantity >= tier.min_quantity:
                price = tier.unit_price
        return Money(price, variant.currency)


def strategy_for(request=None) -> RetailStrategy:
    """The strategy for a request: retail for the storefront (wholesale comes via the API)."""
    return RetailStrategy()
