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


def shop_currency() -> str:
    """The shop's one currency: every stored price is in it (read when asked)."""
    return settings.SHOP_CURRENCY


def shop_money(amount: Decimal) -> Money:
    """A stored price as Money in the shop currency."""
    return Money(amount, shop_currency())


ACTIVE_VARIANTS = Q(is_active=True)


def only_active(variants: Q | None) -> Q:
    """`variants` (a condition on Variant fields; None for all) narrowed to active variants,
    without repeating the condition when `variants` already has it at its top level."""
    if variants is None:
        return ACTIVE_VARIANTS
    if (
        variants.connector == Q.AND
        and not variants.negated
        and ("is_active", True) in variants.children
    ):
        return variants
    return ACTIVE_VARIANTS & variants


def across_variants(condition: Q) -> Q:
    """`condition`, written on Variant fields, as a condition on CaseProduct across its
    `variants` (for aggregates over the product-variant join): Q(colour=c) becomes
    Q(variants__colour=c), with the same nesting, connectors and negations."""
    children = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(across_variants(child))
        elif isinstance(child, tuple):
            lookup, value = child
            children.append((f"variants__{lookup}", value))
        else:
            raise TypeError(f"across_variants() cannot rewrite {child!r}; use field lookups")
    return Q.create(children, connector=condition.connector, negated=condition.negated)


class RetailStrategy:
    """Shop prices for shoppers: the variant's list price, one unit at a time.

    The queryset methods take `variants`, a condition on Variant fields saying which
    variants count (the catalog passes its phone model, colour and in-stock filters, so that
    a card's price and the price filter and order all speak of the variants the shopper can
    buy). Inactive variants never count, whatever `variants` says.
    """

    def unit_price(self, variant: Variant, quantity: int = 1) -> Money:
        return shop_money(variant.price)

    def annotate_from_price(
        self, products: QuerySet[CaseProduct], variants: Q | None = None
    ) -> QuerySet[CaseProduct]:
        """Annotate `from_price`: the lowest price among the product's active variants that
        match `variants` (all active variants when None); None when no variant matches."""
        counted = only_active(variants)
        return products.annotate(from_price=Min("variants__price", filter=across_variants(counted)))

    def within_price_range(
        self, variants: Q | None, low: Decimal | None, high: Decimal | None
    ) -> Q:
        """`variants` (None for all) narrowed to active ones priced within [low, high]; a
        None bound is open."""
        q = only_active(variants)
        if low is not None:
            q &= Q(price__gte=low)
        if high is not None:
            q &= Q(price__lte=high)
        return q

    def filter_price_range(
        self,
        products: QuerySet[CaseProduct],
        low: Decimal | None,
        high: Decimal | None,
        variants: Q | None = None,
    ) -> QuerySet[CaseProduct]:
        """Products with at least one active variant that matches `variants` (any active
        variant when None) and is priced within [low, high]: one and the same variant."""
        if low is None and high is None:
            return products
        q = self.within_price_range(variants, low, high)
        return products.filter(pk__in=Variant.objects.filter(q).values("product_id"))

    def from_price(self, product: CaseProduct) -> Money | None:
        """The lowest price, using the `from_price` annotation when present."""
        amount = getattr(product, "from_price", None)
        if amount is None:
            return None
        return shop_money(amount)


class WholesaleStrategy(RetailStrategy):
    """Unit price from the variant's quantity tiers (the highest tier reached wins)."""

    def unit_price(self, variant: Variant, quantity: int = 1) -> Money:
        price = variant.price
        for tier in sorted(variant.price_tiers.all(), key=lambda t: t.min_quantity):
            if quantity >= tier.min_quantity:
                price = tier.unit_price
        return shop_money(price)


def strategy_for(request=None) -> RetailStrategy:
    """The strategy for a request: retail for the storefront (wholesale comes via the API)."""
    return RetailStrategy()
