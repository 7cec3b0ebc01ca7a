"""Pricing strategies: retail list prices, wholesale tiers, price filters and from-prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog.models import CaseProduct
from shop.catalog.pricing import Money, RetailStrategy, WholesaleStrategy
from tests.factories import CaseProductFactory, PriceTierFactory, VariantFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_retail_unit_price_is_the_list_price_at_any_quantity():
    """Retail ignores wholesale tiers: the list price whatever the quantity."""
    variant = VariantFactory(price=D("19.90"))
    PriceTierFactory(variant=variant, min_quantity=10, unit_price=D("15.00"))
    assert RetailStrategy().unit_price(variant, 500) == Money(D("19.90"), "USD")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [(1, "20.00"), (9, "20.00"), (10, "17.00"), (49, "17.00"), (50, "15.00"), (200, "12.00")],
)
def test_wholesale_picks_the_highest_tier_reached(quantity, expected):
    """The highest tier reached sets the unit price, whatever the tiers' creation order."""
    variant = VariantFactory(price=D("20.00"))
    PriceTierFactory(variant=variant, min_quantity=200, unit_price=D("12.00"))
    PriceTierFactory(variant=variant, min_quantity=10, unit_price=D("17.00"))
    PriceTierFactory(variant=variant, min_quantity=50, unit_price=D("15.00"))
    assert WholesaleStrategy().unit_price(variant, quantity) == Money(D(expected), "USD")


def test_wholesale_without_tiers_is_the_list_price():
    """A variant with no tiers sells wholesale at its list price."""
    variant = VariantFactory(price=D("9.99"))
    assert WholesaleStrategy().unit_price(variant, 1000).amount == D("9.99")


@pytest.fixture
def priced_products():
    cheap = CaseProductFactory(name="Cheap")
    VariantFactory(product=cheap, price=D("9.00"))
    VariantFactory(product=cheap, price=D("30.00"))
    mid = CaseProductFactory(name="Mid")
    VariantFactory(product=mid, price=D("20.00"))
    hidden = CaseProductFactory(name="Only inactive in range")
    VariantFactory(product=hidden, price=D("15.00"), is_active=False)
    VariantFactory(product=hidden, price=D("50.00"))
    return cheap, mid, hidden


@pytest.mark.parametrize(
    ("low", "high", "names"),
    [
        (None, None, {"Cheap", "Mid", "Only inactive in range"}),
        (D("10"), D("25"), {"Mid"}),
        (D("20"), None, {"Cheap", "Mid", "Only inactive in range"}),
        (None, D("9.00"), {"Cheap"}),
        (D("31"), D("49"), set()),
    ],
)
def test_filter_price_range_uses_active_variants_only(priced_products, low, high, names):
    """Products with an active variant priced within [low, high], bounds included."""
    result = RetailStrategy().filter_price_range(CaseProduct.objects.all(), low, high)
    assert {p.name for p in result} == names
    assert result.count() == len(names)  # no duplicates from several matching variants


def test_annotate_from_price_ignores_inactive_variants(priced_products):
    """from_price is the lowest active price; no active variant means no price."""
    cheap, mid, hidden = priced_products
    lonely = CaseProductFactory(name="Inactive only")
    VariantFactory(product=lonely, price=D("1.00"), is_active=False)
    strategy = RetailStrategy()
    prices = {
        p.name: strategy.from_price(p)
        for p in strategy.annotate_from_price(CaseProduct.objects.all())
    }
    assert prices["Cheap"] == Money(D("9.00"), "USD")
    assert prices["Mid"].amount == D("20.00")
    assert prices["Only inactive in range"].amount == D("50.00")
    assert prices["Inactive only"] is None


def test_every_price_is_in_the_shop_currency(settings, priced_products):
    """Unit, wholesale and from-prices all speak SHOP_CURRENCY, read when asked: a shop in
    pounds shows its stored prices as pounds, never a mix of currencies."""
    settings.SHOP_CURRENCY = "GBP"
    strategy = RetailStrategy()
    product = strategy.annotate_from_price(CaseProduct.objects.filter(name="Mid")).get()
    variant = product.variants.get(price=D("20.00"))
    assert str(strategy.from_price(product)) == "£20.00"
    assert str(strategy.unit_price(variant)) == "£20.00"
    assert str(WholesaleStrategy().unit_price(variant, 1)) == "£20.00"


def test_money_str():
    """Known currencies print with their symbol, others with the code."""
    assert str(Money(D("5"), "USD")) == "$5.00"
    assert str(Money(D("5.5"), "EUR")) == "€5.50"
    assert str(Money(D("5"), "CHF")) == "5.00 CHF"
