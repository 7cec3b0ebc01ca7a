"""The variant list is cached per price group under the catalog revision: what it shows
must still be true after every change that matters, and no client sees another group's
prices."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shop.catalog.cache import catalog_revision
from shop.orders.stock import stock_move
from tests.cache import cache_keys
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
        stock_move({variant.pk: -1})  # one of 40 sold: no label changes, no bump
    assert catalog_revision() == revision
    assert listed(api)[variant.sku]["stock_on_hand"] == 39


def test_the_in_stock_filter_drops_a_variant_that_sold_out(catalog):
    group, variant = catalog
    api = client_in(group)
    assert variant.sku in listed(api, "?in_stock=true")
    with transaction.atomic():
        stock_move({variant.pk: -40})
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


# --- what the cache is keyed on -------------------------------------------------------------


def variant_entries() -> int:
    return sum(":api-variants:" in key for key in cache_keys())


@pytest.mark.redis_cache
@given(
    junk=st.lists(
        st.text(st.characters(codec="ascii", exclude_characters="&=#+%"), min_size=1, max_size=12),
        min_size=1,
        max_size=8,
        unique=True,
    )
)
@hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_junk_parameters_make_no_cache_entries(catalog, junk):
    """Requests with parameters the list does not take are refused (400, naming them) and
    cache nothing: before, each distinct URL stored its own 29 KB page for 10 minutes."""
    group, variant = catalog
    api = client_in(group)
    listed(api)
    before = variant_entries()
    assert before == 1
    for n, name in enumerate(junk):
        if name in (
            "cursor",
            "page_size",
            "product",
            "phone_model",
            "colour",
            "material",
            "style",
            "in_stock",
            "sku",
        ):
            continue
        response = api.get(
            "/api/v1/variants/", {name: str(n), "phone_model": variant.phone_model.slug}
        )
        assert response.status_code == 400, response.content
        assert name[:100] in response.json()["fields"]
    assert variant_entries() == before


@pytest.mark.redis_cache
def test_made_up_filter_values_and_cursors_make_no_cache_entries(catalog):
    """Any text is a valid slug or SKU filter, and any position a valid cursor: pages that
    match nothing, and cursors the API never hands out, are answered but not stored."""
    group, variant = catalog
    api = client_in(group)
    for n in range(20):
        for name in ("product", "phone_model", "colour", "sku"):
            assert listed(api, f"?{name}=nothing-{n}") == {}
        cursor = base64.b64encode(f"p=made-up-{n}".encode()).decode()
        assert api.get("/api/v1/variants/", {"cursor": cursor}).status_code == 200
        cursor = base64.b64encode(f"o={n + 1}&p={variant.sku}".encode()).decode()
        assert api.get("/api/v1/variants/", {"cursor": cursor}).status_code == 200
    assert variant_entries() == 0


@pytest.mark.redis_cache
def test_one_page_spelled_many_ways_is_one_entry(catalog):
    """The key is the validated filters: other spellings, orders and repeats of the same
    filters share one entry, and its links are in the canonical spelling."""
    group, variant = catalog
    api = client_in(group)
    slug = variant.phone_model.slug
    spellings = [
        f"?in_stock=true&phone_model={slug}",
        f"?phone_model={slug}&in_stock=true",
        f"?in_stock=true&phone_model={slug}&phone_model={slug}",
        f"?phone_model={slug}&in_stock=true&page_size=50",
        f"?phone_model={slug}&in_stock=true&product=",
    ]
    for query in spellings:
        assert list(listed(api, query)) == [variant.sku]
    assert variant_entries() == 1


@pytest.mark.redis_cache
def test_followed_links_are_cached_and_stay_canonical(catalog):
    """Pages reached through `next` links are cached (one entry each), and the links carry
    the filters in their canonical form whatever the first request looked like."""
    group, _ = catalog
    VariantFactory.create_batch(4)
    api = client_in(group)
    url = "/api/v1/variants/?page_size=2&in_stock=true&sku="
    pages = 0
    while url:
        body = api.get(url).json()
        pages += 1
        url = body["next"]
        if url:
            assert "in_stock=true" in url and "sku" not in url
    assert pages == 3
    assert variant_entries() == 3
    for _ in range(2):  # the second walk is served from the cache
        url = "/api/v1/variants/?in_stock=true&page_size=2"
        while url:
            url = api.get(url).json()["next"]
    assert variant_entries() == 3
