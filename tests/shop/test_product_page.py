"""The product page: specs, variant picker, recommendations, recently viewed, 404s, queries."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.catalog.cache import catalog_revision_bump
from shop.catalog.models import CaseProduct
from shop.catalog.pricing import RetailStrategy, shop_money
from tests.factories import (
    CaseProductFactory,
    FeatureFactory,
    ProductPhotoFactory,
    VariantFactory,
)
from tests.shop.conftest import set_recently_viewed_cookie, stored_ids

pytestmark = pytest.mark.django_db


def url(product, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return product.get_absolute_url() + (f"?{query}" if query else "")


def spec_rows(body: str) -> dict[str, str]:
    """The spec table as {row header: cell text}."""
    table = re.search(r'<table class="spec-table">(.*?)</table>', body, re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', table, re.S)
    text = {k: re.sub(r"<[^>]+>", " ", v) for k, v in rows}
    return {k: unescape(" ".join(v.split())) for k, v in text.items()}


def picked(response):
    """(sku, price text, stock text) of the variant the picker shows."""
    body = response.content.decode()
    sku = re.search(r'data-testid="sku">([^<]+)<', body).group(1)
    price = re.search(r'data-testid="price">([^<]+)<', body).group(1)
    stock = re.search(r'data-testid="stock">([^<]+)<', body).group(1)
    return sku, unescape(price), stock


def test_product_url_name():
    """Product pages live at /products/<slug>/ under the name catalog:product."""
    assert reverse("catalog:product", kwargs={"slug": "abc"}) == "/products/abc/"


def test_spec_table_shows_weights_sizes_and_contents(client, shop_products):
    """The spec table gives kg with four decimals, cm/inch sizes and the package contents."""
    product = shop_products["rugged"]
    product.features.add(FeatureFactory(name="Drop tested 3 m"), FeatureFactory(name="Raised lip"))
    body = client.get(url(product)).content.decode()
    specs = spec_rows(body)
    assert specs == {
        "Material": "Hybrid TPU + PC",
        "Style": "Rugged",
        "Finish": "Soft-touch",
        "Features": "Drop tested 3 m, Raised lip",
        "Compatible models": "Apple iPhone 14, Google Pixel 8",
        "Product weight": "0.0280 kg",
        "Package weight": "0.0450 kg",
        "Package size": "20.00 x 20.00 x 5.00 cm / 7.87 x 7.87 x 1.97 in",
        "Package contents": "1 x phone case 1 x cleaning cloth",
    }
    assert "<li>1 x cleaning cloth</li>" in body
    assert "{#" not in body and "{%" not in body and "#}" not in body  # no template leaks


def test_compatible_models_ignore_inactive_variants(client, shop_products):
    """Only phone models with an active variant are listed as compatible."""
    specs = spec_rows(client.get(url(shop_products["slim"])).content.decode())
    assert specs["Compatible models"] == "Apple iPhone 15"


def test_odd_sizes_and_weights_are_rounded_as_specified(client, shop_products):
    """Weights keep four decimals and sizes two, in both cm and inches."""
    product = shop_products["clear"]
    CaseProduct.objects.filter(pk=product.pk).update(
        product_weight_g=Decimal("31.7"),
        package_weight_g=Decimal("112.5"),
        package_length_mm=Decimal("165.10"),
        package_width_mm=Decimal("90.00"),
        package_height_mm=Decimal("18.35"),
    )
    specs = spec_rows(client.get(url(product)).content.decode())
    assert specs["Product weight"] == "0.0317 kg"
    assert specs["Package weight"] == "0.1125 kg"
    assert specs["Package size"] == "16.51 x 9.00 x 1.84 cm / 6.50 x 3.54 x 0.72 in"


def test_photos_have_alt_text_and_missing_photos_get_a_placeholder(client, shop_products):
    """Product photos carry alt text; a product without photos shows the engine's render of
    its case, and one with no case to render (no variant) a labelled placeholder."""
    ProductPhotoFactory(product=shop_products["clear"], alt="Front view", position=0)
    ProductPhotoFactory(product=shop_products["clear"], alt="", position=1)
    body = client.get(url(shop_products["clear"])).content.decode()
    assert 'alt="Front view"' in body
    assert 'alt="Clear PC Shell, photo 2"' in body
    body = client.get(url(shop_products["rugged"])).content.decode()
    assert 'alt="Rugged Hybrid Armor in Blue for Apple iPhone 14 (rendered image)"' in body
    assert 'aria-label="No photo yet"' not in body
    shop_products["rugged"].variants.all().delete()
    body = client.get(url(shop_products["rugged"])).content.decode()
    assert 'aria-label="No photo yet"' in body


def test_picker_defaults_to_the_first_variant(client, shop_products):
    """Without a choice the picker shows the first variant: its SKU, price and stock."""
    response = client.get(url(shop_products["rugged"]))
    assert picked(response) == ("RUG-IP14-BLU", "$35.00", "Out of stock")
    assert response.context["selection"].notices == []


@pytest.mark.parametrize(
    ("stock", "label"),
    [(0, "Out of stock"), (1, "Only 1 left"), (5, "Only 5 left"), (6, "In stock")],
)
def test_stock_wording_follows_low_stock_threshold(client, shop_products, settings, stock, label):
    """Stock reads 'In stock', 'Only N left' at or under the threshold, or 'Out of stock'."""
    settings.LOW_STOCK_THRESHOLD = 5
    product = shop_products["clear"]
    product.variants.update(stock_on_hand=stock)
    assert picked(client.get(url(product)))[2] == label


def test_picker_selects_model_and_colour(client, shop_products, phones, colours):
    """Choosing a phone model and colour shows that variant's SKU, price and stock."""
    product = shop_products["rugged"]
    VariantFactory(
        product=product,
        sku="RUG-PX8-BLK",
        phone_model=phones["px8"],
        colour=colours["black"],
        price=Decimal("31.50"),
        stock_on_hand=4,
    )
    response = client.get(url(product, model="pixel-8", colour="black"))
    assert picked(response) == ("RUG-PX8-BLK", "$31.50", "Only 4 left")
    body = response.content.decode()
    assert '<option value="pixel-8" selected>' in body
    assert 'value="black" checked' in body
    # Only the colours made for the chosen phone model are offered.
    assert 'id="picker-colour-blue"' in body and 'id="picker-colour-clear"' not in body
    # The inquiry form's phone model follows the picker.
    assert re.search(r'<option value="pixel-8" selected>Google Pixel 8</option>', body)


def test_picker_model_only_picks_its_first_colour(client, shop_products):
    """Choosing only a phone model shows its first colour."""
    response = client.get(url(shop_products["rugged"], model="pixel-8"))
    assert picked(response)[0] == "RUG-PX8-BLU"
    assert response.context["selection"].notices == []


@pytest.mark.parametrize(
    ("params", "sku", "notice"),
    [
        (
            {"model": "nokia-3310"},
            "RUG-IP14-BLU",
            "The phone model 'nokia-3310' is not offered for this case; showing Apple iPhone 14.",
        ),
        (
            {"model": "iphone-15"},
            "RUG-IP14-BLU",
            "The phone model 'iphone-15' is not offered for this case; showing Apple iPhone 14.",
        ),
        (
            {"colour": "plaid"},
            "RUG-IP14-BLU",
            "The colour 'plaid' is not offered for this case; showing Blue.",
        ),
        (
            {"model": "pixel-8", "colour": "clear"},
            "RUG-PX8-BLU",
            "The colour 'clear' is not offered for this case; showing Blue.",
        ),
        ({"model": "<x>", "colour": "<y>"}, "RUG-IP14-BLU", "'<x>'"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "picker-fragment"])
def test_invalid_picker_values_fall_back_with_a_notice(
    client, shop_products, params, sku, notice, htmx
):
    """Unknown or unfitting picker choices fall back to a real variant, and the page says
    so, naming what it shows instead (on the page and in the picker's htmx fragment)."""
    headers = {"HX-Request": "true", "HX-Target": "purchase"} if htmx else {}
    response = client.get(shop_products["rugged"].get_absolute_url(), params, headers=headers)
    assert response.status_code == 200
    assert picked(response)[0] == sku
    body = response.content.decode()
    notices = re.findall(r'<div class="notice" role="alert">(.*?)</div>', body, re.S)
    assert len(notices) == 1 and notice in unescape(notices[0])
    assert "<x>" not in body  # echoed values are escaped


def test_known_colour_not_made_for_the_model_names_both(client, shop_products, phones):
    """A colour that exists but not for the chosen phone says which colour is shown instead."""
    response = client.get(url(shop_products["rugged"], model="iphone-14", colour="clear"))
    assert picked(response)[0] == "RUG-IP14-BLU"
    # 'clear' is not a colour of this product at all, so it is "unknown" here; now a real one:
    product = shop_products["rugged"]
    VariantFactory(
        product=product,
        sku="RUG-PX8-CLR",
        phone_model=phones["px8"],
        colour=shop_products["clear"].variants.get().colour,
    )
    response = client.get(url(product, model="iphone-14", colour="clear"))
    assert picked(response)[0] == "RUG-IP14-BLU"
    assert response.context["selection"].notices == [
        "Clear is not offered for this case for Apple iPhone 14; showing Blue."
    ]


def test_product_without_active_variants_still_renders(client, shop_products):
    """A product with no active variants shows its page and says it is unavailable."""
    product = shop_products["clear"]
    product.variants.update(is_active=False)
    response = client.get(url(product, model="pixel-8"))
    assert response.status_code == 200
    assert "isn't available for any phone model right now" in response.content.decode()


def test_prices_come_from_the_pricing_strategy(client, shop_products, monkeypatch):
    """The page shows whatever the pricing strategy says, never the raw variant price."""

    class HalfPrice(RetailStrategy):
        def unit_price(self, variant, quantity=1):
            return shop_money(variant.price / 2)

    monkeypatch.setattr("shop.catalog.views.strategy_for", lambda request=None: HalfPrice())
    assert picked(client.get(url(shop_products["clear"])))[1] == "$10.00"


def test_htmx_picker_request_returns_the_purchase_fragment(client, shop_products):
    """With htmx, the picker swaps just the purchase panel and announces the change."""
    response = client.get(
        url(shop_products["rugged"], model="pixel-8"),
        headers={"HX-Request": "true", "HX-Target": "purchase"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="purchase"')
    assert "<html" not in body
    assert picked(response)[0] == "RUG-PX8-BLU"
    assert 'id="purchase-status" hx-swap-oob="innerHTML"' in body


def test_recommendations_put_curated_first(client, phones, colours):
    """Staff-curated picks come first, then same phone + material, same phone, same material."""

    def make(name, material, phone, **kwargs):
        product = CaseProductFactory(
            name=name, slug=name.lower().replace(" ", "-"), material=material, **kwargs
        )
        VariantFactory(product=product, phone_model=phones[phone], colour=colours["black"])
        return product

    base = make("Base", "tpu", "ip15")
    same_phone_material = make("Z same phone and material", "tpu", "ip15")
    same_phone = make("Y same phone", "pc", "ip15")
    same_material = make("X same material", "tpu", "px8")
    make("W unrelated", "hybrid", "px8")
    curated = make("V curated", "hybrid", "ip14")
    curated_inactive = make("U curated but inactive", "hybrid", "ip14", is_active=False)
    base.recommended.add(curated, curated_inactive)

    response = client.get(url(base))
    assert [c.name for c in response.context["recommended"]] == [
        curated.name,
        same_phone_material.name,
        same_phone.name,
        same_material.name,
    ]
    body = response.content.decode()
    assert "You may also like" in body
    assert "W unrelated" not in body


def test_recommended_and_recent_cards_count_every_active_variant(client, shop_products):
    """Cards outside the catalog have no phone model filter: the lowest price and the stock
    are over all the product's active variants."""
    slim, rugged, clear = shop_products["slim"], shop_products["rugged"], shop_products["clear"]
    client.get(url(slim))
    response = client.get(url(clear))  # recommends Rugged (Pixel 8); Slim seen before
    cards = {
        c.name: c for c in [*response.context["recommended"], *response.context["recently_viewed"]]
    }
    assert (str(cards[rugged.name].price), cards[rugged.name].stock.label) == (
        "$30.00",
        "Out of stock",
    )
    assert (str(cards[slim.name].price), cards[slim.name].stock.label) == ("$15.00", "In stock")


def test_recommendations_exclude_the_product_and_are_capped(client, catalog_builder):
    """At most four recommendations are shown, never the product itself."""
    products = catalog_builder(12)
    response = client.get(url(products[0]))
    names = [c.name for c in response.context["recommended"]]
    assert len(names) == 4
    assert products[0].name not in names


def test_recently_viewed_most_recent_first_excluding_current(client, shop_products):
    """Recently viewed lists the products seen before, newest first, without this one."""
    slim, rugged, clear = shop_products["slim"], shop_products["rugged"], shop_products["clear"]
    for product in (slim, rugged, clear):
        client.get(url(product))
    response = client.get(url(rugged))
    assert [c.name for c in response.context["recently_viewed"]] == [clear.name, slim.name]
    assert "Recently viewed" in response.content.decode()
    assert stored_ids(client) == [rugged.pk, clear.pk, slim.pk]


def test_first_product_view_has_no_recently_viewed_section(client, shop_products):
    """A first visit shows no empty 'Recently viewed' section."""
    response = client.get(url(shop_products["slim"]))
    assert response.context["recently_viewed"] == []
    assert "Recently viewed" not in response.content.decode()


def test_recently_viewed_keeps_the_last_twenty(client, catalog_builder, settings):
    """Only the last 20 products viewed are remembered."""
    assert settings.RECENTLY_VIEWED_MAX == 20
    products = catalog_builder(23)
    for product in products:
        client.get(url(product))
    assert stored_ids(client) == [p.pk for p in reversed(products)][:20]
    response = client.get(url(products[-1]))
    assert len(response.context["recently_viewed"]) == 19


def test_recently_viewed_skips_deleted_and_inactive_products(client, shop_products):
    """Products deleted or retired since they were viewed silently drop out of the list."""
    slim, rugged, clear = shop_products["slim"], shop_products["rugged"], shop_products["clear"]
    for product in (slim, rugged, clear):
        client.get(url(product))
    CaseProduct.objects.filter(pk=rugged.pk).update(is_active=False)
    catalog_revision_bump()  # update() sends no signal (see shop.catalog.cache)
    slim_pk = slim.pk
    slim.delete()
    response = client.get(url(clear))
    assert response.status_code == 200
    assert response.context["recently_viewed"] == []
    stored = stored_ids(client)
    assert stored[0] == clear.pk
    assert slim_pk in stored  # kept, just not shown


def test_recently_viewed_survives_garbage_in_the_cookie(client, shop_products):
    """Malformed ids in a validly signed cookie are ignored instead of breaking the page."""
    set_recently_viewed_cookie(client, f"x.None.True.-4.99999.{shop_products['slim'].pk}")
    response = client.get(url(shop_products["clear"]))
    assert response.status_code == 200
    assert [c.name for c in response.context["recently_viewed"]] == ["Slim Black TPU"]


def test_unknown_product_is_a_404_with_a_catalog_link(client, shop_products):
    """An unknown product address shows the 404 page with a way back to the catalog."""
    response = client.get("/products/no-such-case/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body
    assert '<a class="button" href="/">Browse the catalog</a>' in body
    assert "Some of our cases" in body and "Clear PC Shell" in body


def test_inactive_product_is_a_404(client, shop_products):
    """A retired product's page is not found."""
    response = client.get(url(shop_products["retired"]))
    assert response.status_code == 404
    assert "Browse the catalog" in response.content.decode()


def test_any_unknown_url_gets_the_friendly_404(client, db):
    """Any unknown address gets the same friendly 404 page, even with an empty catalog."""
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Browse the catalog" in response.content.decode()


def test_500_page_is_self_contained():
    """The 500 page renders without a request, database or static manifest."""
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "Something went wrong" in html and 'href="/"' in html


def _product_queries(product, warm_up) -> int:
    client = Client()
    for other in warm_up:
        client.get(url(other))
    cache.clear()  # measure the page as rendered, not as served from the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(product, model="iphone-15"))
    assert response.status_code == 200
    assert len(response.context["recently_viewed"]) == len(warm_up)
    assert len(response.context["recommended"]) == 4
    return len(ctx)


def test_product_query_count_does_not_grow_with_products(catalog_builder):
    """The product page runs the same number of queries with 10 and with 200 products."""
    small_catalog = catalog_builder(10)
    small = _product_queries(small_catalog[0], small_catalog[1:4])
    CaseProduct.objects.all().delete()
    large_catalog = catalog_builder(200)
    large = _product_queries(large_catalog[0], large_catalog[1:4])
    assert small == large
    # catalog revision, product, variants, features, photos, case template (for the
    # engine's renders), recommendation ids, cards and card photos (for the recommended and
    # the recently viewed products at once), the product's rating (shop.reviews: its
    # approved reviews only when it has some), the shown questions (shop.questions, cached
    # apart); no session.
    assert large <= 11


def test_the_404_page_runs_no_catalog_queries_once_cached(
    client, shop_products, django_assert_max_num_queries
):
    """A flood of unknown addresses costs at most the revision look-up each: the product
    suggestions on the 404 page are cached under the catalog revision."""
    client.get("/no-such-page/")
    for n in range(3):
        with django_assert_max_num_queries(1):
            response = client.get(f"/no-such-page-{n}/")
        assert response.status_code == 404
        assert "Clear PC Shell" in response.content.decode()
