"""The catalog page at /: filters, search, sorting, pagination, bad input, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop.catalog import views
from shop.catalog.models import CaseProduct, Variant
from shop.catalog.pricing import RetailStrategy
from tests.factories import VariantFactory
from tests.shop.conftest import card_names

pytestmark = pytest.mark.django_db

CATALOG = "/"

SLIM, RUGGED, CLEAR = "Slim Black TPU", "Rugged Hybrid Armor", "Clear PC Shell"


def test_catalog_url_name_is_root():
    """The catalog lives at the site root under the name catalog:catalog."""
    assert reverse("catalog:catalog") == "/"


def test_catalog_lists_only_active_products(client, shop_products):
    """Shoppers see every active product and never a retired one."""
    response = client.get(CATALOG)
    assert response.status_code == 200
    assert sorted(card_names(response)) == sorted([SLIM, RUGGED, CLEAR])
    assert "Retired TPU" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "iphone-15"}, {SLIM}),
        ({"model": "iphone-14"}, {RUGGED}),
        ({"model": "pixel-8"}, {RUGGED, CLEAR}),  # Slim's Pixel 8 variant is inactive
        ({"material": "tpu"}, {SLIM}),
        ({"material": "hybrid"}, {RUGGED}),
        ({"material": "pc"}, {CLEAR}),
        ({"style": "rugged"}, {RUGGED}),
        ({"style": "clear"}, {CLEAR}),
        ({"colour": "blue"}, {RUGGED}),
        ({"colour": "black"}, {SLIM}),
        ({"min_price": "25"}, {RUGGED}),
        ({"max_price": "20"}, {SLIM, CLEAR}),
        ({"min_price": "16", "max_price": "25"}, {CLEAR}),
        ({"min_price": "2", "max_price": "2"}, set()),  # inactive $1 variant does not count
        ({"in_stock": "1"}, {SLIM, CLEAR}),
        ({"model": "pixel-8", "colour": "blue"}, {RUGGED}),
        ({"model": "iphone-15", "colour": "blue"}, set()),
        ({"model": "pixel-8", "in_stock": "1"}, {CLEAR}),
        ({"material": "tpu", "max_price": "10"}, set()),
    ],
)
def test_each_filter_narrows_results(client, shop_products, params, expected):
    """Each filter, alone or combined, shows exactly the products that match it."""
    response = client.get(CATALOG, params)
    assert response.status_code == 200
    assert set(card_names(response)) == expected
    assert response.context["notices"] == []


def test_no_match_says_so_and_offers_all_cases(client, shop_products):
    """An empty result explains itself and links back to the full catalog."""
    response = client.get(CATALOG, {"material": "tpu", "colour": "clear"})
    body = response.content.decode()
    assert "No cases match these filters." in body
    assert 'href="/">see all cases</a>' in body


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("rugged", {RUGGED}),
        ("RUGGED", {RUGGED}),
        ("magsafe", {CLEAR}),  # description
        ("pixel", {RUGGED, CLEAR}),  # phone model name, active variants only
        ("iphone 14", {RUGGED}),  # every word must match somewhere
        ("google armor", {RUGGED}),  # brand + product name
        ("  shell  ", {CLEAR}),
        ("nothing-like-this", set()),
        ("RUG-PX8-BLU", {RUGGED}),  # an exact SKU
        ("clr-px8", {CLEAR}),  # part of a SKU, any letter case
        ("SLIM-PX8-BLK", set()),  # the SKU of an inactive variant
    ],
)
def test_search_matches_name_description_phone_model_and_sku(client, shop_products, q, expected):
    """Search finds products by name, description, the phone models they fit or the SKU of
    one of their variants."""
    response = client.get(CATALOG, {"q": q})
    assert set(card_names(response)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", [CLEAR, RUGGED, SLIM]),
        ("price", [SLIM, CLEAR, RUGGED]),  # from $15, $20, $30
        ("-price", [RUGGED, CLEAR, SLIM]),
        ("newest", [CLEAR, SLIM, RUGGED]),
        (None, [CLEAR, RUGGED, SLIM]),  # default: by name
    ],
)
def test_sort_orders(client, shop_products, sort, expected):
    """Sorting by name, price (both ways) and newest orders the cards as promised."""
    now = timezone.now()
    ages = {"slim": 2, "rugged": 3, "clear": 1}  # days old
    for key, days in ages.items():
        CaseProduct.objects.filter(pk=shop_products[key].pk).update(
            created_at=now - timedelta(days=days)
        )
    response = client.get(CATALOG, {"sort": sort} if sort else {})
    assert card_names(response) == expected


def test_cards_show_photo_price_material_and_stock(client, shop_products):
    """Each card shows its photo (staff's, else the engine's render of the case), name,
    material, 'from' price and stock."""
    from tests.factories import ProductPhotoFactory

    ProductPhotoFactory(product=shop_products["clear"], alt="Clear shell on a Pixel 8")
    body = client.get(CATALOG).content.decode()
    assert 'alt="Clear shell on a Pixel 8"' in body
    # Slim and Rugged have no photos: their cards show renders of their first variant.
    assert 'alt="Slim Black TPU in Black for Apple iPhone 15 (rendered image)"' in body
    assert 'alt="Rugged Hybrid Armor in Blue for Apple iPhone 14 (rendered image)"' in body
    assert 'aria-label="No photo yet"' not in body
    assert "from $15.00" in body  # the lowest *active* variant price (not the inactive $1)
    assert "from $1.00" not in body
    assert "from $30.00" in body
    assert "TPU (flexible)" in body
    assert "Out of stock" in body  # Rugged
    assert "In stock" in body


def test_pagination_splits_pages_and_keeps_filters(client, shop_products, settings):
    """Results are paged by CATALOG_PAGE_SIZE and page links keep the current filters."""
    settings.CATALOG_PAGE_SIZE = 2
    first = client.get(CATALOG, {"sort": "price"})
    assert card_names(first) == [SLIM, CLEAR]
    body = first.content.decode()
    assert "page 1 of 2" in body
    assert 'href="?sort=price&amp;page=2"' in body
    second = client.get(CATALOG, {"sort": "price", "page": "2"})
    assert card_names(second) == [RUGGED]
    assert second.context["notices"] == []


@pytest.mark.parametrize(
    ("params", "message", "shown"),
    [
        ({"model": "foo"}, "Unknown phone model &#x27;foo&#x27; was ignored.", 3),
        ({"material": "wood"}, "Unknown material &#x27;wood&#x27; was ignored.", 3),
        ({"style": "spiky"}, "Unknown style &#x27;spiky&#x27; was ignored.", 3),
        ({"colour": "plaid"}, "Unknown colour &#x27;plaid&#x27; was ignored.", 3),
        ({"min_price": "abc"}, "Minimum price must be a number; it was ignored.", 3),
        ({"max_price": "abc"}, "Maximum price must be a number; it was ignored.", 3),
        ({"min_price": "NaN"}, "Minimum price must be a number; it was ignored.", 3),
        ({"max_price": "1e999"}, "Maximum price is too large; it was ignored.", 3),
        ({"min_price": "-5"}, "Minimum price cannot be negative; it was ignored.", 3),
        (
            {"min_price": "50", "max_price": "10"},
            "Minimum price (50.00) is above maximum price (10.00); the price range was ignored.",
            3,
        ),
        ({"sort": "colour"}, "Unknown sort order &#x27;colour&#x27; was ignored", 3),
        ({"page": "abc"}, "Page &#x27;abc&#x27; is not a number; showing page 1.", 3),
        ({"page": "999"}, "Page 999 does not exist; showing the last page (1).", 3),
        ({"page": "0"}, "Page 0 does not exist; showing page 1.", 3),
        ({"page": "-3"}, "Page -3 does not exist; showing page 1.", 3),
        ({"q": "a\x00b"}, "Search text contains invalid characters; it was ignored.", 3),
        ({"q": "x" * 101}, "Search text is longer than 100 characters; it was ignored.", 3),
        ({"model": "foo", "material": "pc"}, "Unknown phone model &#x27;foo&#x27;", 1),
    ],
)
def test_bad_filter_input_is_ignored_with_a_clear_message(
    client, shop_products, params, message, shown
):
    """Malformed or unknown filter values never break the page: they are ignored and named."""
    response = client.get(CATALOG, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(card_names(response)) == shown


def test_page_beyond_the_end_shows_last_page(client, shop_products, settings):
    """Asking for a page past the end shows the last page, with a note."""
    settings.CATALOG_PAGE_SIZE = 2
    response = client.get(CATALOG, {"page": "999", "sort": "price"})
    assert response.status_code == 200
    assert card_names(response) == [RUGGED]
    assert "showing the last page (2)" in response.content.decode()


def test_user_input_in_messages_is_escaped(client, shop_products):
    """Echoed filter values are HTML-escaped, so a crafted link cannot inject markup."""
    body = client.get(CATALOG, {"model": "<b>x</b>"}).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in body
    assert "<b>x</b>" not in body


def test_filter_form_has_labels_and_keeps_values(client, shop_products):
    """The filter form labels every control and shows the values in effect."""
    body = client.get(
        CATALOG, {"model": "pixel-8", "material": "pc", "in_stock": "1", "q": "shell"}
    ).content.decode()
    for field_id in ("q", "model", "material", "style", "colour", "min_price", "max_price"):
        assert f'for="id_{field_id}"' in body
    assert 'for="id_in_stock"' in body and 'for="id_sort"' in body
    assert '<option value="pixel-8" selected>' in body
    assert '<option value="pc" selected>' in body
    assert 'id="id_in_stock" value="1" checked' in body
    assert 'value="shell"' in body


@pytest.mark.parametrize(
    "params, count",
    [
        ({"model": "pixel-8", "material": "pc"}, "(2 active)"),  # a cached region
        ({"model": "pixel-8", "material": "pc", "q": "shell"}, "(3 active)"),  # a search
    ],
)
def test_folded_filter_panel_says_how_many_filters_are_active(client, shop_products, params, count):
    """The filter panel's heading (all a phone shows while it is folded) counts the filters
    in effect, on cached pages as on searches."""
    body = client.get(CATALOG, params).content.decode()
    summary = body[body.index('<summary class="filters__summary">') : body.index("</summary>")]
    assert count in summary


def test_htmx_request_gets_just_the_results_fragment(client, shop_products):
    """With htmx, changing a filter swaps only the results region (and says so to caches)."""
    response = client.get(
        CATALOG, {"material": "pc"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert card_names(response) == [CLEAR]
    assert 'id="results-status" hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(client, shop_products):
    """Going back through htmx history re-renders the whole page, not a fragment."""
    response = client.get(
        CATALOG,
        headers={
            "HX-Request": "true",
            "HX-Target": "results",
            "HX-History-Restore-Request": "true",
        },
    )
    assert "<html" in response.content.decode()


def test_catalog_works_without_javascript(client, shop_products):
    """The filter form is a plain GET form, so filtering works with JavaScript off."""
    body = client.get(CATALOG).content.decode()
    assert 'method="get" action="/"' in body
    assert "{#" not in body and "{%" not in body and "#}" not in body  # no template leaks
    assert '<button type="submit" class="button">Show cases</button>' in body


def _catalog_queries(client, params) -> int:
    cache.clear()  # measure the page as rendered, not as served from the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CATALOG, params)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "price"},
        {"model": "iphone-15", "colour": "black", "in_stock": "1", "min_price": "1"},
        {"q": "bulk iphone", "sort": "-price", "page": "2"},
        {"material": "tpu", "sort": "newest", "page": "999"},
        {"model": "iphone-14", "colour": "blue", "max_price": "20", "sort": "price"},
        {"model": "pixel-8", "in_stock": "1", "sort": "-price", "page": "3"},
    ],
)
def test_catalog_query_count_does_not_grow_with_products(client, catalog_builder, settings, params):
    """The catalog page runs the same number of queries for 10 and for 200 products."""
    settings.CATALOG_PAGE_SIZE = 6
    catalog_builder(10)
    small = _catalog_queries(client, params)
    CaseProduct.objects.all().delete()
    catalog_builder(200)
    large = _catalog_queries(client, params)
    assert small == large
    assert large <= 6  # catalog revision, phone models, colours, count, page, first photos


def test_catalog_page_query_count_is_exactly_six(
    client, catalog_builder, django_assert_num_queries
):
    """An uncached catalog page costs six queries: catalog revision, filter choices (2),
    count, products, first photos."""
    catalog_builder(30)
    with django_assert_num_queries(6):
        response = client.get(CATALOG, {"sort": "price"})
    assert len(response.context["cards"]) == 24
    assert all(card.photo is not None for card in response.context["cards"])


# --- prices, order and stock follow the phone model, colour and in-stock filters ----------


@pytest.fixture
def split_variants(shop_products, phones, colours):
    """shop_products plus variants whose price and stock differ by phone model and colour.

    - Slim: iPhone 15 black $15.00 (10 in stock), iPhone 14 blue $32.00 (1 in stock).
    - Rugged: iPhone 14 blue $35.00 and Pixel 8 blue $30.00 (both out of stock), Pixel 8
      black $40.00 (5 in stock): in stock only for Pixel 8, in black.
    - Clear: Pixel 8 clear $20.00 (3 in stock), iPhone 14 clear $45.00 (out of stock).
    """
    for product, sku, phone, colour, price, stock in (
        ("slim", "SLIM-IP14-BLU", "ip14", "blue", "32.00", 1),
        ("rugged", "RUG-PX8-BLK", "px8", "black", "40.00", 5),
        ("clear", "CLR-IP14-CLR", "ip14", "clear", "45.00", 0),
    ):
        VariantFactory(
            product=shop_products[product],
            sku=sku,
            phone_model=phones[phone],
            colour=colours[colour],
            price=Decimal(price),
            stock_on_hand=stock,
        )
    return shop_products


def shown_cards(response) -> dict[str, tuple[str, str]]:
    """{name: (price text, stock label)} of the cards on a catalog response."""
    return {
        card.name: (f"from {card.price}" if card.price else "Unavailable", card.stock.label)
        for card in response.context["cards"]
    }


IN, OUT = "In stock", "Out of stock"


@pytest.mark.parametrize("sort", ["name", "price"])  # the two query paths of catalog_page
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {SLIM: ("from $15.00", IN), RUGGED: ("from $30.00", IN), CLEAR: ("from $20.00", IN)}),
        (
            {"model": "iphone-14"},
            {SLIM: ("from $32.00", IN), RUGGED: ("from $35.00", OUT), CLEAR: ("from $45.00", OUT)},
        ),
        ({"model": "iphone-14", "max_price": "33"}, {SLIM: ("from $32.00", IN)}),
        ({"model": "iphone-14", "min_price": "40"}, {CLEAR: ("from $45.00", OUT)}),
        ({"model": "pixel-8"}, {RUGGED: ("from $30.00", IN), CLEAR: ("from $20.00", IN)}),
        ({"model": "pixel-8", "colour": "blue"}, {RUGGED: ("from $30.00", OUT)}),
        ({"model": "pixel-8", "colour": "black"}, {RUGGED: ("from $40.00", IN)}),
        ({"colour": "blue"}, {SLIM: ("from $32.00", IN), RUGGED: ("from $30.00", OUT)}),
        ({"colour": "blue", "max_price": "31"}, {RUGGED: ("from $30.00", OUT)}),
        ({"colour": "black", "min_price": "30"}, {RUGGED: ("from $40.00", IN)}),
        (
            {"in_stock": "1"},
            {SLIM: ("from $15.00", IN), RUGGED: ("from $40.00", IN), CLEAR: ("from $20.00", IN)},
        ),
        (
            {"in_stock": "1", "max_price": "35"},
            {SLIM: ("from $15.00", IN), CLEAR: ("from $20.00", IN)},
        ),
        ({"model": "iphone-14", "in_stock": "1"}, {SLIM: ("from $32.00", IN)}),
        ({"model": "pixel-8", "colour": "blue", "in_stock": "1"}, {}),
        # With a price range, the card speaks of the variants in range only.
        (
            {"min_price": "31"},
            {SLIM: ("from $32.00", IN), RUGGED: ("from $35.00", IN), CLEAR: ("from $45.00", OUT)},
        ),
        (
            {"min_price": "31", "max_price": "36"},
            {SLIM: ("from $32.00", IN), RUGGED: ("from $35.00", OUT)},
        ),
        (
            {"colour": "blue", "min_price": "31"},
            {SLIM: ("from $32.00", IN), RUGGED: ("from $35.00", OUT)},
        ),
    ],
)
def test_card_price_range_and_stock_follow_phone_model_colour_and_stock(
    client, split_variants, sort, params, expected
):
    """The "from" price and the stock on a card are all about the variants that match the
    phone model, colour, in-stock and price-range filters, never another phone's."""
    response = client.get(CATALOG, {**params, "sort": sort})
    assert shown_cards(response) == expected
    assert response.context["notices"] == []
    body = response.content.decode()
    for price, _ in expected.values():
        assert price in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # The reviewer's example: Rugged's $30 variant is for Pixel 8, its iPhone 14 one $35.
        ({"model": "iphone-14", "max_price": "32"}, {}),
        ({"model": "iphone-14"}, {RUGGED: ("from $35.00", OUT)}),
        ({"model": "pixel-8", "min_price": "31"}, {}),
        ({"colour": "blue", "max_price": "30"}, {RUGGED: ("from $30.00", OUT)}),
    ],
)
def test_prices_for_another_phone_do_not_count(client, shop_products, params, expected):
    """A variant for another phone model never makes a product match or sets its price."""
    assert shown_cards(client.get(CATALOG, params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "price", "model": "iphone-14"}, [SLIM, RUGGED, CLEAR]),  # $32, $35, $45
        ({"sort": "-price", "model": "iphone-14"}, [CLEAR, RUGGED, SLIM]),
        ({"sort": "price", "colour": "blue"}, [RUGGED, SLIM]),  # $30, $32
        ({"sort": "-price", "colour": "blue"}, [SLIM, RUGGED]),
        ({"sort": "price", "in_stock": "1"}, [SLIM, CLEAR, RUGGED]),  # $15, $20, $40
        ({"sort": "price", "min_price": "31"}, [SLIM, RUGGED, CLEAR]),  # $32, $35, $45
        ({"sort": "price", "model": "pixel-8", "in_stock": "1"}, [CLEAR, RUGGED]),  # $20, $40
        ({"sort": "price"}, [SLIM, CLEAR, RUGGED]),  # $15, $20, $30: every active variant
    ],
)
def test_price_sort_orders_by_the_matching_variants_price(client, split_variants, params, expected):
    """Price order uses the lowest price among the variants matching the filters."""
    assert card_names(client.get(CATALOG, params)) == expected


def test_price_sort_across_pages_uses_the_matching_variants(client, split_variants, settings):
    """Paging through price order for iPhone 14 keeps the iPhone 14 order across pages."""
    settings.CATALOG_PAGE_SIZE = 2
    params = {"sort": "price", "model": "iphone-14"}
    assert card_names(client.get(CATALOG, params)) == [SLIM, RUGGED]
    assert card_names(client.get(CATALOG, {**params, "page": "2"})) == [CLEAR]


@pytest.mark.parametrize(
    ("params", "rugged"),
    [
        ({}, IN),  # in stock for Pixel 8 in black
        ({"model": "pixel-8"}, IN),
        ({"colour": "black"}, IN),
        ({"model": "iphone-14"}, OUT),  # its iPhone 14 variant is sold out
        ({"colour": "blue"}, OUT),
        ({"model": "pixel-8", "colour": "blue"}, OUT),
        ({"model": "iphone-14", "in_stock": "1"}, None),  # not shown at all
        ({"colour": "blue", "in_stock": "1"}, None),
        ({"in_stock": "1"}, IN),
    ],
)
def test_card_stock_counts_only_the_matching_variants(client, split_variants, params, rugged):
    """A product in stock only for Pixel 8 reads "Out of stock" when filtered to iPhone 14,
    and is left out when "in stock only" is ticked too."""
    cards = shown_cards(client.get(CATALOG, params))
    assert (cards[RUGGED][1] if RUGGED in cards else None) == rugged


def test_catalog_prices_go_through_the_strategy_with_the_variant_condition(
    client, split_variants, monkeypatch
):
    """The strategy prices and filters the catalog, told which variants count."""
    calls: list[tuple[str, object]] = []

    class SpyStrategy(RetailStrategy):
        def annotate_from_price(self, products, variants=None):
            calls.append(("annotate_from_price", variants))
            return super().annotate_from_price(products, variants)

        def filter_price_range(self, products, low, high, variants=None):
            calls.append(("filter_price_range", variants))
            return super().filter_price_range(products, low, high, variants)

    monkeypatch.setattr(views, "strategy_for", lambda request=None: SpyStrategy())
    params = {"model": "iphone-14", "colour": "blue", "max_price": "40", "sort": "price"}
    response = client.get(CATALOG, params)
    assert shown_cards(response) == {SLIM: ("from $32.00", IN), RUGGED: ("from $35.00", OUT)}
    assert {name for name, _ in calls} == {"annotate_from_price", "filter_price_range"}
    for _, variants in calls:
        matched = set(Variant.objects.filter(variants).values_list("sku", flat=True))
        assert matched == {"SLIM-IP14-BLU", "RUG-IP14-BLU"}


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({}, ""),
        ({"model": "pixel-8"}, "?model=pixel-8"),
        ({"colour": "blue"}, "?colour=blue"),
        (
            {"model": "pixel-8", "colour": "blue", "material": "hybrid"},
            "?model=pixel-8&colour=blue",
        ),
        ({"model": "no-such-phone"}, ""),  # ignored filters are not passed on
    ],
)
def test_card_links_carry_the_phone_model_and_colour(client, shop_products, params, query):
    """A card opens its product page on the shopper's phone model and colour filters."""
    for _ in range(2):  # rendered, then from the cache
        response = client.get(CATALOG, params)
        cards = {card.name: card.url for card in response.context["cards"]}
        assert cards[RUGGED] == f"/products/rugged-hybrid-armor/{query}"
        assert f'href="/products/rugged-hybrid-armor/{query.replace("&", "&amp;")}"' in (
            response.content.decode()
        )


def test_card_link_opens_the_product_on_the_filtered_variant(client, shop_products):
    """Following a card from a Pixel 8 filter shows the Pixel 8 variant, not another phone's."""
    response = client.get(CATALOG, {"model": "pixel-8"})
    link = next(c.url for c in response.context["cards"] if c.name == RUGGED)
    body = client.get(link).content.decode()
    assert 'data-testid="sku">RUG-PX8-BLU<' in body
