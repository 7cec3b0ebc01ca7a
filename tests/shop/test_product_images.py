"""Product images are the engine's renders of each product's case, for each phone model and
colour, after staff's own photos; they are rendered once, on first request, and served
with headers that let browsers and CDNs keep them."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape

import pytest
from PIL import Image

from configurator import cases
from configurator.models import Rendition
from tests.factories import ProductPhotoFactory

pytestmark = pytest.mark.django_db

CATALOG = "/"
RENDERS = re.compile(r'src="(/design/renders/[^"]+\.webp)"')


def image_tags(body: str) -> list[tuple[str, str]]:
    """(src, alt) of every <img> on a page."""
    tags = re.findall(r"<img [^>]*>", body)
    found = []
    for tag in tags:
        src = re.search(r'src="([^"]*)"', tag)
        alt = re.search(r'alt="([^"]*)"', tag)
        found.append((unescape(src.group(1)) if src else "", unescape(alt.group(1)) if alt else ""))
    return found


def main_image(response) -> tuple[str, str]:
    tag = re.search(r"<img data-gallery-main [^>]*>", response.content.decode()).group(0)
    return image_tags(tag)[0]


def render_url(product, phone, colour) -> str:
    template = cases.template_get(product=product.slug, device=phone.slug)
    return cases.template_render_url(template=template, colour=colour.hex)


def test_cards_show_the_engine_render_of_the_first_variant(client, shop_products, phones, colours):
    body = client.get(CATALOG).content.decode()
    images = dict(image_tags(body))
    rugged = shop_products["rugged"]
    url = render_url(rugged, phones["ip14"], colours["blue"])  # its page opens on this variant
    assert images[url] == "Rugged Hybrid Armor in Blue for Apple iPhone 14 (rendered image)"
    assert not any(src.startswith("/media/") for src in images)


def test_staff_photos_come_before_renders(client, shop_products, phones, colours):
    rugged = shop_products["rugged"]
    photo = ProductPhotoFactory(product=rugged, alt="Rugged, in the hand")
    body = client.get(CATALOG).content.decode()
    assert dict(image_tags(body))[photo.image.url] == "Rugged, in the hand"
    assert render_url(rugged, phones["ip14"], colours["blue"]) not in body
    page = client.get(rugged.get_absolute_url())
    assert main_image(page) == (photo.image.url, "Rugged, in the hand")
    sources = [src for src, _ in image_tags(page.content.decode())]
    renders = [src for src in sources if src.startswith("/design/renders/")]
    assert sources.index(photo.image.url) < sources.index(renders[0])


@pytest.mark.parametrize(
    ("model", "colour"), [("iphone-14", "blue"), ("pixel-8", "blue"), ("pixel-8", "black")]
)
def test_the_main_image_follows_the_chosen_variant(
    client, shop_products, phones, colours, model, colour
):
    """The page opens on the chosen phone model and colour's render; the picker's fragment
    names it too, for the in-place switch (static/js/shop.js)."""
    from tests.factories import VariantFactory

    rugged = shop_products["rugged"]
    VariantFactory(
        product=rugged, sku="RUG-PX8-BLK", phone_model=phones["px8"], colour=colours["black"]
    )
    phone = {"iphone-14": phones["ip14"], "pixel-8": phones["px8"]}[model]
    expected = render_url(rugged, phone, colours[colour])
    params = {"model": model, "colour": colour}
    for _ in range(2):  # rendered, then from the cache
        src, alt = main_image(client.get(rugged.get_absolute_url(), params))
        assert src == expected
        assert alt == f"Rugged Hybrid Armor in {colours[colour].name} for {phone} (rendered image)"
    fragment = client.get(
        rugged.get_absolute_url(), params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="purchase"
    ).content.decode()
    assert f'data-variant-image="{expected}"' in fragment


def test_a_render_is_served_with_cache_headers_and_rendered_once(
    client, shop_products, phones, colours, monkeypatch
):
    url = render_url(shop_products["rugged"], phones["ip14"], colours["blue"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.format == "WEBP" and image.size == cases.TEMPLATE_RENDER_SIZE

    monkeypatch.setattr(cases, "_render", lambda *args: pytest.fail("rendered twice"))
    again = client.get(url)
    assert again.status_code == 200 and b"".join(again.streaming_content)
    assert Rendition.objects.filter(template__isnull=False).count() == 1
    assert client.head(url).status_code == 200


def test_only_urls_the_shop_made_are_rendered(client, shop_products, phones, colours):
    url = render_url(shop_products["rugged"], phones["ip14"], colours["blue"])
    forged = url.replace("1d4ed8", "00ff00")  # another colour, same signature
    for bad in (forged, "/design/renders/1-1d4ed8-0000000000000000-000000000000000000000000.webp"):
        response = client.get(bad)
        assert response.status_code == 404
        assert response.json() == {"error": "No such image."}
    assert not Rendition.objects.exists()


def test_cold_renders_are_rate_limited(client, shop_products, phones, colours, settings):
    """A client without a session is counted by its address (an image request starts none)."""
    settings.RATE_LIMITS = {"configurator-product-render-address": "1/h"}
    first = render_url(shop_products["rugged"], phones["ip14"], colours["blue"])
    second = render_url(shop_products["slim"], phones["ip15"], colours["black"])
    assert client.get(first).status_code == 200
    refused = client.get(second)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused["Cache-Control"] == "no-store"
    assert client.get(first).status_code == 200  # already rendered: not limited


def test_a_geometry_change_gives_new_image_urls_and_the_old_one_redirects(
    client, shop_products, phones, colours
):
    """The catalog's cached pages follow the change (catalog revision), the image URL names
    the new content, and a page still showing the old URL gets the new image."""
    rugged = shop_products["rugged"]
    old = render_url(rugged, phones["ip14"], colours["blue"])
    assert old in client.get(CATALOG).content.decode()
    phone = phones["ip14"]
    phone.width_mm += Decimal("0.5")
    phone.save()
    new = render_url(rugged, phone, colours["blue"])
    assert new != old
    body = client.get(CATALOG).content.decode()
    assert new in body and old not in body
    response = client.get(old)
    assert response.status_code == 302 and response["Location"] == new
