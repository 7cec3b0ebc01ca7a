"""Fixtures for the storefront tests: a small named catalog and a bulk catalog builder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import HttpRequest, HttpResponse

from shop.catalog import recently_viewed
from shop.catalog.cache import catalog_revision_bump
from shop.catalog.models import CaseProduct, Material, ProductPhoto, Style, Variant
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory, VariantFactory
from tests.shop.browser import browser  # noqa: F401  (a fixture for the browser tests)


@pytest.fixture
def phones(db):
    """Three phone models: two Apple, one Google."""
    return {
        "ip15": PhoneModelFactory(brand="Apple", name="iPhone 15", slug="iphone-15"),
        "ip14": PhoneModelFactory(
            brand="Apple", name="iPhone 14", slug="iphone-14", release_year=2022
        ),
        "px8": PhoneModelFactory(brand="Google", name="Pixel 8", slug="pixel-8"),
    }


@pytest.fixture
def colours(db):
    return {
        "black": ColourFactory(name="Black", slug="black", hex="#111111"),
        "blue": ColourFactory(name="Blue", slug="blue", hex="#1d4ed8"),
        "clear": ColourFactory(name="Clear", slug="clear", hex="#f0f4f8"),
    }


def build_catalog(n: int, *, phones, colours, photos_per_product: int = 2) -> list[CaseProduct]:
    """`n` active products, each with photos and a variant per (phone model, colour) pair.

    Bulk inserts keep 200-product catalogs fast; photos share one stored file name. They
    send no signals, so the catalog revision is bumped by hand, as any bulk change must.
    """
    materials, styles = list(Material.values), list(Style.values)
    products = CaseProduct.objects.bulk_create(
        CaseProduct(
            name=f"Bulk case {i:04d}",
            slug=f"bulk-case-{i:04d}",
            description="Bulk test product.",
            material=materials[i % len(materials)],
            style=styles[i % len(styles)],
            finish="matte",
            product_weight_g=Decimal("28.0"),
            package_weight_g=Decimal("45.0"),
            package_length_mm=Decimal("200"),
            package_width_mm=Decimal("200"),
            package_height_mm=Decimal("50"),
            package_contents="1 x phone case",
        )
        for i in range(n)
    )
    ProductPhoto.objects.bulk_create(
        ProductPhoto(product=p, image=f"products/{p.slug}/photo-{k}.png", alt=p.name, position=k)
        for p in products
        for k in range(photos_per_product)
    )
    Variant.objects.bulk_create(
        Variant(
            sku=f"B-{p.pk}-{pm.slug}-{c.slug}",
            product=p,
            phone_model=pm,
            colour=c,
            price=Decimal("10.00") + (p.pk % 17),
            stock_on_hand=(p.pk + j) % 7,
        )
        for p in products
        for j, (pm, c) in enumerate(
            (pm, c) for pm in phones.values() for c in list(colours.values())[:2]
        )
    )
    catalog_revision_bump()
    return products


@pytest.fixture
def catalog_builder(phones, colours):
    def build(n: int, **kwargs):
        return build_catalog(n, phones=phones, colours=colours, **kwargs)

    return build


@pytest.fixture
def shop_products(phones, colours):
    """A small, hand-made catalog whose every filter outcome is easy to predict.

    - "Slim Black TPU": tpu/slim, iPhone 15 black $15.00 (10 in stock); an *inactive* Pixel 8
      variant that must never count.
    - "Rugged Hybrid Armor": hybrid/rugged, iPhone 14 blue $35.00 and Pixel 8 blue $30.00, both
      out of stock.
    - "Clear PC Shell": pc/clear, Pixel 8 clear $20.00 (3 in stock), description mentions MagSafe.
    - "Retired TPU": inactive product (iPhone 15 black $5.00) that must never be shown.
    """
    slim = CaseProductFactory(
        name="Slim Black TPU", slug="slim-black-tpu", material="tpu", style="slim"
    )
    VariantFactory(
        product=slim,
        sku="SLIM-IP15-BLK",
        phone_model=phones["ip15"],
        colour=colours["black"],
        price=Decimal("15.00"),
        stock_on_hand=10,
    )
    VariantFactory(
        product=slim,
        sku="SLIM-PX8-BLK",
        phone_model=phones["px8"],
        colour=colours["black"],
        price=Decimal("1.00"),
        stock_on_hand=10,
        is_active=False,
    )
    rugged = CaseProductFactory(
        name="Rugged Hybrid Armor",
        slug="rugged-hybrid-armor",
        material="hybrid",
        style="rugged",
        finish="soft-touch",
    )
    VariantFactory(
        product=rugged,
        sku="RUG-IP14-BLU",
        phone_model=phones["ip14"],
        colour=colours["blue"],
        price=Decimal("35.00"),
        stock_on_hand=0,
    )
    VariantFactory(
        product=rugged,
        sku="RUG-PX8-BLU",
        phone_model=phones["px8"],
        colour=colours["blue"],
        price=Decimal("30.00"),
        stock_on_hand=0,
    )
    clear = CaseProductFactory(
        name="Clear PC Shell",
        slug="clear-pc-shell",
        material="pc",
        style="clear",
        finish="glossy",
        description="Crystal clear shell with MagSafe magnets.",
    )
    VariantFactory(
        product=clear,
        sku="CLR-PX8-CLR",
        phone_model=phones["px8"],
        colour=colours["clear"],
        price=Decimal("20.00"),
        stock_on_hand=3,
    )
    retired = CaseProductFactory(
        name="Retired TPU", slug="retired-tpu", material="tpu", style="slim", is_active=False
    )
    VariantFactory(
        product=retired,
        sku="RET-IP15-BLK",
        phone_model=phones["ip15"],
        colour=colours["black"],
        price=Decimal("5.00"),
        stock_on_hand=10,
    )
    return {"slim": slim, "rugged": rugged, "clear": clear, "retired": retired}


def card_names(response) -> list[str]:
    """Product names on a catalog response, in page order."""
    return [card.name for card in response.context["cards"]]


def stored_ids(client) -> list[int]:
    """The product ids in the client's recently viewed cookie (signature checked)."""
    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    return recently_viewed.viewed_ids(request)


def set_recently_viewed_cookie(client, value: str) -> None:
    """Give the client a recently viewed cookie holding `value`, signed as the shop signs."""
    response = HttpResponse()
    response.set_signed_cookie(recently_viewed.COOKIE_NAME, value, salt=recently_viewed.COOKIE_SALT)
    client.cookies[recently_viewed.COOKIE_NAME] = response.cookies[
        recently_viewed.COOKIE_NAME
    ].value
