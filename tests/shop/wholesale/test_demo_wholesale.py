"""The wholesale demo rows: a price group with falling tiers, terms, a client; idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.wholesale.demo import CLIENT, GROUP, seed_wholesale_demo
from shop.wholesale.models import Client, GroupPriceTier, ProductTerms
from tests.factories import CaseProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_tiers_fall_with_quantity():
    flex = CaseProductFactory(slug="flex-slim-tpu-case")
    for n in range(4):
        VariantFactory(product=flex, sku=f"FLX-{n}", price=Decimal("20.00"))
    CaseProductFactory(slug="armor-hybrid-case")
    first = seed_wholesale_demo()
    assert first.created == 1 + 1 + 1 + 3 * 3  # group, client, terms (one product), tiers
    client = Client.objects.get(company=CLIENT)
    assert client.price_group.name == GROUP and client.is_active
    assert ProductTerms.objects.get(product__slug="armor-hybrid-case").min_quantity == 50
    for sku in ("FLX-0", "FLX-1", "FLX-2"):
        prices = list(
            GroupPriceTier.objects.filter(variant__sku=sku)
            .order_by("min_quantity")
            .values_list("unit_price", flat=True)
        )
        assert prices == [Decimal("16.00"), Decimal("14.00"), Decimal("12.00")]
    again = seed_wholesale_demo()
    assert again.created == 0 and again.updated == 0
