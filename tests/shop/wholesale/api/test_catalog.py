"""The catalog through the API: the client's own prices, stock, filters, cursor pages, and
a fixed number of queries per page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Material, Style
from shop.wholesale.services import api_key_issue
from tests.factories import (
    CaseProductFactory,
    ColourFactory,
    GroupPriceTierFactory,
    PhoneModelFactory,
    PriceGroupFactory,
    PriceTierFactory,
    ProductTermsFactory,
    VariantFactory,
    WholesaleClientFactory,
)

from ..conftest import _api_client

pytestmark = pytest.mark.django_db


def client_in(group):
    client = WholesaleClientFactory(price_group=group)
    return _api_client(api_key_issue(client=client)[1])


def test_two_clients_see_their_own_group_prices():
    """A group with its own tiers sees them; another group sees the catalog's tiers less
    its discount; both see the same list price, stock and terms."""
    variant = VariantFactory(price=Decimal("20.00"), stock_on_hand=7)
    PriceTierFactory(variant=variant, min_quantity=50, unit_price=Decimal("15.00"))
    ProductTermsFactory(product=variant.product, min_quantity=20, increment=10)
    gold = PriceGroupFactory(name="Gold", discount_percent=Decimal("0"))
    GroupPriceTierFactory(group=gold, variant=variant, min_quantity=1, unit_price=Decimal("12"))
    GroupPriceTierFactory(group=gold, variant=variant, min_quantity=500, unit_price=Decimal("9"))
    silver = PriceGroupFactory(name="Silver", discount_percent=Decimal("10"))

    answers = {}
    for name, group in (("gold", gold), ("silver", silver)):
        response = client_in(group).get(f"/api/v1/variants/{variant.sku}/")
        assert response.status_code == 200, response.content
        answers[name] = response.json()

    assert answers["gold"]["tiers"] == [
        {"min_quantity": 1, "unit_price": "12.00"},
        {"min_quantity": 500, "unit_price": "9.00"},
    ]
    assert answers["silver"]["tiers"] == [
        {"min_quantity": 1, "unit_price": "18.00"},
        {"min_quantity": 50, "unit_price": "13.50"},
    ]
    for answer in answers.values():
        assert answer["list_price"] == "20.00"
        assert (answer["stock_on_hand"], answer["in_stock"]) == (7, True)
        assert (answer["min_quantity"], answer["increment"]) == (20, 10)
        assert answer["product"] == variant.product.slug
        assert answer["phone_model"] == variant.phone_model.slug


def test_list_and_detail_give_the_same_prices(api):
    """A variant's entry in the list is its detail."""
    variant = VariantFactory()
    listed = api.get("/api/v1/variants/").json()["results"]
    assert listed == [api.get(f"/api/v1/variants/{variant.sku}/").json()]


def test_inactive_products_and_variants_are_not_offered(api):
    """What the storefront hides, the API hides: inactive variants, inactive products."""
    shown = VariantFactory()
    hidden_variant = VariantFactory(is_active=False)
    hidden_product = VariantFactory(product=CaseProductFactory(is_active=False))
    skus = {v["sku"] for v in api.get("/api/v1/variants/").json()["results"]}
    assert skus == {shown.sku}
    for variant in (hidden_variant, hidden_product):
        assert api.get(f"/api/v1/variants/{variant.sku}/").status_code == 404
    products = {p["slug"] for p in api.get("/api/v1/products/").json()["results"]}
    assert products == {shown.product.slug}
    assert api.get(f"/api/v1/products/{hidden_product.product.slug}/").status_code == 404
    phones = {p["slug"] for p in api.get("/api/v1/phone-models/").json()["results"]}
    assert phones == {shown.phone_model.slug}


def test_cursor_pages_walk_every_variant_exactly_once(api):
    """Following `next` visits every active variant once, in SKU order."""
    variants = VariantFactory.create_batch(23)
    seen, url, pages = [], "/api/v1/variants/?page_size=5", 0
    while url:
        body = api.get(url).json()
        seen += [v["sku"] for v in body["results"]]
        url, pages = body["next"], pages + 1
        assert len(body["results"]) <= 5
    assert pages == 5
    assert seen == sorted(v.sku for v in variants)
    assert "previous" in body


@pytest.mark.parametrize("size", ["100000", "101", "0", "-1", "null", "", "1.5", "٣"])
def test_the_page_size_is_bounded(api, size):
    """A page never holds more than 100 rows: a page size that is not 1 to 100 is refused,
    as the schema says (DRF quietly used the default for page_size=null or 0)."""
    VariantFactory.create_batch(3)
    response = api.get(f"/api/v1/variants/?page_size={size}")
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["page_size"]
    assert len(api.get("/api/v1/variants/?page_size=100").json()["results"]) == 3


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_the_page(api):
    """A page of 3 variants and a page of 30 cost the same number of queries (tiers and
    terms included), and likewise for products."""
    for variant in VariantFactory.create_batch(30):
        PriceTierFactory(variant=variant)
    api.get("/api/v1/me/")  # the key's last use is marked once, not in the counts
    assert _queries(api, "/api/v1/variants/?page_size=3") == _queries(
        api, "/api/v1/variants/?page_size=30"
    )
    assert _queries(api, "/api/v1/products/?page_size=3") == _queries(
        api, "/api/v1/products/?page_size=30"
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("product=case-red", {"RED-A", "RED-B"}),
        ("phone_model=phone-a", {"RED-A", "BLUE-A"}),
        ("colour=teal", {"BLUE-A"}),
        ("material=pc", {"BLUE-A"}),
        ("style=rugged", {"BLUE-A"}),
        ("in_stock=true", {"RED-A", "BLUE-A"}),
        ("in_stock=false", {"RED-B"}),
        ("sku=RED-B", {"RED-B"}),
        ("product=case-red&phone_model=phone-b", {"RED-B"}),
        ("product=nothing", set()),
    ],
)
def test_variant_filters(api, query, expected):
    """Each filter narrows the variants as its name says, and filters combine."""
    red = CaseProductFactory(slug="case-red")
    blue = CaseProductFactory(slug="case-blue", material=Material.PC, style=Style.RUGGED)
    a, b = PhoneModelFactory(slug="phone-a"), PhoneModelFactory(slug="phone-b")
    teal = ColourFactory(slug="teal")
    VariantFactory(sku="RED-A", product=red, phone_model=a)
    VariantFactory(sku="RED-B", product=red, phone_model=b, stock_on_hand=0)
    VariantFactory(sku="BLUE-A", product=blue, phone_model=a, colour=teal)
    response = api.get(f"/api/v1/variants/?{query}")
    assert response.status_code == 200
    assert {v["sku"] for v in response.json()["results"]} == expected


def test_product_filters(api):
    """Products filter by material, style, and the phone models they are made for."""
    VariantFactory(
        product=CaseProductFactory(slug="for-a"), phone_model=PhoneModelFactory(slug="a")
    )
    VariantFactory(
        product=CaseProductFactory(slug="hard", material=Material.PC),
        phone_model=PhoneModelFactory(slug="b"),
    )
    slugs = lambda q: {p["slug"] for p in api.get(f"/api/v1/products/?{q}").json()["results"]}  # noqa: E731
    assert slugs("phone_model=a") == {"for-a"}
    assert slugs("material=pc") == {"hard"}
    assert slugs("") == {"for-a", "hard"}


def test_a_bad_filter_value_is_a_400_with_fields(api):
    """A filter value outside its choices answers the error shape with the field."""
    response = api.get("/api/v1/variants/?material=wood")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["material"]
