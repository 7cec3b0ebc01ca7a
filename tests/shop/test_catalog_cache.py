"""Storefront caching: cached pages, the catalog revision, and recently viewed in a cookie."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html import escape

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.catalog import recently_viewed, selectors, views
from shop.catalog.cache import catalog_revision, catalog_revision_bump
from shop.catalog.forms import CatalogFilterForm, quick_canonical_params
from shop.catalog.models import CaseProduct, PhoneModel, Variant
from tests.cache import cache_empty, cache_keys
from tests.factories import FeatureFactory, ProductPhotoFactory
from tests.shop.conftest import card_names, set_recently_viewed_cookie, stored_ids
from tests.shop.test_admin import _confirm, _import, admin_url
from tests.shop.test_product_page import picked

pytestmark = [pytest.mark.django_db, pytest.mark.redis_cache]

CATALOG = "/"
STOCK = 'data-testid="stock">%s<'
PRICE = 'data-testid="price">%s<'
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def get_counting(client, path, params=None, **kwargs):
    """(response, number of queries) for one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {}, **kwargs)
    assert response.status_code == 200
    return response, len(ctx)


def html(response) -> str:
    """The response body without its CSRF token (a fresh one is masked on every request)."""
    return CSRF_VALUE.sub("", response.content.decode())


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "price", "material": "tpu"},
        {"model": "no-such-phone", "min_price": "abc", "page": "7"},  # ignored, with notices
    ],
)
def test_second_catalog_request_is_served_from_the_cache(client, shop_products, params):
    """A second request for the same catalog page runs one query and returns the same HTML."""
    first, cold = get_counting(client, CATALOG, params)
    second, warm = get_counting(client, CATALOG, params)
    assert warm == 1 < cold  # only the catalog revision
    assert second.content == first.content
    assert second.context["notices"] == first.context["notices"]
    assert [c.name for c in second.context["cards"]] == [c.name for c in first.context["cards"]]


def test_catalog_notices_follow_the_query_string(client, shop_products):
    """Different bad values are named in their own notices, cached or not."""
    client.get(CATALOG, {"model": "foo"})
    body = client.get(CATALOG, {"model": "bar"}).content.decode()
    assert "Unknown phone model &#x27;bar&#x27; was ignored." in body
    assert "&#x27;foo&#x27;" not in body
    body = client.get(CATALOG, {"model": "foo"}).content.decode()
    assert "Unknown phone model &#x27;foo&#x27; was ignored." in body


def test_catalog_page_and_htmx_fragment_are_cached_apart(client, shop_products):
    """The full page and the htmx results fragment of one URL never stand in for each other."""
    htmx = {"HX-Request": "true", "HX-Target": "results"}
    for _ in range(2):
        page = client.get(CATALOG, {"material": "pc"}).content.decode()
        fragment = client.get(CATALOG, {"material": "pc"}, headers=htmx).content.decode()
        assert "<html" in page and 'id="results-status" hx-swap-oob' not in page
        assert fragment.lstrip().startswith('<section id="results"') and "<html" not in fragment


# --- catalog cache keys: the valid filters, never the raw query string ---------------------

HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "results"}
NOTICES_TITLE = "Some filters were not understood:"


def catalog_entries() -> list[str]:
    """Keys of the catalog regions in the test's cache (filter choices and page
    counts are cached beside them, under other kinds)."""
    return [key for key in cache_keys() if ":catalog:" in key]


@pytest.fixture
def count_renders(monkeypatch):
    """How many times the catalog region was rendered (not served from the cache)."""
    renders = []
    real = views._catalog_region

    def counting(*args, **kwargs):
        renders.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "_catalog_region", counting)
    return renders


@pytest.mark.parametrize(
    "query_strings",
    [
        pytest.param([f"utm_x={n}" for n in range(50)], id="50 junk values"),
        pytest.param(
            [f"utm_source=mail&utm_campaign=c{n}&fbclid={n}&x{n}=y" for n in range(20)],
            id="junk names",
        ),
        pytest.param(
            [
                "material=pc&style=clear",
                "style=clear&material=pc",
                "material=pc&style=clear&sort=name",  # the default sort
                "material=pc&style=clear&page=1",
                "material=pc&style=clear&model=&colour=&in_stock=&min_price=",
                "material=pc&style=clear&q=%20%20%20",  # blank search
                "material=pc&style=clear&utm_medium=ad",
            ],
            id="same filters, written differently",
        ),
        pytest.param(
            [
                "model=pixel-8&in_stock=1",
                "in_stock=on&model=pixel-8",
                "in_stock=true&model=pixel-8",
            ],
            id="same in-stock filter",
        ),
        pytest.param(
            [
                "",
                "model=no-such-phone",
                "model=other-junk",
                "colour=plaid&style=spiky",
                "sort=bogus",
                "min_price=abc&max_price=-1",
                "min_price=50&max_price=10",
                "q=" + "x" * 101,
                "page=abc",
                "page=-4",
            ],
            id="ignored values",
        ),
    ],
)
def test_equivalent_catalog_urls_share_one_cache_entry(
    client, shop_products, count_renders, query_strings
):
    """URLs that show the same filters and page make one cache entry and one render,
    whatever junk, order or ignored values they carry; the rest are served from it."""
    first = client.get(f"{CATALOG}?{query_strings[0]}")
    for query_string in query_strings[1:]:
        response, queries = get_counting(client, f"{CATALOG}?{query_string}")
        assert queries == 1  # the catalog revision
        assert card_names(response) == card_names(first)
    assert len(catalog_entries()) == 1
    assert len(count_renders) == 1


def test_junk_flood_neither_renders_nor_stores_per_request(client, shop_products, count_renders):
    """The reviewer's case: 50 requests with distinct junk parameters, page and fragment."""
    for n in range(50):
        client.get(CATALOG, {f"utm_{n}": str(n)})
        client.get(CATALOG, {"utm_x": str(n)}, headers=HTMX_RESULTS)
    assert len(catalog_entries()) == 2  # the page and the htmx fragment
    assert len(count_renders) == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Clear PC Shell", "Rugged Hybrid Armor", "Slim Black TPU"]),
        ({"material": "pc"}, ["Clear PC Shell"]),
        ({"material": "tpu"}, ["Slim Black TPU"]),
        ({"model": "pixel-8"}, ["Clear PC Shell", "Rugged Hybrid Armor"]),
        ({"model": "pixel-8", "colour": "blue"}, ["Rugged Hybrid Armor"]),
        ({"in_stock": "1"}, ["Clear PC Shell", "Slim Black TPU"]),
        ({"sort": "price"}, ["Slim Black TPU", "Clear PC Shell", "Rugged Hybrid Armor"]),
        ({"sort": "-price"}, ["Rugged Hybrid Armor", "Clear PC Shell", "Slim Black TPU"]),
        ({"colour": "clear", "material": "tpu"}, []),
    ],
)
def test_different_valid_filters_get_their_own_cached_pages(
    client, shop_products, params, expected
):
    """Each set of valid filters is cached apart and served with its own results."""
    others = [{}, {"material": "pc"}, {"sort": "-price"}, {"model": "pixel-8", "colour": "blue"}]
    for other in others:  # other filter sets cached first must not stand in
        client.get(CATALOG, other)
    for _ in range(2):
        assert card_names(client.get(CATALOG, {**params, "utm_source": "x"})) == expected
    assert len(catalog_entries()) == len({str(o) for o in [*others, params]})


@pytest.mark.parametrize(
    ("query_string", "notices"),
    [
        ("", []),
        ("utm_source=x", []),
        ("model=bar", ["Unknown phone model 'bar' was ignored."]),
        (
            "colour=plaid&sort=x",
            [
                "Unknown colour 'plaid' was ignored.",
                "Unknown sort order 'x' was ignored; sorted by name.",
            ],
        ),
        (
            "min_price=50&max_price=10",
            ["Minimum price (50.00) is above maximum price (10.00); the price range was ignored."],
        ),
        ("page=abc", ["Page 'abc' is not a number; showing page 1."]),
        ("page=999", ["Page 999 does not exist; showing the last page (1)."]),
        (
            "model=foo&page=0",
            ["Unknown phone model 'foo' was ignored.", "Page 0 does not exist; showing page 1."],
        ),
    ],
)
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_cached_catalog_names_this_requests_ignored_values(
    client, shop_products, query_string, notices, fragment
):
    """Served from an entry cached for other ignored values (or none), a page names exactly
    the values this request had ignored, and says nothing when none were."""
    headers = HTMX_RESULTS if fragment else {}
    client.get(f"{CATALOG}?model=primed-phone&utm_source=y", headers=headers)  # with a notice
    response, queries = get_counting(client, f"{CATALOG}?{query_string}", headers=headers)
    assert queries == 1
    body = response.content.decode()
    if not fragment:
        assert response.context["notices"] == notices
    for notice in notices:
        assert escape(notice) in body
    assert "primed-phone" not in body
    assert (NOTICES_TITLE in body) == bool(notices)
    if fragment:
        assert ("; some filters were ignored." in body) == bool(notices)
        assert "3 cases found" in body
    assert len(catalog_entries()) == 1


def test_pages_past_the_end_make_no_cache_entry(client, shop_products, settings, count_renders):
    """Any page number past the end is served from the last page's entry, with a notice."""
    settings.CATALOG_PAGE_SIZE = 2
    client.get(CATALOG, {"sort": "price", "page": "50"})  # cold: renders and caches page 2
    for page in ("2", "3", "999", "1000000", str(10**30)):
        response, queries = get_counting(client, CATALOG, {"sort": "price", "page": page})
        assert queries == 1
        assert card_names(response) == ["Rugged Hybrid Armor"]
        if page != "2":
            assert response.context["notices"] == [
                f"Page {page} does not exist; showing the last page (2)."
            ]
    assert card_names(client.get(CATALOG, {"sort": "price"})) == [
        "Slim Black TPU",
        "Clear PC Shell",
    ]
    assert len(catalog_entries()) == 2  # pages 1 and 2
    assert len(count_renders) == 2


def test_page_links_carry_only_the_valid_filters(client, shop_products, settings):
    """Pagination links keep the filters in effect and drop junk and ignored values."""
    settings.CATALOG_PAGE_SIZE = 2
    for query_string in (
        "utm_source=mail&sort=price&model=bogus",
        "sort=price&material=&fbclid=123",
    ):
        body = client.get(f"{CATALOG}?{query_string}").content.decode()
        assert 'href="?sort=price&amp;page=2"' in body
        for junk in ("utm_source", "fbclid", "bogus", "material="):
            assert junk not in body.split('<nav class="pagination"', 1)[1]
    settings.CATALOG_PAGE_SIZE = 1
    body = client.get(f"{CATALOG}?sort=-price&utm_id=1&in_stock=on&style=").content.decode()
    # Field order, normalised values ("on" is "1"), no empty or unknown parameters.
    assert 'href="?in_stock=1&amp;sort=-price&amp;page=2"' in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "shell"}, ["Clear PC Shell"]),
        ({"q": "Pixel"}, ["Clear PC Shell", "Rugged Hybrid Armor"]),
        ({"min_price": "16"}, ["Clear PC Shell", "Rugged Hybrid Armor"]),
        ({"max_price": "20.5", "material": "pc"}, ["Clear PC Shell"]),
    ],
)
def test_searches_and_price_ranges_are_not_cached(client, shop_products, params, expected):
    """Free input (search text, price bounds) is rendered per request, never stored."""
    for _ in range(2):
        response, queries = get_counting(client, CATALOG, params)
        assert card_names(response) == expected
        assert queries > 1  # rendered: count, products, photos
    assert catalog_entries() == []


@pytest.mark.parametrize(
    ("query_string", "quick"),
    [
        ("", []),
        ("utm_source=x&style=clear&page=3", [("style", "clear")]),
        (
            "sort=-price&in_stock=on&style=slim&material=tpu&colour=black&model=iphone-15",
            [
                ("model", "iphone-15"),
                ("material", "tpu"),
                ("style", "slim"),
                ("colour", "black"),
                ("in_stock", "1"),
                ("sort", "-price"),
            ],
        ),
        ("sort=name", []),
        ("in_stock=true", [("in_stock", "1")]),
        ("in_stock=", []),
        ("colour=blue&colour=", []),  # the last value counts, as in the form
        ("model=nope&model=iphone-14", [("model", "iphone-14")]),
        ("material=pc&material=tpu", [("material", "tpu")]),
        ("model=no-such-phone", [("model", "no-such-phone")]),  # on trust: see below
        ("in_stock=0", None),
        ("in_stock=TRUE", None),
        ("material=PC", None),
        ("style=spiky", None),
        ("sort=colour", None),
        ("q=shell", None),
        ("q=%20", None),
        ("min_price=5", None),
        ("max_price=abc", None),
    ],
)
def test_quick_params_agree_with_the_form(shop_products, query_string, quick):
    """The form-free lookup params equal the validated form's whenever their slugs are
    valid; with an unknown slug the form rejects it, so no entry is ever stored under them."""
    data = QueryDict(query_string)
    assert quick_canonical_params(data) == quick
    form = CatalogFilterForm(
        data,
        phone_models=selectors.phone_models_for_filter(),
        colours=selectors.colours_for_filter(),
    )
    form.is_valid()
    if quick is None:
        return
    if "no-such-phone" in query_string:
        assert form.canonical_params() != quick and form.notices()
    else:
        assert form.canonical_params() == quick
        assert form.notices() == []


def test_second_product_request_is_served_from_the_cache(shop_products):
    """A second view of the same product runs one query and shows the same page."""
    path = shop_products["rugged"].get_absolute_url()
    first, cold = get_counting(Client(), path, {"model": "pixel-8"})
    second, warm = get_counting(Client(), path, {"model": "pixel-8"})
    assert warm == 1 < cold  # only the catalog revision
    assert html(second) == html(first)
    assert 'name="csrfmiddlewaretoken"' in second.content.decode()


def test_cached_product_page_with_recently_viewed_runs_one_query(client, shop_products):
    """Once cards are cached, a product page with recently viewed products runs one query."""
    slim, rugged, clear = shop_products["slim"], shop_products["rugged"], shop_products["clear"]
    for product in (slim, rugged, clear, slim, rugged):
        client.get(product.get_absolute_url())
    response, queries = get_counting(client, clear.get_absolute_url())
    assert queries == 1
    assert [c.name for c in response.context["recently_viewed"]] == [rugged.name, slim.name]


def test_picker_fragment_is_cached_per_selection(client, shop_products):
    """The htmx picker fragment is cached per phone model and colour."""
    path = shop_products["rugged"].get_absolute_url()
    htmx = {"HX-Request": "true", "HX-Target": "purchase"}
    for _ in range(2):
        assert picked(client.get(path, {"model": "pixel-8"}, headers=htmx))[0] == "RUG-PX8-BLU"
        assert picked(client.get(path, {"model": "iphone-14"}, headers=htmx))[0] == "RUG-IP14-BLU"
    _, queries = get_counting(client, path, {"model": "pixel-8"}, headers=htmx)
    assert queries == 1


def product_entries() -> list[str]:
    return [key for key in cache_keys() if ":product:" in key or ":purchase:" in key]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "picker-fragment"])
def test_junk_picker_values_store_nothing(client, shop_products, htmx):
    """Unknown phone models or colours in a product address are shown but never cached."""
    path = shop_products["rugged"].get_absolute_url()
    headers = {"HX-Request": "true", "HX-Target": "purchase"} if htmx else {}
    for n in range(20):
        response = client.get(path, {"model": f"junk-{n}", "colour": f"x{n}"}, headers=headers)
        assert response.status_code == 200
    assert product_entries() == []
    client.get(path, {"model": "pixel-8"}, headers=headers)
    assert len(product_entries()) == 1


# --- invalidation -------------------------------------------------------------------------


def _clear_variant(products) -> Variant:
    return products["clear"].variants.get()


def change_stock(products, phones):
    variant = _clear_variant(products)
    variant.stock_on_hand = 0
    variant.save()


def change_price(products, phones):
    variant = _clear_variant(products)
    variant.price = Decimal("24.50")
    variant.save()


def rename_product(products, phones):
    product = products["clear"]
    product.name = "Clear PC Shell Mk II"
    product.save()


def add_photo(products, phones):
    ProductPhotoFactory(product=products["clear"], alt="Clear shell, back view", position=0)


def delete_variant(products, phones):
    _clear_variant(products).delete()


def add_feature(products, phones):
    products["clear"].features.add(FeatureFactory(name="Wireless charging ready"))


def rename_phone_model(products, phones):
    phone = phones["px8"]
    phone.name = "Pixel 8a"
    phone.save()


def retire_product(products, phones):
    product = products["clear"]
    product.is_active = False
    product.save()


def bulk_update_with_bump(products, phones):
    # update() sends no signal: the documented rule is to bump the revision by hand.
    Variant.objects.filter(product=products["clear"]).update(price=Decimal("21.75"))
    catalog_revision_bump()


@pytest.mark.parametrize(
    ("change", "page", "before", "after"),
    [
        (change_stock, "product", STOCK % "Only 3 left", STOCK % "Out of stock"),
        (change_price, "product", PRICE % "$20.00", PRICE % "$24.50"),
        (change_price, "catalog", "from $20.00", "from $24.50"),
        (rename_product, "product", "Clear PC Shell<", "Clear PC Shell Mk II<"),
        (rename_product, "catalog", "Clear PC Shell<", "Clear PC Shell Mk II<"),
        (add_photo, "product", None, 'alt="Clear shell, back view"'),
        (add_photo, "catalog", None, 'alt="Clear shell, back view"'),
        (delete_variant, "product", "CLR-PX8-CLR", "isn't available for any phone model"),
        (delete_variant, "catalog", "from $20.00", "Unavailable"),
        (add_feature, "product", None, "Wireless charging ready"),
        (rename_phone_model, "product", "Google Pixel 8<", "Google Pixel 8a<"),
        (retire_product, "catalog", "Clear PC Shell", None),
        (bulk_update_with_bump, "product", PRICE % "$20.00", PRICE % "$21.75"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_catalog_changes_show_on_the_next_request(
    client, shop_products, phones, change, page, before, after
):
    """Each change to catalog data shows on the very next request, though pages are cached."""
    path = CATALOG if page == "catalog" else shop_products["clear"].get_absolute_url()
    cached = client.get(path).content.decode()
    if before:
        assert before in cached
    if after:
        assert after not in cached
    change(shop_products, phones)
    fresh = client.get(path).content.decode()
    if after:
        assert after in fresh
    if before:
        assert before not in fresh


def test_retired_product_page_is_a_404_at_once(client, shop_products):
    """A product retired after its page was cached is not found on the next request."""
    path = shop_products["clear"].get_absolute_url()
    assert client.get(path).status_code == 200
    retire_product(shop_products, None)
    assert client.get(path).status_code == 404


def test_every_catalog_change_bumps_the_revision_to_a_new_random_token(shop_products, phones):
    """Saves, deletes and many-to-many changes each replace the revision with a new token."""
    seen = {catalog_revision()}
    clear = shop_products["clear"]
    for change in (
        lambda: change_price(shop_products, phones),
        lambda: rename_phone_model(shop_products, phones),
        lambda: clear.features.add(FeatureFactory(name="Slim fit")),
        lambda: clear.features.clear(),
        lambda: clear.recommended.add(shop_products["slim"]),
        lambda: clear.recommended.remove(shop_products["slim"]),
        lambda: add_photo(shop_products, phones),
        lambda: delete_variant(shop_products, phones),
    ):
        change()
        token = catalog_revision()
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        assert token not in seen
        seen.add(token)


def test_rolled_back_change_never_serves_its_pages(client, shop_products):
    """Pages cached inside a rolled-back transaction are never served afterwards."""
    path = shop_products["clear"].get_absolute_url()
    assert picked(client.get(path))[1] == "$20.00"

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        change_price(shop_products, None)  # $24.50, cached under a token that never commits
        assert picked(client.get(path))[1] == "$24.50"
        raise Rollback
    assert picked(client.get(path))[1] == "$20.00"

    variant = _clear_variant(shop_products)
    variant.price = Decimal("26.00")
    variant.save()  # a new random token: not the rolled-back one, so no stale $24.50 page
    assert picked(client.get(path))[1] == "$26.00"


def test_missing_revision_row_is_recreated(client, shop_products):
    """A flushed revision table does not break the storefront: the row is created again."""
    from shop.catalog.models import CatalogRevision

    CatalogRevision.objects.all().delete()
    assert client.get(CATALOG).status_code == 200
    assert CatalogRevision.objects.count() == 1


@pytest.mark.slow
def test_seed_demo_bumps_the_revision(settings):
    """seed_demo bumps the catalog revision, even on a rerun that changes no row."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    before = catalog_revision()
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert catalog_revision() != before
    assert PhoneModel.objects.exists() and CaseProduct.objects.exists()


# --- recently viewed in a signed cookie ---------------------------------------------------


def test_viewing_products_writes_no_session(client, shop_products):
    """Viewing products stores no session row and sends no session cookie."""
    assert Session.objects.count() == 0
    for product in (shop_products["slim"], shop_products["rugged"], shop_products["clear"]):
        response = client.get(product.get_absolute_url())
        assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    assert stored_ids(client) == [
        shop_products["clear"].pk,
        shop_products["rugged"].pk,
        shop_products["slim"].pk,
    ]


@pytest.mark.parametrize("secure", [False, True])
def test_recently_viewed_cookie_is_signed_httponly_lax(client, shop_products, settings, secure):
    """The cookie is signed, HttpOnly, SameSite=Lax, and Secure whenever session cookies are."""
    settings.SESSION_COOKIE_SECURE = secure
    response = client.get(shop_products["slim"].get_absolute_url())
    cookie = response.cookies[recently_viewed.COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is secure
    assert cookie["max-age"] == recently_viewed.COOKIE_MAX_AGE
    assert cookie.value.startswith(f"{shop_products['slim'].pk}:")  # the value, then signature
    assert "Cookie" in response["Vary"]


def test_viewing_the_same_product_again_sends_no_cookie(client, shop_products):
    """An unchanged list is not sent again."""
    path = shop_products["slim"].get_absolute_url()
    assert recently_viewed.COOKIE_NAME in client.get(path).cookies
    assert recently_viewed.COOKIE_NAME not in client.get(path).cookies


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "1.2.3",  # unsigned
        "{pk}:1tAMPr:not-the-signature",
        "signed-with-another-salt",
        "",
    ],
)
def test_tampered_recently_viewed_cookie_is_ignored(client, shop_products, value):
    """A forged, edited or foreign cookie is ignored without error and replaced."""
    slim, clear = shop_products["slim"], shop_products["clear"]
    if value == "signed-with-another-salt":
        value = signing.get_cookie_signer(salt="something-else").sign(str(slim.pk))
    client.cookies[recently_viewed.COOKIE_NAME] = value.format(pk=slim.pk)
    response = client.get(clear.get_absolute_url())
    assert response.status_code == 200
    assert response.context["recently_viewed"] == []
    assert "Recently viewed" not in response.content.decode()
    assert stored_ids(client) == [clear.pk]


def test_edited_ids_in_a_signed_cookie_break_the_signature(client, shop_products):
    """Changing the ids of a genuine cookie invalidates it."""
    slim, rugged, clear = shop_products["slim"], shop_products["rugged"], shop_products["clear"]
    client.get(slim.get_absolute_url())
    genuine = client.cookies[recently_viewed.COOKIE_NAME].value
    client.cookies[recently_viewed.COOKIE_NAME] = genuine.replace(str(slim.pk), str(rugged.pk), 1)
    response = client.get(clear.get_absolute_url())
    assert response.context["recently_viewed"] == []


def test_recently_viewed_cookie_keeps_at_most_twenty_ids(client, shop_products):
    """A signed cookie holding more ids than allowed is cut to the newest twenty."""
    set_recently_viewed_cookie(client, ".".join(str(i) for i in range(1000, 1030)))
    client.get(shop_products["slim"].get_absolute_url())
    assert stored_ids(client) == [shop_products["slim"].pk, *range(1000, 1019)]


def test_inquiry_success_message_shows_on_a_cached_page(
    client, shop_products, django_capture_on_commit_callbacks
):
    """Per-visitor messages still show when the product body comes from the cache."""
    path = shop_products["rugged"].get_absolute_url()
    client.get(path)  # caches the body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/wholesale/inquiry/{shop_products['rugged'].slug}/",
            {
                "name": "Alice Reseller",
                "company": "Alice's Phone Shop",
                "email": "alice@example.com",
                "quantity": "250",
                "phone_model": "",
                "message": "",
            },
        )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert 'data-testid="inquiry-success"' in body
    assert "we received your inquiry for 250 x Rugged Hybrid Armor" in body
    # The empty form of the cached body is shown again, with no leftover input.
    assert 'value="Alice Reseller"' not in body


# --- staff changes through the admin -------------------------------------------------------


def test_admin_list_editable_stock_change_shows_at_once(client, staff_client, shop_products):
    """Stock edited in the admin's variant list shows on the next product page view."""
    path = shop_products["clear"].get_absolute_url()
    assert picked(client.get(path))[2] == "Only 3 left"
    variant = _clear_variant(shop_products)
    response = staff_client.post(
        admin_url(Variant, "changelist") + f"?q={variant.sku}",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(variant.pk),
            "form-0-stock_on_hand": "40",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert picked(client.get(path))[2] == "In stock"


def test_admin_csv_import_shows_at_once(client, staff_client, shop_products):
    """A confirmed CSV import (saved row by row) shows on the next product page view."""
    path = shop_products["clear"].get_absolute_url()
    assert picked(client.get(path))[1] == "$20.00"
    preview = _import(staff_client, Variant, [{"sku": "CLR-PX8-CLR", "price": "22.40"}])
    assert picked(client.get(path))[1] == "$20.00"  # the preview is rolled back
    _confirm(staff_client, Variant, preview)
    assert picked(client.get(path))[1] == "$22.40"


def test_filter_panel_of_searches_shows_each_requests_own_values(client, shop_products):
    """Searches and price ranges share a cached filter panel, yet each page shows its own
    search text and prices (escaped) and active-filter count, and never a slot marker."""
    cache_empty()
    pages = [
        ({"q": "shell", "material": "pc"}, 'value="shell"', "(2 active)"),
        ({"q": '"><b>x', "material": "pc"}, 'value="&quot;&gt;&lt;b&gt;x"', "(2 active)"),
        ({"q": "pixel", "material": "pc", "min_price": "5"}, 'value="pixel"', "(3 active)"),
        ({"max_price": "25.5", "material": "pc"}, 'value="25.5"', "(2 active)"),
    ]
    for params, value, count in pages:
        body = client.get(CATALOG, params).content.decode()
        panel = body[body.index('<aside class="filters"') : body.index("</aside>")]
        assert value in panel and count in panel
        assert "<!--catalog:" not in body and "<b>x" not in body
        assert '<option value="pc" selected>' in panel
    cached = [key for key in cache_keys() if ":filters:" in key]
    assert len(cached) == 1  # one panel for the finite filters (material=pc)


@pytest.mark.parametrize(
    "params", [{"q": "shell"}, {"min_price": "1", "max_price": "25"}], ids=["search", "price"]
)
def test_uncached_pages_show_a_new_photo_or_price_at_once(client, shop_products, params):
    """Searches and price ranges reuse cached cards and photos, yet a new photo or a new
    price shows on the next request."""
    clear = shop_products["clear"]

    def card():
        (found,) = [c for c in client.get(CATALOG, params).context["cards"] if c.name == clear.name]
        return found

    assert card().photo.url.startswith("/design/renders/")  # the engine's, until staff's
    assert str(card().price) == "$20.00"
    photo = ProductPhotoFactory(product=clear, alt="Front")
    assert card().photo.url == photo.image.url
    variant = clear.variants.get()
    variant.price = Decimal("18.50")
    variant.save()
    assert str(card().price) == "$18.50"
