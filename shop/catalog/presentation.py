"""What the storefront shows of products: cards, stock states and the variant picker.

Plain functions and frozen values between the selectors (queries) and the views (HTTP):
prices come from the pricing strategy, so nothing here reads `Variant.price`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from . import cache as storefront_cache
from . import selectors
from .models import CaseProduct, Colour, Material, PhoneModel, ProductPhoto, Variant
from .pricing import Money, RetailStrategy

MATERIAL_LABELS = dict(Material.choices)


@dataclass(frozen=True)
class StockState:
    label: str
    level: str  # "in", "low" or "out": a CSS hook, never the only signal


def stock_state(quantity: int) -> StockState:
    if quantity <= 0:
        return StockState("Out of stock", "out")
    if quantity <= settings.LOW_STOCK_THRESHOLD:
        return StockState(f"Only {quantity} left", "low")
    return StockState("In stock", "in")


def _card_stock_state(total: int) -> StockState:
    # A card sums several variants (on the catalog, those matching the phone model, colour
    # and in-stock filters), so "only N left" would mislead: it may be N for another one.
    return StockState("In stock", "in") if total > 0 else StockState("Out of stock", "out")


CARD_HTML_CACHE_SIZE = 2048


@dataclass(frozen=True)
class ProductCard:
    name: str
    url: str
    material: str
    price: Money | None
    photo: selectors.CardPhoto | None
    stock: StockState
    # (name, value) pairs of selectors.CARD_EXTRAS (e.g. the rating shop.reviews adds).
    extras: tuple[tuple[str, object], ...] = ()

    @property
    def html(self) -> SafeString:
        """The card rendered by catalog/_card.html (memoised: see `_card_html`)."""
        return _card_html(self)


@lru_cache(maxsize=CARD_HTML_CACHE_SIZE)
def _card_html(card: ProductCard) -> SafeString:
    # A card's HTML depends on nothing but its (frozen, hashable) values, so equal cards
    # share one rendering; uncached catalog pages (searches, price ranges) otherwise spent
    # much of their time including the card template once per card. The entries are bounded
    # by the LRU size whatever the input, and a deploy restarts the process.
    return render_to_string("catalog/_card.html", {"card": card})


def product_url_maker(
    *, phone_model: PhoneModel | None = None, colour: Colour | None = None
) -> Callable[[str], str]:
    """`slug -> product URL`, reversing once instead of once per card (reverse() is slow;
    slugs never need quoting). With the catalog's phone model and colour filters, the URL
    asks the product page for them, so it opens on the shopper's phone and colour."""
    marker = "SLUG_MARKER"
    pattern = reverse("catalog:product", kwargs={"slug": marker})
    query = urlencode(
        [(name, obj.slug) for name, obj in (("model", phone_model), ("colour", colour)) if obj]
    )
    if query:
        pattern = f"{pattern}?{query}"
    return lambda slug: pattern.replace(marker, slug, 1)


def product_card(
    product: CaseProduct, strategy: RetailStrategy, url_for: Callable[[str], str] | None = None
) -> ProductCard:
    """A product from the card selectors as the template needs it."""
    return ProductCard(
        name=product.name,
        url=url_for(product.slug) if url_for else product.get_absolute_url(),
        material=MATERIAL_LABELS.get(product.material, product.material),
        price=strategy.from_price(product),
        photo=getattr(product, "card_photo", None),
        stock=_card_stock_state(product.stock_total or 0),
        extras=tuple((name, getattr(product, name, None)) for name in selectors.CARD_EXTRAS),
    )


def cached_cards(ids: list[int], strategy: RetailStrategy, revision: str) -> dict[int, ProductCard]:
    """Cards for the active products among `ids`, each cached under the catalog revision:
    no query when all are cached, else two for the missing ones. Ids that are not active
    products (deleted or retired) are cached as False, so they cost no query either."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    fingerprint = storefront_cache.render_fingerprint(strategy)
    keys = {i: storefront_cache.cache_key("card", revision, fingerprint, str(i)) for i in ids}
    found = cache.get_many(list(keys.values()))
    cards: dict[int, ProductCard] = {}
    missing: list[int] = []
    for i, key in keys.items():
        if key not in found:
            missing.append(i)
        elif found[key] is not False:
            cards[i] = found[key]
    if missing:
        url_for = product_url_maker()
        products = selectors.product_cards(missing, strategy)
        fresh = {
            i: product_card(products[i], strategy, url_for) if i in products else False
            for i in missing
        }
        cache.set_many({keys[i]: card for i, card in fresh.items()}, storefront_cache.ttl())
        cards.update((i, card) for i, card in fresh.items() if card is not False)
    return cards


def suggested_cards(strategy: RetailStrategy, revision: str, limit: int) -> list[ProductCard]:
    """Cards of a few of the newest active products (for pages with nothing else to show,
    such as the 404 page), cached under the catalog revision: no query when cached, so a
    flood of unknown addresses costs no catalog queries."""
    fingerprint = storefront_cache.render_fingerprint(strategy)
    key = storefront_cache.cache_key("suggested", revision, fingerprint, str(limit))
    cards = cache.get(key)
    if cards is None:
        url_for = product_url_maker()
        cards = [
            product_card(p, strategy, url_for) for p in selectors.some_products(strategy, limit)
        ]
        cache.set(key, cards, storefront_cache.ttl())
    return cards


def cached_first_photos(ids: list[int], revision: str) -> dict[int, selectors.CardPhoto]:
    """The first photos of products, each cached under the catalog revision (whatever the
    filters, a product's card shows the same photo): no query when all are cached."""
    keys = {i: storefront_cache.cache_key("card-photo", revision, str(i)) for i in ids}
    found = cache.get_many(list(keys.values()))
    missing = [i for i, key in keys.items() if key not in found]
    fresh = selectors.first_photos(missing)
    if missing:
        cache.set_many({keys[i]: fresh.get(i) for i in missing}, storefront_cache.ttl())
    photos = {i: found[key] for i, key in keys.items() if found.get(key) is not None}
    photos.update(fresh)
    return photos


@dataclass
class Selection:
    variant: Variant | None
    phone_models: list[PhoneModel]
    colours: list[Colour]  # colours made for the selected phone model
    notices: list[str]


def select_variant(variants: list[Variant], model: str | None, colour: str | None) -> Selection:
    """The variant for `?model=<slug>&colour=<slug>`.

    A phone model or colour this product is not offered in is dropped, with a notice that
    says so and names what is shown instead (the first matching variant); nothing here
    can fail.
    """
    phone_models = list({v.phone_model_id: v.phone_model for v in variants}.values())
    candidates = variants
    model_offered = colour_offered = True
    if model:
        for_model = [v for v in candidates if v.phone_model.slug == model]
        model_offered = bool(for_model)
        candidates = for_model or candidates
    if colour and candidates:
        in_colour = [v for v in candidates if v.colour.slug == colour]
        colour_offered = bool(in_colour)
        candidates = in_colour or candidates
    variant = candidates[0] if candidates else None
    notices: list[str] = []
    if variant is not None:
        if not model_offered:
            notices.append(
                f"The phone model '{model[:40]}' is not offered for this case; "
                f"showing {variant.phone_model}."
            )
        if not colour_offered:
            known = next((v.colour for v in variants if v.colour.slug == colour), None)
            asked = f"The colour '{colour[:40]}'" if known is None else known.name
            where = "" if known is None else f" for {variant.phone_model}"
            notices.append(
                f"{asked} is not offered for this case{where}; showing {variant.colour.name}."
            )
    colours = (
        [v.colour for v in variants if v.phone_model_id == variant.phone_model_id]
        if variant
        else []
    )
    return Selection(variant, phone_models, colours, notices)


@dataclass(frozen=True)
class GalleryImage:
    """A picture in a product page's gallery: staff's photo, or the engine's render of the
    chosen phone model in one colour."""

    key: str  # its value in ?photo=
    url: str
    alt: str
    colour: str  # the colour's slug, "" for a photo of no particular colour
    render: bool


@dataclass(frozen=True)
class Gallery:
    """The pictures of a product page: the main one, and thumbnails that link to the page
    itself showing another one (`?photo=<key>`, for browsers without JavaScript)."""

    main: GalleryImage | None
    thumbs: list[dict]
    valid_request: bool  # False when `?photo=` named no picture of this product


def product_gallery(
    photos: list[ProductPhoto],
    selection: Selection,
    requested: str | None,
    renders: dict[int, selectors.CardPhoto] | None = None,
) -> Gallery:
    """Staff's photos first, then the engine's renders of the chosen phone model in each of
    its colours (`renders`, by colour id).

    The main picture is the one asked for by `?photo=`, else staff's first photo of the
    chosen colour, else staff's first photo of no particular colour, else the render of the
    chosen variant (phone model and colour), else the first picture. static/js/shop.js
    makes the same choice when the picker changes the variant in place."""
    variant = selection.variant
    colour_slugs = {c.pk: c.slug for c in selection.colours}
    staff = [
        GalleryImage(str(p.pk), p.image.url, p.alt, p.colour.slug if p.colour_id else "", False)
        for p in photos
    ]
    rendered = [
        GalleryImage(f"render-{colour_slugs[pk]}", r.url, r.alt, colour_slugs[pk], True)
        for pk, r in (renders or {}).items()
        if pk in colour_slugs
    ]
    images = staff + rendered
    chosen = variant.colour.slug if variant is not None else None
    asked = next((i for i in images if requested and i.key == requested), None)
    main = (
        asked
        or next((i for i in staff if chosen and i.colour == chosen), None)
        or next((i for i in staff if not i.colour), None)
        or next((i for i in rendered if i.colour == chosen), None)
        or (images[0] if images else None)
    )
    base = [("model", variant.phone_model.slug), ("colour", variant.colour.slug)] if variant else []
    thumbs = [
        {
            "image": image,
            "href": f"?{urlencode([*base, ('photo', image.key)])}#gallery",
            "colour": image.colour,
            "current": image is main,
        }
        for image in images
    ]
    return Gallery(main=main, thumbs=thumbs, valid_request=not requested or asked is not None)
