"""The product page's photos: the main photo follows the chosen colour, and thumbnails stay
on the page (no raw image files as links)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from tests.factories import ProductPhotoFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rugged_photos(shop_products, phones, colours):
    """Rugged (iPhone 14 blue, Pixel 8 blue) gains Pixel 8 black and three photos: one of no
    colour first, then one black and one blue."""
    rugged = shop_products["rugged"]
    VariantFactory(
        product=rugged, sku="RUG-PX8-BLK", phone_model=phones["px8"], colour=colours["black"]
    )
    return rugged, {
        "plain": ProductPhotoFactory(product=rugged, alt="Both sides", position=0),
        "black": ProductPhotoFactory(
            product=rugged, alt="In black", position=1, colour=colours["black"]
        ),
        "blue": ProductPhotoFactory(
            product=rugged, alt="In blue", position=2, colour=colours["blue"]
        ),
    }


def main_photo_alt(response) -> str:
    body = response.content.decode()
    tag = re.search(r"<img data-gallery-main [^>]*>", body).group(0)
    return unescape(re.search(r'alt="([^"]*)"', tag).group(1))


def thumb_links(response) -> list[str]:
    body = response.content.decode()
    return [unescape(h) for h in re.findall(r'<a href="([^"]*)" data-gallery-thumb', body)]


@pytest.mark.parametrize(
    ("params", "alt"),
    [
        ({}, "In blue"),  # the first variant is blue
        ({"model": "pixel-8", "colour": "black"}, "In black"),
        ({"model": "pixel-8", "colour": "blue"}, "In blue"),
        ({"model": "pixel-8", "colour": "black", "photo": "blue"}, "In blue"),
        ({"model": "pixel-8", "colour": "black", "photo": "plain"}, "Both sides"),
        ({"model": "pixel-8", "colour": "black", "photo": "999999"}, "In black"),  # unknown id
    ],
)
def test_main_photo_follows_the_colour_or_the_chosen_photo(client, rugged_photos, params, alt):
    """The main photo is the one asked for (?photo=), else the chosen colour's, else the
    first; an unknown photo id is ignored."""
    rugged, photos = rugged_photos
    if params.get("photo") in photos:
        params = {**params, "photo": photos[params["photo"]].pk}
    for _ in range(2):  # rendered, then from the cache
        assert main_photo_alt(client.get(rugged.get_absolute_url(), params)) == alt


def test_thumbnails_link_to_the_product_page_not_to_image_files(client, rugged_photos):
    """Each thumbnail links to this product page with the current phone model, colour and
    its photo, so following it (without JavaScript) never leaves the shop page. Staff's
    photos come first, then the engine's renders of the phone model in each colour."""
    rugged, photos = rugged_photos
    response = client.get(rugged.get_absolute_url(), {"model": "pixel-8", "colour": "black"})
    links = thumb_links(response)
    keys = [str(photo.pk) for photo in photos.values()] + ["render-black", "render-blue"]
    assert len(links) == len(keys)
    for link, key in zip(links, keys, strict=True):
        parts = urlsplit(link)
        assert not parts.path and not parts.netloc  # this page
        assert parse_qs(parts.query) == {
            "model": ["pixel-8"],
            "colour": ["black"],
            "photo": [key],
        }
        assert not link.endswith((".png", ".jpg"))
    body = response.content.decode()
    # Data for the in-place switch, and which thumbnail is shown.
    assert (
        f'data-photo-src="{photos["blue"].image.url}" data-photo-alt="In blue" data-colour="blue"'
        in body
    )
    assert len(re.findall(r'aria-current="true"><img', body)) == 1


def test_unknown_photo_ids_are_not_cached(client, rugged_photos):
    """Junk in ?photo= is rendered per request and never fills the cache."""
    rugged, _ = rugged_photos
    client.get(rugged.get_absolute_url())
    before = len(cache._cache)
    for n in range(5):
        assert client.get(rugged.get_absolute_url(), {"photo": f"junk-{n}"}).status_code == 200
    assert len(cache._cache) == before
