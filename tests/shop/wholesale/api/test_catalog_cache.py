"""The variant list is cached per price group under the catalog revision: what it shows
must still be true after every change that matters, and no client sees another group's
prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from shop.catalog.cache import catalog_revision
from shop.orders.services import _stock_move
from tests.factories import (
    GroupPriceTierFactory,
    PriceGroupFactory,
    ProductTermsFactory,
    VariantFactory,
)

from .test_catalog import client_in

pytestmark = pytest.mark.django_db


def listed(api, query: str = "") -> dict[str, dict]:
    response = api.get(f"/api/v1/variants/{query}")
    assert response.status_code == 200, response.content
    return {row["sku"]: row for row in response.json()["results"]}


@pytest.fixture
def catalog():
    group = PriceGroupFactory(name="Gold", discount_percent=Decimal("10"))
    variant = VariantFactory(price=Decimal("20.00"), stock_on_hand=40)
    return group, variant


def test_stock_counts_are_live_on_a_cached_page(catalog):
    group, variant = catalog
    api = client_in(group)
    assert listed(api)[variant.sku]["stock_on_hand"] == 40
    revision = catalog_revision()
    with transaction.atomic():
        _stock_move({variant.pk: -1})  # one of 40 sold: no label changes, no bump
    assert catalog_revision() == revision
    assert listed(api)[variant.sku]["stock_on_hand"] == 39


def test_the_in_stock_filter_drops_a_variant_that_sold_out(catalog):
    group, variant = catalog
    api = client_in(group)
    assert variant.sku in listed(api, "?in_stock=true")
    with transaction.atomic():
        _stock_move({variant.pk: -40})
    assert variant.sku not in listed(api, "?in_stock=true")
    assert listed(api)[variant.sku]["in_stock"] is False


def test_a_groups_new_tier_discount_and_terms_show_at_once(catalog):
    group, variant = catalog
    api = client_in(group)
    before = listed(api)[variant.sku]
    assert before["tiers"] == [{"min_quantity": 1, "unit_price": "18.00"}]

    tier = GroupPriceTierFactory(
        group=group, variant=variant, min_quantity=100, unit_price=Decimal("11.00")
    )
    assert listed(api)[variant.sku]["tiers"][-1] == {"min_quantity": 100, "unit_price": "11.00"}

    tier.delete()
    group.discount_percent = Decimal("25")
    group.save()
    assert listed(api)[variant.sku]["tiers"] == [{"min_quantity": 1, "unit_price": "15.00"}]

    ProductTermsFactory(product=variant.product, min_quantity=30, increment=10)
    row = listed(api)[variant.sku]
    assert (row["min_quantity"], row["increment"]) == (30, 10)


def test_two_price_groups_never_share_a_cached_page(catalog):
    gold, variant = catalog
    silver = PriceGroupFactory(name="Silver", discount_percent=Decimal("0"))
    assert listed(client_in(gold))[variant.sku]["tiers"][0]["unit_price"] == "18.00"
    assert listed(client_in(silver))[variant.sku]["tiers"][0]["unit_price"] == "20.00"
    assert listed(client_in(gold))[variant.sku]["tiers"][0]["unit_price"] == "18.00"


def test_a_list_price_change_shows_at_once(catalog):
    group, variant = catalog
    api = client_in(group)
    listed(api)
    variant.price = Decimal("30.00")
    variant.save()
    assert listed(api)[variant.sku]["tiers"][0]["unit_price"] == "27.00"
